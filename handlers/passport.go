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
	patient, ok := h.ownPatient(c)
	if !ok {
		return
	}
	h.showPassport(c, patient, "My passport", true)
}

// ownPatient is the signed-in patient's own record, which came with them.
func (h *Handler) ownPatient(c *gin.Context) (*models.Patient, bool) {
	patient := principalOf(c).Own
	if patient == nil {
		h.forbidden(c, models.AuditEntry{TargetType: "passport"})
		return nil, false
	}
	return patient, true
}

// passport shows a passport the signed-in patient or carer may read.
func (h *Handler) passport(c *gin.Context) {
	patient := patientOf(c)
	if currentUser(c).Role == models.RolePatient {
		h.showPassport(c, patient, "My passport", true)
		return
	}
	h.showPassport(c, patient, views.Capital(voiceOf(c).Whose())+" passport", false)
}

func (h *Handler) showPassport(c *gin.Context, patient *models.Patient, title string, own bool) {
	principal := principalOf(c)
	passport, err := h.store.LoadPassport(c.Request.Context(), principal, patient)
	if err != nil {
		h.serverError(c, err)
		return
	}
	// The glance is read afresh each time: the passport's plans are kept
	// by their state, but readings and requests change without them.
	glances, err := h.store.Glances(c.Request.Context(), principal, []uint{patient.ID})
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.PassportPage(h.page(c, title, nil), passport, glances[patient.ID], own, principal.CanAct(patient.ID)))
}

// people lists the people a carer looks after, each at a glance.
func (h *Handler) people(c *gin.Context) {
	people := principalOf(c).CaredFor
	ids := make([]uint, len(people))
	for i, person := range people {
		ids[i] = person.ID
	}
	glances, err := h.store.Glances(c.Request.Context(), principalOf(c), ids)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.PeoplePage(h.page(c, "People you care for", nil), people, glances))
}

// readerPassport loads the passport in the URL for its patient or carer.
func (h *Handler) readerPassport(c *gin.Context) (*models.Passport, bool) {
	passport, err := h.store.LoadPassport(c.Request.Context(), principalOf(c), patientOf(c))
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
	patient, ok := h.ownPatient(c)
	if !ok {
		return
	}
	redirect(c, passportBase(patient)+"/emergency")
}
