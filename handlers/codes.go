package handlers

import (
	"net/http"
	"time"

	"healthpassport/models"
	"healthpassport/models/store"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// codeAttempt is one try of a code from a letter or a share, with the
// second factor that must go with it.
type codeAttempt struct {
	counters []store.Counter // what guesses at this code are counted against
	code     string
	dob      time.Time // the date of birth that goes with a patient's code or a share's
	email    string    // the work email that goes with a member of staff's code
	form     *views.Form
	show     func(status int, form *views.Form) // shows the form again
}

// secondFactor reads what must go with a code into the attempt, adding
// any problem with it to the attempt's form.
type secondFactor func(c *gin.Context, a *codeAttempt)

// withDateOfBirth is the second factor of a patient's or carer's code and
// of a share's: the patient's date of birth.
func withDateOfBirth(c *gin.Context, a *codeAttempt) {
	dob, errs := models.CheckDateOfBirth("dob", dateValue(c, a.form, "dob"), time.Now())
	addErrors(a.form, errs)
	a.dob = dob
}

// withWorkEmail is the second factor of a member of staff's code: the
// work email they were invited at.
func withWorkEmail(c *gin.Context, a *codeAttempt) {
	a.email = formValue(c, a.form, "email")
	if a.email == "" {
		a.form.Add("email", "Enter your work email address")
	}
}

// readCodeAttempt reads a code and its second factor (missing and wrong
// are the messages for no code and an impossible one) and reserves a
// guess for this code and this address before the code is checked:
// guesses are throttled by address, and by code so that one code cannot
// be tried against many second factors. When the attempt cannot go on,
// it has already been answered.
func (h *Handler) readCodeAttempt(c *gin.Context, kind string, factor secondFactor, missing, wrong, tooMany string, show func(int, *views.Form)) (*codeAttempt, bool) {
	a := &codeAttempt{form: views.NewForm(), show: show}
	a.code = formValue(c, a.form, "code")
	if a.code == "" {
		a.form.Add("code", missing)
	} else if len(a.code) > 40 {
		a.form.Add("code", wrong)
	}
	factor(c, a)
	if a.form.HasErrors() {
		show(http.StatusUnprocessableEntity, a.form)
		return nil, false
	}
	a.counters = store.CodeCounters(kind, a.code, c.ClientIP())
	allowed, err := h.store.ReserveAttempt(c.Request.Context(), a.counters)
	if err != nil {
		h.serverError(c, err)
		return nil, false
	}
	if !allowed {
		a.form.Add("code", tooMany)
		show(http.StatusTooManyRequests, a.form)
		return nil, false
	}
	return a, true
}

// admit lets a right code through: its own count starts again and the
// address gets its guess back; the session, under a new token, holds what
// the code opened (sessionKey: id), and the person goes on to next.
func (h *Handler) admit(c *gin.Context, a *codeAttempt, sessionKey string, id uint, next string) {
	if err := h.store.AttemptSucceeded(c.Request.Context(), a.counters); err != nil {
		h.serverError(c, err)
		return
	}
	ctx := c.Request.Context()
	if err := h.sessions.RenewToken(ctx); err != nil {
		h.serverError(c, err)
		return
	}
	h.sessions.Put(ctx, sessionKey, int(id))
	redirect(c, next)
}

// refuse audits a wrong code, whose guess stays counted, and shows the form
// again with the message.
func (h *Handler) refuse(c *gin.Context, a *codeAttempt, auditAction, message string) {
	if !h.auditAccess(c, models.AuditEntry{Action: auditAction}) {
		return
	}
	a.form.Add("code", message)
	a.show(http.StatusUnprocessableEntity, a.form)
}
