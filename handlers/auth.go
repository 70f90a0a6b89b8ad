package handlers

import (
	"errors"
	"net/http"
	"time"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

const (
	msgEnterUsername   = "Enter your username"
	msgEnterPassword   = "Enter your password"
	msgWrongSignIn     = "Enter a correct username and password"
	msgTooManyAttempts = "You have tried to sign in too many times. Your account is locked for 15 minutes. If you need help now, contact your clinic."
)

func (h *Handler) signInForm(c *gin.Context) {
	if user := currentUser(c); user != nil {
		redirect(c, homePath(user.Role))
		return
	}
	render(c, http.StatusOK, views.SignInPage(h.page(c, "Sign in", nil), ""))
}

func (h *Handler) signIn(c *gin.Context) {
	form := views.NewForm()
	username := formValue(c, form, "username")
	password := passwordValue(c, form, "password")
	if username == "" {
		form.Add("username", msgEnterUsername)
	}
	if password == "" {
		form.Add("password", msgEnterPassword)
	}
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.SignInPage(h.page(c, "Sign in", form), ""))
		return
	}
	normalised := models.NormaliseUsername(username)
	ip := c.ClientIP()
	throttled, err := h.store.Throttled(models.AttemptSignIn, normalised, ip)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if throttled {
		h.audit(c, models.AuditEntry{Action: models.AuditSignInThrottled, TargetType: "user", TargetID: normalised})
		form.Add("username", msgTooManyAttempts)
		render(c, http.StatusTooManyRequests, views.SignInPage(h.page(c, "Sign in", form), ""))
		return
	}
	user, err := h.store.UserByUsername(normalised)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		h.serverError(c, err)
		return
	}
	if err != nil {
		models.WasteTimeCheckingPassword(password)
	}
	if err != nil || !models.CheckPassword(user.PasswordHash, password) {
		if err := h.store.RecordAttempt(models.AttemptSignIn, normalised, ip, false); err != nil {
			h.serverError(c, err)
			return
		}
		h.audit(c, models.AuditEntry{Action: models.AuditSignInFailed, TargetType: "user", TargetID: normalised})
		form.Add("username", msgWrongSignIn)
		render(c, http.StatusUnprocessableEntity, views.SignInPage(h.page(c, "Sign in", form), ""))
		return
	}
	if err := h.store.RecordAttempt(models.AttemptSignIn, normalised, ip, true); err != nil {
		h.serverError(c, err)
		return
	}
	if err := h.startSession(c, user); err != nil {
		h.serverError(c, err)
		return
	}
	redirect(c, homePath(user.Role))
}

// startSession signs a person in under a new session token, so that a token
// seen before sign-in is worthless after it, and notes the device.
func (h *Handler) startSession(c *gin.Context, user *models.User) error {
	ctx := c.Request.Context()
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	if err := h.store.RecordDevice(user.ID, h.sessions.Token(ctx), c.Request.UserAgent(), c.ClientIP()); err != nil {
		return err
	}
	h.sessions.Remove(ctx, sessionCSRF)
	h.sessions.Put(ctx, sessionUserID, int(user.ID))
	h.sessions.Put(ctx, sessionLastSeen, time.Now().Unix())
	c.Set(contextUser, user)
	h.audit(c, models.AuditEntry{Action: models.AuditSignIn, TargetType: "user", TargetID: user.Username})
	return nil
}

func (h *Handler) signOut(c *gin.Context) {
	if user := currentUser(c); user != nil {
		h.audit(c, models.AuditEntry{Action: models.AuditSignOut, TargetType: "user", TargetID: user.Username})
	}
	h.endSession(c)
	if !c.IsAborted() {
		redirect(c, "/signed-out")
	}
}

func (h *Handler) signedOut(c *gin.Context) {
	if currentUser(c) != nil {
		redirect(c, "/")
		return
	}
	lines := []string{"You have signed out. If you are on a shared computer, you can now leave it."}
	if c.Query("reason") == "idle" {
		lines = []string{"We signed you out because you had not done anything for a while. This keeps your information safe on shared computers."}
	}
	lines = append(lines, "Sign in again to see your passport.")
	render(c, http.StatusOK, views.SignedOutPage(h.page(c, "You have signed out", nil), lines))
}
