package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

const sessionShare = "share_id"

func (h *Handler) shares(c *gin.Context) {
	patient := patientOf(c)
	form := views.NewForm()
	form.Values["days"] = "30"
	h.showShares(c, http.StatusOK, patient, canAct(c), form)
}

func (h *Handler) showShares(c *gin.Context, status int, patient *models.Patient, canAct bool, form *views.Form) {
	shares, err := h.store.ActiveShares(c.Request.Context(), principalOf(c), patient)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, status, views.SharesPage(h.page(c, "Share the emergency page", form), passportBase(patient), canAct, shares))
}

func (h *Handler) createShare(c *gin.Context) {
	patient := patientOf(c)
	form := views.NewForm()
	recipient := formValue(c, form, "recipient")
	days, errs := models.CheckShare(recipient, formValue(c, form, "days"))
	addErrors(form, errs)
	if form.HasErrors() {
		h.showShares(c, http.StatusUnprocessableEntity, patient, canAct(c), form)
		return
	}
	share, code, err := h.store.CreateShare(c.Request.Context(), principalOf(c), actor(c), patient, recipient, days)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.holdLetterCode(c, shareKey(share.ID), code)
	h.flash(c, "Access code made for "+recipient)
	redirect(c, fmt.Sprintf("%s/shares/%d", passportBase(patient), share.ID))
}

func shareKey(id uint) string { return fmt.Sprintf("share-%d", id) }

// activeShare finds the working share in the URL among the patient's.
func (h *Handler) activeShare(c *gin.Context) (*models.Patient, *models.Share, bool) {
	patient := patientOf(c)
	id, ok := h.idParam(c, "share")
	if !ok {
		return nil, nil, false
	}
	shares, err := h.store.ActiveShares(c.Request.Context(), principalOf(c), patient)
	if err != nil {
		h.serverError(c, err)
		return nil, nil, false
	}
	i := slices.IndexFunc(shares, func(s models.Share) bool { return s.ID == id })
	if i < 0 {
		h.notFound(c)
		return nil, nil, false
	}
	return patient, &shares[i], true
}

// shareCode shows a new access code once.
func (h *Handler) shareCode(c *gin.Context) {
	patient, share, ok := h.activeShare(c)
	if !ok {
		return
	}
	render(c, http.StatusOK, views.ShareCodePage(h.page(c, "Access code for "+share.Recipient, nil), passportBase(patient),
		*share, h.takeLetterCode(c, shareKey(share.ID)), h.publicAddress+"/shared"))
}

// confirmRevokeShare asks before a share stops.
func (h *Handler) confirmRevokeShare(c *gin.Context) {
	patient, share, ok := h.activeShare(c)
	if !ok {
		return
	}
	render(c, http.StatusOK, views.StopSharingPage(h.page(c, "Stop sharing with "+share.Recipient+"?", nil), passportBase(patient), *share))
}

func (h *Handler) revokeShare(c *gin.Context) {
	patient, share, ok := h.activeShare(c)
	if !ok {
		return
	}
	if h.lookupFailed(c, h.store.RevokeShare(c.Request.Context(), principalOf(c), actor(c), patient, share.ID)) {
		return
	}
	h.flash(c, share.Recipient+" can no longer see the emergency page")
	redirect(c, passportBase(patient)+"/shares")
}

// sharedForm is where a school or carer types the access code they were
// given, with the person's date of birth.
func (h *Handler) sharedForm(c *gin.Context) {
	render(c, http.StatusOK, views.SharedFormPage(h.page(c, "See someone's emergency information", nil)))
}

func (h *Handler) openShared(c *gin.Context) {
	show := func(status int, form *views.Form) {
		render(c, status, views.SharedFormPage(h.page(c, "See someone's emergency information", form)))
	}
	attempt, ok := h.readCodeAttempt(c, models.AttemptShare, withDateOfBirth, "Enter the access code", "The access code or date of birth is not right",
		"You have tried too many times. Wait 15 minutes and try again", show)
	if !ok {
		return
	}
	share, err := h.store.OpenShare(c.Request.Context(), actor(c), attempt.code, attempt.dob)
	if errors.Is(err, models.ErrNotFound) {
		h.refuse(c, attempt, models.AuditShareRefused, "The access code or date of birth is not right, or the code has stopped working")
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.admit(c, attempt, sessionShare, share.ID, "/shared/view")
}

// sharedView shows the emergency page, and nothing else, for as long as
// the share works.
func (h *Handler) sharedView(c *gin.Context) {
	id := h.sessions.GetInt(c.Request.Context(), sessionShare)
	share, err := h.store.WorkingShare(c.Request.Context(), uint(id))
	if id == 0 || errors.Is(err, models.ErrNotFound) {
		h.sessions.Remove(c.Request.Context(), sessionShare)
		redirect(c, "/shared")
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	patient := share.Patient
	passport, err := h.store.LoadPassport(c.Request.Context(), models.SharePrincipal(share), patient)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if !h.auditAccess(c, models.AuditEntry{Action: models.AuditShareViewed, PatientID: &patient.ID, TargetType: "share", TargetID: strconv.Itoa(id), Detail: share.Recipient}) {
		return
	}
	render(c, http.StatusOK, views.SharedEmergencyPage(h.page(c, "Emergency information", nil), passport, *share))
}

func (h *Handler) leaveShared(c *gin.Context) {
	h.sessions.Remove(c.Request.Context(), sessionShare)
	redirect(c, "/shared")
}
