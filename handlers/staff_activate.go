package handlers

import (
	"errors"
	"net/http"

	"healthpassport/models"
	"healthpassport/models/store"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

const (
	msgStaffActivationWrong = "The activation code or work email address is not right. Check your letter and try again"
	msgStaffActivationUsed  = "This activation code has already been used. If you cannot sign in, ask your administrator for a new letter"
)

func (h *Handler) staffActivateForm(c *gin.Context) {
	render(c, http.StatusOK, views.StaffActivatePage(h.page(c, "Set up your staff account", nil)))
}

// staffActivate checks the code from an invited member of staff's letter
// with their work email, as a patient's code is checked with their date
// of birth.
func (h *Handler) staffActivate(c *gin.Context) {
	show := func(status int, form *views.Form) {
		render(c, status, views.StaffActivatePage(h.page(c, "Set up your staff account", form)))
	}
	attempt, ok := h.readCodeAttempt(c, store.AttemptStaffActivation, withWorkEmail, "Enter your activation code", msgStaffActivationWrong,
		"You have tried too many times. Wait 15 minutes and try again, or ask your administrator for help", show)
	if !ok {
		return
	}
	record, err := h.store.CheckStaffActivation(c.Request.Context(), attempt.code, attempt.email)
	if errors.Is(err, models.ErrStaffActivation) {
		message := msgStaffActivationWrong
		if used, err := h.store.StaffActivationCodeUsed(c.Request.Context(), attempt.code, attempt.email); err != nil {
			h.serverError(c, err)
			return
		} else if used {
			message = msgStaffActivationUsed
		}
		h.refuse(c, attempt, models.AuditActivationFailed, message)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.admit(c, attempt, sessionStaffActivation, record.ID, "/activate/staff/account")
}

// pendingStaffActivation is the code this session has checked and the
// member of staff it sets up an account for.
func (h *Handler) pendingStaffActivation(c *gin.Context) (uint, *models.User, bool) {
	codeID := uint(h.sessions.GetInt(c.Request.Context(), sessionStaffActivation))
	if codeID == 0 {
		return 0, nil, false
	}
	user, err := h.store.StaffInvited(c.Request.Context(), codeID)
	if err != nil {
		h.sessions.Remove(c.Request.Context(), sessionStaffActivation)
		return 0, nil, false
	}
	return codeID, user, true
}

func (h *Handler) chooseStaffAccountForm(c *gin.Context) {
	_, user, ok := h.pendingStaffActivation(c)
	if !ok {
		redirect(c, "/activate/staff")
		return
	}
	render(c, http.StatusOK, views.ChooseAccountPage(h.page(c, "Choose how you will sign in", nil), models.GreetingName(user.DisplayName), "/activate/staff/account"))
}

func (h *Handler) chooseStaffAccount(c *gin.Context) {
	codeID, user, ok := h.pendingStaffActivation(c)
	if !ok {
		redirect(c, "/activate/staff")
		return
	}
	form := views.NewForm()
	show := func() {
		render(c, http.StatusUnprocessableEntity, views.ChooseAccountPage(h.page(c, "Choose how you will sign in", form),
			models.GreetingName(user.DisplayName), "/activate/staff/account"))
	}
	username := models.NormaliseUsername(formValue(c, form, "username"))
	password := passwordValue(c, form, "password")
	switch {
	case username == "":
		form.Add("username", "Enter a username")
	case !usernamePattern.MatchString(username):
		form.Add("username", "Username must be 3 to 64 letters, numbers, dots, dashes or underscores")
	}
	if err := models.CheckNewPassword(password, models.PersonalDetails{Username: username, Names: []string{user.DisplayName}}); err != nil {
		form.Add("password", err.Error())
	}
	if form.HasErrors() {
		show()
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
	activated, err := h.store.CompleteStaffActivation(c.Request.Context(), codeID, username, hash, actor(c))
	switch {
	case errors.Is(err, models.ErrUsernameTaken):
		form.Add("username", "That username is taken. Choose another")
		show()
		return
	case errors.Is(err, models.ErrStaffActivation), errors.Is(err, models.ErrNotFound):
		h.sessions.Remove(c.Request.Context(), sessionStaffActivation)
		redirect(c, "/activate/staff")
		return
	case err != nil:
		h.serverError(c, err)
		return
	}
	h.sessions.Remove(c.Request.Context(), sessionStaffActivation)
	if err := h.startSession(c, activated); err != nil {
		h.serverError(c, err)
		return
	}
	redirect(c, homePath(activated.Role))
}
