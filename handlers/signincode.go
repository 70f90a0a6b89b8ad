package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// Signing in with a code: a person who has forgotten their password, or
// whose account's sign-in attempts strangers have used up, asks for a code
// by username. It goes only to the mobile number or email address they
// have confirmed, and works only in the browser that asked for it. Once in,
// they may set a new password without the old one for a short while.
const (
	sessionCodeUsername     = "sign_in_code_username"
	sessionCodeRequest      = "sign_in_code_request"
	sessionNewPasswordUntil = "new_password_until"
)

// newPasswordWindow is how long after signing in with a code a person may
// set a new password without giving their current one.
const newPasswordWindow = 10 * time.Minute

const (
	msgTooManyCodesAsked = "You have asked for too many codes. Wait 15 minutes and try again"
	msgEnterSignInCode   = "Enter the 6 numbers of the code we sent you"
	msgWrongSignInCode   = "The code is not right, or it has expired. Check it, or ask for a new code"
	msgTooManyCodeTries  = "You have entered a wrong code too many times. Ask for a new code"
)

func (h *Handler) signInCodeForm(c *gin.Context) {
	if user := currentUser(c); user != nil {
		redirect(c, homePath(user.Role))
		return
	}
	render(c, http.StatusOK, views.SignInCodePage(h.page(c, "Sign in with a security code", nil)))
}

// askForSignInCode sends a code if the username has a confirmed number or
// address, and answers the same way whether or not it has.
func (h *Handler) askForSignInCode(c *gin.Context) {
	form := views.NewForm()
	username := formValue(c, form, "username")
	if username == "" {
		form.Add("username", msgEnterUsername)
	}
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.SignInCodePage(h.page(c, "Sign in with a security code", form)))
		return
	}
	ctx := c.Request.Context()
	request := models.RandomToken(32)
	err := h.store.SendSignInCode(ctx, actor(c), models.NormaliseUsername(username), request)
	if errors.Is(err, models.ErrTooManyCodes) {
		form.Add("username", msgTooManyCodesAsked)
		render(c, http.StatusTooManyRequests, views.SignInCodePage(h.page(c, "Sign in with a security code", form)))
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.sessions.Put(ctx, sessionCodeUsername, username)
	h.sessions.Put(ctx, sessionCodeRequest, request)
	redirect(c, "/sign-in/code/enter")
}

func (h *Handler) enterSignInCodeForm(c *gin.Context) {
	h.showEnterSignInCode(c, http.StatusOK, nil)
}

func (h *Handler) showEnterSignInCode(c *gin.Context, status int, form *views.Form) {
	if user := currentUser(c); user != nil {
		redirect(c, homePath(user.Role))
		return
	}
	username := h.sessions.GetString(c.Request.Context(), sessionCodeUsername)
	if username == "" {
		redirect(c, "/sign-in/code")
		return
	}
	page := h.page(c, "Enter the code we sent you", form)
	if err := h.showKeptCode(c, &page, username); err != nil {
		h.serverError(c, err)
		return
	}
	render(c, status, views.EnterSignInCodePage(page, username))
}

// showKeptCode puts on the page, in the demo without a Notify key only,
// the code kept for the person with the username, if one was made.
func (h *Handler) showKeptCode(c *gin.Context, page *views.Page, username string) error {
	if !h.store.KeepsMessagesToShow() {
		return nil
	}
	user, err := h.store.UserByUsername(c.Request.Context(), username)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	page.KeptMessage, err = h.store.KeptSecurityCode(c.Request.Context(), user.ID)
	return err
}

// signInWithCode takes the code: the attempt is reserved before it is
// checked. A right code signs the browser in under a new session token,
// remembers the device, and offers a new password.
func (h *Handler) signInWithCode(c *gin.Context) {
	ctx := c.Request.Context()
	username, request := h.sessions.GetString(ctx, sessionCodeUsername), h.sessions.GetString(ctx, sessionCodeRequest)
	if currentUser(c) != nil || username == "" || request == "" {
		h.showEnterSignInCode(c, http.StatusOK, nil)
		return
	}
	form := views.NewForm()
	code := strings.ReplaceAll(formValue(c, form, "code"), " ", "")
	if !form.HasErrors() && (len(code) != 6 || strings.Trim(code, "0123456789") != "") {
		form.Add("code", msgEnterSignInCode)
	}
	if form.HasErrors() {
		h.showEnterSignInCode(c, http.StatusUnprocessableEntity, form)
		return
	}
	user, err := h.store.SignInWithCode(ctx, actor(c), models.NormaliseUsername(username), request, code)
	switch {
	case errors.Is(err, models.ErrTooManyCodes):
		form.Add("code", msgTooManyCodeTries)
		h.showEnterSignInCode(c, http.StatusTooManyRequests, form)
		return
	case errors.Is(err, models.ErrWrongCode):
		form.Add("code", msgWrongSignInCode)
		h.showEnterSignInCode(c, http.StatusUnprocessableEntity, form)
		return
	case err != nil:
		h.serverError(c, err)
		return
	}
	h.sessions.Remove(ctx, sessionCodeUsername)
	h.sessions.Remove(ctx, sessionCodeRequest)
	if err := h.startSession(c, user); err != nil {
		h.serverError(c, err)
		return
	}
	h.sessions.Put(ctx, sessionNewPasswordUntil, time.Now().Add(newPasswordWindow).Unix())
	h.rememberDevice(c, user.Username)
	redirect(c, "/account/password/new")
}

// mayChooseNewPassword reports whether the person signed in with a code
// lately enough to set a password without their current one.
func (h *Handler) mayChooseNewPassword(c *gin.Context) bool {
	return time.Now().Unix() < h.sessions.GetInt64(c.Request.Context(), sessionNewPasswordUntil)
}

func (h *Handler) newPasswordForm(c *gin.Context) {
	if !h.mayChooseNewPassword(c) {
		redirect(c, "/account/password")
		return
	}
	user := currentUser(c)
	render(c, http.StatusOK, views.NewPasswordPage(h.page(c, "Set a new password", nil), homePath(user.Role)))
}

// setNewPassword sets a password, through the same rules as any, and signs
// out every other device: whoever knew the old one is out.
func (h *Handler) setNewPassword(c *gin.Context) {
	if !h.mayChooseNewPassword(c) {
		redirect(c, "/account/password")
		return
	}
	user := currentUser(c)
	ctx := c.Request.Context()
	form := views.NewForm()
	proposed := passwordValue(c, form, "new-password")
	person, err := h.store.PersonalDetailsOf(ctx, user)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if err := models.CheckNewPassword(proposed, person); err != nil {
		form.Add("new-password", err.Error())
	}
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.NewPasswordPage(h.page(c, "Set a new password", form), homePath(user.Role)))
		return
	}
	if !h.replacePassword(c, user, proposed) {
		return
	}
	h.sessions.Remove(ctx, sessionNewPasswordUntil)
	h.flash(c, "Your new password is set. We have signed you out everywhere else")
	redirect(c, "/account")
}
