package handlers

import (
	"net/http"
	"time"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// codeAttempt is one try of a code from a letter or a share, with the date
// of birth that must go with it.
type codeAttempt struct {
	kind string // models.AttemptActivation or models.AttemptShare
	key  string // what guesses at this code are counted by
	code string
	dob  time.Time
	form *views.Form
	show func(status int, form *views.Form) // shows the form again
}

// readCodeAttempt reads a code and a date of birth (missing and wrong are
// the messages for no code and an impossible one) and checks that this
// code and this address may try again: guesses are throttled by address,
// and by code so that one code cannot be tried against many dates of birth.
// When the attempt cannot go on, it has already been answered.
func (h *Handler) readCodeAttempt(c *gin.Context, kind, missing, wrong, tooMany string, show func(int, *views.Form)) (*codeAttempt, bool) {
	a := &codeAttempt{kind: kind, form: views.NewForm(), show: show}
	a.code = formValue(c, a.form, "code")
	if a.code == "" {
		a.form.Add("code", missing)
	} else if len(a.code) > 40 {
		a.form.Add("code", wrong)
	}
	dob, dobOK := dateField(c, a.form, "dob", "Date of birth", true)
	if a.form.HasErrors() || !dobOK {
		show(http.StatusUnprocessableEntity, a.form)
		return nil, false
	}
	a.dob = dob
	a.key = models.HashActivationCode(a.code)[:32]
	throttled, err := h.store.Throttled(kind, a.key, c.ClientIP())
	if err != nil {
		h.serverError(c, err)
		return nil, false
	}
	if throttled {
		a.form.Add("code", tooMany)
		show(http.StatusTooManyRequests, a.form)
		return nil, false
	}
	return a, true
}

// refuse counts a wrong code towards the throttle, audits it and shows the
// form again with the message.
func (h *Handler) refuse(c *gin.Context, a *codeAttempt, auditAction, message string) {
	if err := h.store.RecordAttempt(a.kind, a.key, c.ClientIP(), false); err != nil {
		h.serverError(c, err)
		return
	}
	if !h.auditAccess(c, models.AuditEntry{Action: auditAction}) {
		return
	}
	a.form.Add("code", message)
	a.show(http.StatusUnprocessableEntity, a.form)
}
