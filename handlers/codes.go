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
	counters []models.Counter // what guesses at this code are counted against
	code     string
	dob      time.Time
	form     *views.Form
	show     func(status int, form *views.Form) // shows the form again
}

// readCodeAttempt reads a code and a date of birth (missing and wrong are
// the messages for no code and an impossible one) and reserves a guess for
// this code and this address before the code is checked: guesses are
// throttled by address, and by code so that one code cannot be tried
// against many dates of birth. When the attempt cannot go on, it has
// already been answered.
func (h *Handler) readCodeAttempt(c *gin.Context, kind, missing, wrong, tooMany string, show func(int, *views.Form)) (*codeAttempt, bool) {
	a := &codeAttempt{form: views.NewForm(), show: show}
	a.code = formValue(c, a.form, "code")
	if a.code == "" {
		a.form.Add("code", missing)
	} else if len(a.code) > 40 {
		a.form.Add("code", wrong)
	}
	dob, errs := models.CheckDateOfBirth("dob", dateValue(c, a.form, "dob"), time.Now())
	addErrors(a.form, errs)
	if a.form.HasErrors() {
		show(http.StatusUnprocessableEntity, a.form)
		return nil, false
	}
	a.dob = dob
	a.counters = models.CodeCounters(kind, a.code, c.ClientIP())
	allowed, err := h.store.ReserveAttempt(a.counters)
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
	if err := h.store.AttemptSucceeded(a.counters); err != nil {
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
