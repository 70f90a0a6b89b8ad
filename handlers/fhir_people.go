package handlers

import (
	"errors"
	"net/http"

	"healthpassport/models"
	"healthpassport/models/fhirmap"

	"github.com/gin-gonic/gin"
)

func (h *Handler) searchRelatedPeople(c *gin.Context) {
	page, ok := readPage(c)
	if !ok {
		return
	}
	includes, ok := readIncludes(c, includeParam, fhirmap.SearchIncludes["RelatedPerson"])
	if !ok {
		return
	}
	patient, ok := h.searchedPatient(c, "RelatedPerson")
	if !ok {
		return
	}
	carers, err := h.store.CarersLinkedTo(c.Request.Context(), principalOf(c), patient, oneMore(page))
	if err != nil {
		apiServerError(c, err)
		return
	}
	answerPatientRecordPage(c, h, page, carers, func(carer models.Carer) uint { return carer.ID }, fhirmap.FromCarer, includes, patient)
}

// readRelatedPerson answers a carer's link to a patient. A link that has
// been removed is retired: the API answers 410 Gone, so a client knows to
// forget the carer, rather than 404 as for a link it never had.
func (h *Handler) readRelatedPerson(c *gin.Context) {
	linkID, ok := h.recordID(c, "RelatedPerson", "id")
	if !ok {
		return
	}
	carer, err := h.store.CarerFor(c.Request.Context(), principalOf(c), linkID)
	if errors.Is(err, models.ErrNotFound) {
		h.notFoundForClient(c, "RelatedPerson", c.Param("id"))
		return
	}
	if err != nil {
		apiServerError(c, err)
		return
	}
	if !h.auditRead(c, models.AuditAPIRead, &carer.PatientID, "RelatedPerson", c.Param("id")) {
		return
	}
	if carer.RevokedAt != nil {
		outcome(c, http.StatusGone, "deleted", "RelatedPerson/"+c.Param("id")+" was removed: the carer no longer looks after the patient.")
		return
	}
	fhirResource(c, http.StatusOK, fhirmap.FromCarer(*carer))
}

// readPractitioner answers a member of staff whom one of the client's
// care plans names as its author.
func (h *Handler) readPractitioner(c *gin.Context) {
	userID, ok := h.recordID(c, "Practitioner", "id")
	if !ok {
		return
	}
	user, err := h.store.PractitionerFor(c.Request.Context(), principalOf(c), userID)
	if errors.Is(err, models.ErrNotFound) {
		h.notFoundForClient(c, "Practitioner", c.Param("id"))
		return
	}
	if err != nil {
		apiServerError(c, err)
		return
	}
	if h.auditRead(c, models.AuditAPIRead, nil, "Practitioner", c.Param("id")) {
		fhirResource(c, http.StatusOK, fhirmap.FromPractitioner(*user))
	}
}

// readOrganization answers the practice a client acts for, which its
// patients' records point at.
func (h *Handler) readOrganization(c *gin.Context) {
	organisation, err := h.store.OrganisationFor(c.Request.Context(), principalOf(c), c.Param("id"))
	if errors.Is(err, models.ErrNotFound) {
		h.notFoundForClient(c, "Organization", c.Param("id"))
		return
	}
	if err != nil {
		apiServerError(c, err)
		return
	}
	if h.auditRead(c, models.AuditAPIRead, nil, "Organization", organisation.ODSCode) {
		fhirResource(c, http.StatusOK, fhirmap.FromOrganisation(*organisation))
	}
}
