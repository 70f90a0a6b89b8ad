package handlers

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"healthpassport/models"
	"healthpassport/models/store"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

const (
	msgEnterUsername   = "Enter your username"
	msgEnterPassword   = "Enter your password"
	msgWrongSignIn     = "Enter a correct username and password"
	msgTooManyAttempts = "You have tried to sign in too many times. Sign in with a security code sent to your phone or email instead, or wait 15 minutes and try again"
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
	counters := store.SignInCounters(normalised, c.ClientIP(), h.knownDevice(c, normalised))
	allowed, err := h.store.ReserveAttempt(c.Request.Context(), counters)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if !allowed {
		h.audit(c, models.AuditEntry{Action: models.AuditSignInThrottled, TargetType: "user", TargetID: normalised})
		form.Add("username", msgTooManyAttempts)
		render(c, http.StatusTooManyRequests, views.SignInPage(h.page(c, "Sign in", form), ""))
		return
	}
	user, err := h.store.UserByUsername(c.Request.Context(), normalised)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		h.serverError(c, err)
		return
	}
	matched := false
	if err != nil {
		err = models.WasteTimeCheckingPassword(c.Request.Context(), password)
	} else {
		matched, err = models.CheckPassword(c.Request.Context(), user.PasswordHash, password)
	}
	if err != nil {
		// The password was never checked, so the attempt does not count.
		if err := h.store.GiveBackAttempt(c.Request.Context(), counters); err != nil {
			h.serverError(c, err)
			return
		}
		h.busy(c)
		return
	}
	if !matched {
		h.audit(c, models.AuditEntry{Action: models.AuditSignInFailed, TargetType: "user", TargetID: normalised})
		form.Add("username", msgWrongSignIn)
		render(c, http.StatusUnprocessableEntity, views.SignInPage(h.page(c, "Sign in", form), ""))
		return
	}
	if err := h.store.AttemptSucceeded(c.Request.Context(), counters); err != nil {
		h.serverError(c, err)
		return
	}
	if err := h.startSession(c, user); err != nil {
		h.serverError(c, err)
		return
	}
	h.rememberDevice(c, user.Username)
	redirect(c, homePath(user.Role))
}

// Device cookies, as OWASP advises against online guessing: a browser that
// has signed in to an account carries a signed cookie naming the account
// and a random nonce, and its wrong passwords count against that browser
// alone. Strangers guessing from elsewhere are slowed without locking the
// owner out of the devices they use.
const (
	deviceCookie         = "passport_device"
	deviceCookieLifetime = 365 * 24 * time.Hour
	deviceCookiePurpose  = "device"
)

func (h *Handler) deviceCookieName() string {
	if h.sessions.Cookie.Secure {
		return "__Host-" + deviceCookie
	}
	return deviceCookie
}

// rememberDevice gives the browser a new device cookie for the account.
func (h *Handler) rememberDevice(c *gin.Context, username string) {
	value := models.RandomToken(24) + ":" + base64.RawURLEncoding.EncodeToString([]byte(username))
	http.SetCookie(c.Writer, &http.Cookie{
		Name:     h.deviceCookieName(),
		Value:    h.signer.sign(deviceCookiePurpose, value),
		Path:     "/",
		MaxAge:   int(deviceCookieLifetime.Seconds()),
		HttpOnly: true,
		Secure:   h.sessions.Cookie.Secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// knownDevice is the nonce of the browser's device cookie, if the cookie is
// genuine and names the account; otherwise it is empty.
func (h *Handler) knownDevice(c *gin.Context, username string) string {
	cookie, err := c.Request.Cookie(h.deviceCookieName())
	if err != nil {
		return ""
	}
	value, ok := h.signer.verify(deviceCookiePurpose, cookie.Value)
	if !ok {
		return ""
	}
	nonce, encoded, _ := strings.Cut(value, ":")
	if named, err := base64.RawURLEncoding.DecodeString(encoded); err != nil || nonce == "" || string(named) != username {
		return ""
	}
	return nonce
}

// startSession signs a person in under a new session token, so that a token
// seen before sign-in is worthless after it, and notes the device.
func (h *Handler) startSession(c *gin.Context, user *models.User) error {
	ctx := c.Request.Context()
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	if err := h.store.RecordDevice(ctx, user.ID, h.sessions.Token(ctx), c.Request.UserAgent(), c.ClientIP()); err != nil {
		return err
	}
	h.sessions.Remove(ctx, sessionCSRF)
	h.sessions.Put(ctx, sessionUserID, int(user.ID))
	h.sessions.Put(ctx, sessionLastSeen, time.Now().Unix())
	theUser.keep(c, user)
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
	lines = append(lines, "Sign in again to carry on.")
	render(c, http.StatusOK, views.SignedOutPage(h.page(c, "You have signed out", nil), lines))
}
