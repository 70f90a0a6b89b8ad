package handlers

import (
	"net/http"

	"healthpassport/models"
	"healthpassport/models/fhirmap"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// A patient, or a carer who may act for them, takes away everything held
// about the passport: to read or print, or as a FHIR Bundle built by the
// same mapping as the API's.

// passportRecord loads the passport's record and records, before it is
// shown, who took it.
func (h *Handler) passportRecord(c *gin.Context, action string) (*models.PassportRecord, bool) {
	patient := patientOf(c)
	record, err := h.store.LoadPassportRecord(c.Request.Context(), principalOf(c), patient)
	if err != nil {
		h.serverError(c, err)
		return nil, false
	}
	entry := models.AuditEntry{Action: action, PatientID: &patient.ID, TargetType: "passport", TargetID: patient.Ref}
	if principalOf(c).User.Role == models.RoleCarer {
		entry.OnBehalfOf = &patient.ID
	}
	return record, h.auditAccess(c, entry)
}

func (h *Handler) passportData(c *gin.Context) {
	record, ok := h.passportRecord(c, models.AuditPassportDataViewed)
	if !ok {
		return
	}
	title := "All the data we hold"
	render(c, http.StatusOK, views.PassportDataPage(h.page(c, title, nil), record, passportBase(&record.Patient)))
}

func (h *Handler) downloadPassportData(c *gin.Context) {
	record, ok := h.passportRecord(c, models.AuditPassportDownloaded)
	if !ok {
		return
	}
	c.Header("Content-Disposition", `attachment; filename="health-passport-`+record.Patient.Ref+`.json"`)
	fhirResource(c, http.StatusOK, fhirmap.PassportBundle(h.publicAddress+fhirBase, *record))
}
