package handlers

import (
	"errors"
	"net/http"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

func (h *Handler) prescriptionQueue(c *gin.Context) {
	h.showPrescriptionQueue(c, http.StatusOK, nil)
}

// showPrescriptionQueue shows the page of the queue the address asks for:
// a decision's form carries its page, so a mistake shows the same page.
func (h *Handler) showPrescriptionQueue(c *gin.Context, status int, form *views.Form) {
	nav := views.PrescriptionQueueList.Asked(c.Query)
	listing, err := h.store.PrescriptionQueue(c.Request.Context(), principalOf(c), nav.Filter.Selected, nav.Page)
	if err != nil {
		h.serverError(c, err)
		return
	}
	nav.Pagination = listing.Pagination
	render(c, status, views.PrescriptionQueuePage(h.page(c, "Prescription requests", form), listing.Rows, nav))
}

// decidePrescription approves, rejects (with a reason) or marks ready a
// request from a patient of the nurse's practices.
func (h *Handler) decidePrescription(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	form := views.NewForm()
	decision := formValue(c, form, "decision")
	reasonField := "reason-" + c.Param("id")
	reason, errs := models.CheckDecision(reasonField, decision, formValue(c, form, reasonField))
	addErrors(form, errs)
	if form.HasErrors() {
		h.showPrescriptionQueue(c, http.StatusUnprocessableEntity, form)
		return
	}
	urgent := formValue(c, form, "urgent") == "yes"
	request, err := h.store.DecidePrescription(c.Request.Context(), principalOf(c), actor(c), id, decision, reason, urgent)
	switch {
	case errors.Is(err, models.ErrNotFound):
		h.forbidden(c, models.AuditEntry{TargetType: "prescription-request", TargetID: c.Param("id")})
	case errors.Is(err, models.ErrWrongStatus):
		form.Add(reasonField, "This request has already been dealt with, or that is not a decision you can make now. The list shows where it is up to")
		h.showPrescriptionQueue(c, http.StatusConflict, form)
	case err != nil:
		h.serverError(c, err)
	default:
		h.flash(c, decidedMessage(request))
		redirect(c, views.PrescriptionQueueList.Asked(c.Query).Here())
	}
}

// decidedMessage says what a decision did to a request.
func decidedMessage(request *models.PrescriptionRequest) string {
	switch request.Status {
	case models.RequestApproved:
		return request.Medicine + " approved"
	case models.RequestRejected:
		return request.Medicine + " not approved. The reason has been shown to the patient"
	}
	return request.Medicine + " marked as ready to collect"
}

func (h *Handler) alertQueue(c *gin.Context) {
	h.showAlertQueue(c, http.StatusOK, nil)
}

// showAlertQueue shows the page of the queue the address asks for, as
// showPrescriptionQueue does.
func (h *Handler) showAlertQueue(c *gin.Context, status int, form *views.Form) {
	nav := views.AlertQueueList.Asked(c.Query)
	listing, err := h.store.AlertQueue(c.Request.Context(), principalOf(c), nav.Filter.Selected, nav.Page)
	if err != nil {
		h.serverError(c, err)
		return
	}
	nav.Pagination = listing.Pagination
	render(c, status, views.AlertQueuePage(h.page(c, "Red-zone alerts", form), listing.Rows, nav))
}

// acknowledgeAlert records what a nurse did about a red-zone reading.
func (h *Handler) acknowledgeAlert(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	form := views.NewForm()
	noteField := "note-" + c.Param("id")
	note := formValue(c, form, noteField)
	addErrors(form, models.CheckAlertNote(noteField, note))
	if form.HasErrors() {
		h.showAlertQueue(c, http.StatusUnprocessableEntity, form)
		return
	}
	err := h.store.AcknowledgeAlert(c.Request.Context(), principalOf(c), actor(c), id, note)
	switch {
	case errors.Is(err, models.ErrNotFound):
		h.forbidden(c, models.AuditEntry{TargetType: "alert", TargetID: c.Param("id")})
	case errors.Is(err, models.ErrWrongStatus):
		form.Add(noteField, "Another member of staff has already acknowledged this alert")
		h.showAlertQueue(c, http.StatusConflict, form)
	case err != nil:
		h.serverError(c, err)
	default:
		h.flash(c, "Alert acknowledged")
		redirect(c, views.AlertQueueList.Asked(c.Query).Here())
	}
}
