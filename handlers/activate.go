package handlers

import (
	"errors"
	"net/http"
	"regexp"

	"healthpassport/models"
	"healthpassport/models/store"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

var usernamePattern = regexp.MustCompile(`^[a-z0-9._-]{3,64}$`)

const (
	msgActivationWrong = "The activation code or date of birth is not right. Check your letter and try again"
	msgActivationUsed  = "This activation code has already been used. If you cannot sign in, ask your clinic for a new letter"
)

func (h *Handler) activateForm(c *gin.Context) {
	render(c, http.StatusOK, views.ActivatePage(h.page(c, "Set up your account", nil)))
}

func (h *Handler) activate(c *gin.Context) {
	show := func(status int, form *views.Form) {
		render(c, status, views.ActivatePage(h.page(c, "Set up your account", form)))
	}
	attempt, ok := h.readCodeAttempt(c, store.AttemptActivation, withDateOfBirth, "Enter your activation code", msgActivationWrong,
		"You have tried too many times. Wait 15 minutes and try again, or ask your clinic for help", show)
	if !ok {
		return
	}
	record, err := h.store.CheckActivation(c.Request.Context(), attempt.code, attempt.dob)
	if errors.Is(err, models.ErrActivationInvalid) {
		message := msgActivationWrong
		if used, err := h.store.ActivationCodeUsed(c.Request.Context(), attempt.code, attempt.dob); err != nil {
			h.serverError(c, err)
			return
		} else if used {
			message = msgActivationUsed
		}
		h.refuse(c, attempt, models.AuditActivationFailed, message)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.admit(c, attempt, sessionActivation, record.ID, "/activate/account")
}

// pendingActivation is the code this session has checked, and the first
// name of the person it is for.
func (h *Handler) pendingActivation(c *gin.Context) (uint, string, bool) {
	codeID := uint(h.sessions.GetInt(c.Request.Context(), sessionActivation))
	if codeID == 0 {
		return 0, "", false
	}
	name, err := h.store.ActivationGreeting(c.Request.Context(), codeID)
	if err != nil {
		h.sessions.Remove(c.Request.Context(), sessionActivation)
		return 0, "", false
	}
	return codeID, name, true
}

func (h *Handler) chooseAccountForm(c *gin.Context) {
	_, name, ok := h.pendingActivation(c)
	if !ok {
		redirect(c, "/activate")
		return
	}
	render(c, http.StatusOK, views.ChooseAccountPage(h.page(c, "Choose how you will sign in", nil), name, "/activate/account"))
}

func (h *Handler) chooseAccount(c *gin.Context) {
	codeID, name, ok := h.pendingActivation(c)
	if !ok {
		redirect(c, "/activate")
		return
	}
	form := views.NewForm()
	username := models.NormaliseUsername(formValue(c, form, "username"))
	password := passwordValue(c, form, "password")
	switch {
	case username == "":
		form.Add("username", "Enter a username")
	case !usernamePattern.MatchString(username):
		form.Add("username", "Username must be 3 to 64 letters, numbers, dots, dashes or underscores")
	}
	person, err := h.store.PersonalDetailsForActivation(c.Request.Context(), codeID, username)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if err := models.CheckNewPassword(password, person); err != nil {
		form.Add("password", err.Error())
	}
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.ChooseAccountPage(h.page(c, "Choose how you will sign in", form), name, "/activate/account"))
		return
	}
	hash, err := models.HashPassword(c.Request.Context(), password)
	if errors.Is(err, models.ErrHashingBusy) {
		h.busy(c)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	user, err := h.store.CompleteActivation(c.Request.Context(), codeID, username, hash, actor(c))
	switch {
	case errors.Is(err, models.ErrUsernameTaken):
		form.Add("username", "That username is taken. Choose another")
		render(c, http.StatusUnprocessableEntity, views.ChooseAccountPage(h.page(c, "Choose how you will sign in", form), name, "/activate/account"))
		return
	case errors.Is(err, models.ErrActivationInvalid):
		h.sessions.Remove(c.Request.Context(), sessionActivation)
		redirect(c, "/activate")
		return
	case err != nil:
		h.serverError(c, err)
		return
	}
	h.sessions.Remove(c.Request.Context(), sessionActivation)
	// Activating again sets a new username and password, often because the
	// old ones were lost or known to someone else: whoever signed in with
	// them is signed out.
	if _, err := h.store.EndSessionsOf(c.Request.Context(), user.ID, ""); err != nil {
		h.serverError(c, err)
		return
	}
	if err := h.startSession(c, user); err != nil {
		h.serverError(c, err)
		return
	}
	redirect(c, homePath(user.Role))
}
