package handlers

import (
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

// findRelatedPerson finds a carer's link to a patient. A link that has
// been removed is retired: the API answers 410 Gone, so a client knows to
// forget the carer, rather than 404 as for a link it never had.
func (h *Handler) findRelatedPerson(c *gin.Context, id string) (found, bool) {
	linkID, ok := parseID(id)
	if !ok {
		h.notFoundForClient(c, "RelatedPerson", id)
		return found{}, false
	}
	carer, err := h.store.CarerFor(c.Request.Context(), principalOf(c), linkID)
	if !h.lookedUp(c, "RelatedPerson", id, err) {
		return found{}, false
	}
	if carer.RevokedAt != nil {
		if h.auditRead(c, models.AuditAPIRead, &carer.PatientID, "RelatedPerson", id) {
			outcome(c, http.StatusGone, "deleted", "RelatedPerson/"+id+" was removed: the carer no longer looks after the patient.")
		}
		return found{}, false
	}
	return onlyCurrent(fhirmap.FromCarer(*carer), &carer.PatientID), true
}

// findPractitioner finds a member of staff whom one of the client's care
// plans names as its author.
func (h *Handler) findPractitioner(c *gin.Context, id string) (found, bool) {
	userID, ok := parseID(id)
	if !ok {
		h.notFoundForClient(c, "Practitioner", id)
		return found{}, false
	}
	user, err := h.store.PractitionerFor(c.Request.Context(), principalOf(c), userID)
	if !h.lookedUp(c, "Practitioner", id, err) {
		return found{}, false
	}
	return onlyCurrent(fhirmap.FromPractitioner(*user), nil), true
}

// findOrganization finds, by ODS code, an organisation the client acts
// for, which its patients' records point at.
func (h *Handler) findOrganization(c *gin.Context, id string) (found, bool) {
	organisation, err := h.store.OrganisationFor(c.Request.Context(), principalOf(c), id)
	if !h.lookedUp(c, "Organization", id, err) {
		return found{}, false
	}
	return onlyCurrent(fhirmap.FromOrganisation(*organisation), nil), true
}

// findGroup finds, by ODS code, a practice the client acts for as the
// Group of its patients, whom a Group export of it writes.
func (h *Handler) findGroup(c *gin.Context, id string) (found, bool) {
	group, err := h.store.GroupFor(c.Request.Context(), principalOf(c), id)
	if !h.lookedUp(c, "Group", id, err) {
		return found{}, false
	}
	return onlyCurrent(fhirmap.FromGroup(*group), nil), true
}
