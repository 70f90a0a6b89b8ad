package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// messagePreferences shows how a patient or carer hears from the clinic.
func (h *Handler) messagePreferences(c *gin.Context) {
	pref, err := h.store.PreferencesOf(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	form := views.NewForm()
	form.Values = map[string]string{"channel": pref.Channel, "phone": pref.Phone, "email": pref.Email,
		"address": pref.Address, "postcode": pref.Postcode, "quiet-hours": "no"}
	if pref.QuietHours {
		form.Values["quiet-hours"] = "yes"
	}
	render(c, http.StatusOK, views.MessagePreferencesPage(h.page(c, "Messages from your clinic", nil), form, pref))
}

// saveMessagePreferences keeps the person's choice and, when the number or
// address they chose has not been checked yet, sends it a security code
// and asks for it.
func (h *Handler) saveMessagePreferences(c *gin.Context) {
	user := currentUser(c)
	form := views.NewForm()
	entry := models.PreferencesEntry{Channel: formValue(c, form, "channel"), Phone: formValue(c, form, "phone"),
		Email: formValue(c, form, "email"), Address: formValue(c, form, "address"), Postcode: formValue(c, form, "postcode"),
		QuietHours: formValue(c, form, "quiet-hours")}
	pref, errs := models.CheckPreferences(entry)
	addErrors(form, errs)
	if form.HasErrors() {
		old, err := h.store.PreferencesOf(c.Request.Context(), user.ID)
		if err != nil {
			h.serverError(c, err)
			return
		}
		render(c, http.StatusUnprocessableEntity, views.MessagePreferencesPage(h.page(c, "Messages from your clinic", form), form, old))
		return
	}
	needsCode, err := h.store.SavePreferences(c.Request.Context(), actor(c), user, pref)
	switch {
	case errors.Is(err, models.ErrTooManyCodes):
		h.flash(c, "Your choice is saved. We have sent you too many security codes lately: ask for a new one in an hour")
		redirect(c, "/account/messages/code")
	case err != nil:
		h.serverError(c, err)
	case needsCode:
		h.flash(c, "Your choice is saved. We are sending you a security code")
		redirect(c, "/account/messages/code")
	default:
		h.flash(c, "Your choice of messages is saved")
		redirect(c, "/account")
	}
}

// securityCodeForm asks for the code sent to the number or address the
// person chose.
func (h *Handler) securityCodeForm(c *gin.Context) {
	h.showSecurityCodeForm(c, http.StatusOK, nil)
}

func (h *Handler) showSecurityCodeForm(c *gin.Context, status int, form *views.Form) {
	pref, err := h.store.PreferencesOf(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if !pref.NeedsCode() {
		redirect(c, "/account/messages")
		return
	}
	page := h.page(c, "Enter your security code", form)
	if page.KeptMessage, err = h.store.KeptSecurityCode(c.Request.Context(), currentUser(c).ID); err != nil {
		h.serverError(c, err)
		return
	}
	render(c, status, views.SecurityCodePage(page, pref))
}

// checkSecurityCode takes the code; the attempt is counted before it is
// checked, so guessing is slowed however fast the guesses come.
func (h *Handler) checkSecurityCode(c *gin.Context) {
	form := views.NewForm()
	code := strings.ReplaceAll(formValue(c, form, "code"), " ", "")
	if !form.HasErrors() && (len(code) != 6 || strings.Trim(code, "0123456789") != "") {
		form.Add("code", "Enter the 6 numbers of the security code we sent you")
	}
	if form.HasErrors() {
		h.showSecurityCodeForm(c, http.StatusUnprocessableEntity, form)
		return
	}
	err := h.store.CheckSecurityCode(c.Request.Context(), actor(c), currentUser(c), code)
	switch {
	case errors.Is(err, models.ErrTooManyCodes):
		form.Add("code", "You have entered a wrong code too many times. Wait 15 minutes, then ask for a new code")
		h.showSecurityCodeForm(c, http.StatusTooManyRequests, form)
	case errors.Is(err, models.ErrWrongCode):
		form.Add("code", "The security code is not right, or it has expired. Check it, or ask for a new code")
		h.showSecurityCodeForm(c, http.StatusUnprocessableEntity, form)
	case err != nil:
		h.serverError(c, err)
	default:
		h.flash(c, "Thank you. We will send your messages there from now on")
		redirect(c, "/account")
	}
}

// sendNewSecurityCode sends another code, within the limit of codes sent.
func (h *Handler) sendNewSecurityCode(c *gin.Context) {
	err := h.store.SendSecurityCode(c.Request.Context(), currentUser(c))
	switch {
	case errors.Is(err, models.ErrNothingToCheck):
		redirect(c, "/account/messages")
	case errors.Is(err, models.ErrTooManyCodes):
		form := views.NewForm()
		form.Add("code", "We have sent you too many security codes lately. Wait an hour, then ask for a new one")
		h.showSecurityCodeForm(c, http.StatusTooManyRequests, form)
	case err != nil:
		h.serverError(c, err)
	default:
		h.flash(c, "We are sending you a new security code")
		redirect(c, "/account/messages/code")
	}
}

// messages shows administrators what has been sent, or would be sent
// without a Notify key, about the patients of their organisations: where
// to masked, never the message's full address. Reading it is audited
// before it is shown.
func (h *Handler) messages(c *gin.Context) {
	practices := principalOf(c).AdministeredPractices()
	if !h.auditAccess(c, models.AuditEntry{Action: models.AuditMessagesViewed, TargetType: "messages"}) {
		return
	}
	ids := make([]uint, len(practices))
	for i, practice := range practices {
		ids[i] = practice.ID
	}
	nav := views.MessageList.Asked(c.Query)
	messages, err := h.store.MessagesAt(c.Request.Context(), ids, nav.Filter.Selected, nav.Page)
	if err != nil {
		h.serverError(c, err)
		return
	}
	nav.Pagination = messages.Pagination
	render(c, http.StatusOK, views.MessagesPage(h.page(c, "Messages", nil), messages.Rows, nav))
}

// letters lists the letters a nurse's practices have to print.
func (h *Handler) letters(c *gin.Context) {
	nav := views.LetterList.Asked(c.Query)
	letters, err := h.store.LettersToPrint(c.Request.Context(), principalOf(c), nav.Filter.Selected, nav.Page)
	if err != nil {
		h.serverError(c, err)
		return
	}
	nav.Pagination = letters.Pagination
	waiting, err := h.store.LettersWaiting(c.Request.Context(), principalOf(c))
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.LettersPage(h.page(c, "Letters to print", nil), letters.Rows, nav, waiting))
}

// letter is one letter, ready to print.
func (h *Handler) letter(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	letter, err := h.store.LetterFor(c.Request.Context(), principalOf(c), id)
	if errors.Is(err, models.ErrNotFound) {
		h.forbidden(c, models.AuditEntry{TargetType: "letter", TargetID: c.Param("id")})
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	if !h.auditAccess(c, models.AuditEntry{Action: models.AuditLetterViewed, PatientID: letter.PatientID, TargetType: "letter", TargetID: c.Param("id")}) {
		return
	}
	from, err := h.letterSender(c.Request.Context(), letter)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.LetterPage(h.page(c, "Letter: "+models.MessageKindNames[letter.Kind], nil), letter, from, time.Now()))
}

// letterSender is the practice a letter comes from.
func (h *Handler) letterSender(ctx context.Context, letter *models.Notification) (models.Organisation, error) {
	if letter.OrganisationID == nil {
		return models.Organisation{}, nil
	}
	practice, err := h.store.Organisation(ctx, *letter.OrganisationID)
	if err != nil {
		return models.Organisation{}, err
	}
	return *practice, nil
}

// printLetters shows the oldest letters waiting to be printed, as many as
// a page of the list holds, one to a sheet, to print together: a batch
// that prints in a few minutes and never grows past what a clinic PC
// renders at once.
func (h *Handler) printLetters(c *gin.Context) {
	batch, err := h.store.LettersToPrint(c.Request.Context(), principalOf(c), models.MessageToPrint, 1)
	if err != nil {
		h.serverError(c, err)
		return
	}
	var waiting []models.Notification
	senders := map[uint]models.Organisation{}
	for i := range batch.Rows {
		letter := &batch.Rows[i]
		if letter.OrganisationID != nil {
			if _, known := senders[*letter.OrganisationID]; !known {
				if senders[*letter.OrganisationID], err = h.letterSender(c.Request.Context(), letter); err != nil {
					h.serverError(c, err)
					return
				}
			}
		}
		if !h.auditAccess(c, models.AuditEntry{Action: models.AuditLetterViewed, PatientID: letter.PatientID, TargetType: "letter",
			TargetID: strconv.Itoa(int(letter.ID))}) {
			return
		}
		waiting = append(waiting, *letter)
	}
	render(c, http.StatusOK, views.LettersPrintPage(h.page(c, "Print letters", nil), waiting, batch.Total, senders, time.Now()))
}

// markLetterPrinted records that a letter was printed.
func (h *Handler) markLetterPrinted(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	err := h.store.MarkLetterPrinted(c.Request.Context(), principalOf(c), actor(c), id)
	switch {
	case errors.Is(err, models.ErrNotFound):
		h.forbidden(c, models.AuditEntry{TargetType: "letter", TargetID: c.Param("id")})
	case errors.Is(err, models.ErrWrongStatus):
		h.flash(c, "That letter was already marked as printed")
		redirect(c, "/letters")
	case err != nil:
		h.serverError(c, err)
	default:
		h.flash(c, "Letter marked as printed")
		redirect(c, "/letters")
	}
}
