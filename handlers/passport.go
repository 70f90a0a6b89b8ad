package handlers

import (
	"net/http"
	"time"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// ownPassport shows a patient their own passport.
func (h *Handler) ownPassport(c *gin.Context) {
	user := currentUser(c)
	if user.PatientID == nil {
		h.forbidden(c, models.AuditEntry{TargetType: "passport"})
		return
	}
	patient, err := h.store.PatientByID(*user.PatientID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.showPassport(c, patient, "My passport", true)
}

// passport shows a passport the signed-in patient or carer may read, and
// refuses, with an audit entry, any other.
func (h *Handler) passport(c *gin.Context) {
	patient, _, ok := h.readerPatient(c, false)
	if !ok {
		return
	}
	if currentUser(c).Role == models.RolePatient {
		h.showPassport(c, patient, "My passport", true)
		return
	}
	h.showPassport(c, patient, views.Capital(voiceOf(c).Whose())+" passport", false)
}

func (h *Handler) showPassport(c *gin.Context, patient *models.Patient, title string, own bool) {
	passport, err := h.store.LoadPassport(patient)
	if err != nil {
		h.serverError(c, err)
		return
	}
	entry := models.AuditEntry{Action: models.AuditPassportViewed, PatientID: &patient.ID, TargetType: "passport", TargetID: patient.Ref}
	if !own {
		entry.OnBehalfOf = &patient.ID
	}
	if !h.auditAccess(c, entry) {
		return
	}
	render(c, http.StatusOK, views.PassportPage(h.page(c, title, nil), passport, own))
}

func (h *Handler) people(c *gin.Context) {
	people, err := h.store.PeopleCaredFor(currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.PeoplePage(h.page(c, "People you care for", nil), people))
}

// readerPassport loads the passport in the URL for its patient or carer.
func (h *Handler) readerPassport(c *gin.Context) (*models.Passport, bool) {
	patient, _, ok := h.readerPatient(c, false)
	if !ok {
		return nil, false
	}
	passport, err := h.store.LoadPassport(patient)
	if err != nil {
		h.serverError(c, err)
		return nil, false
	}
	return passport, true
}

func printedOn() string { return views.FormatDate(time.Now()) }

func (h *Handler) emergency(c *gin.Context) {
	passport, ok := h.readerPassport(c)
	if !ok {
		return
	}
	render(c, http.StatusOK, views.EmergencyPage(h.page(c, "Emergency information", nil), passport, passportBase(&passport.Patient)))
}

func (h *Handler) emergencyPrint(c *gin.Context) {
	passport, ok := h.readerPassport(c)
	if !ok {
		return
	}
	render(c, http.StatusOK, views.EmergencyPrintPage(h.page(c, "Emergency information for "+passport.Patient.FullName(), nil), passport, printedOn()))
}

func (h *Handler) passportPrint(c *gin.Context) {
	passport, ok := h.readerPassport(c)
	if !ok {
		return
	}
	render(c, http.StatusOK, views.PassportPrintPage(h.page(c, "Health passport for "+passport.Patient.FullName(), nil), passport, printedOn()))
}

// ownEmergency takes a patient to their own emergency page from any page.
func (h *Handler) ownEmergency(c *gin.Context) {
	user := currentUser(c)
	if user.PatientID == nil {
		h.forbidden(c, models.AuditEntry{TargetType: "passport"})
		return
	}
	patient, err := h.store.PatientByID(*user.PatientID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	redirect(c, passportBase(patient)+"/emergency")
}
