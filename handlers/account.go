package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

func (h *Handler) account(c *gin.Context) {
	linked, err := h.store.HasNHSLogin(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	seenPath := ""
	if own := principalOf(c).Own; own != nil {
		seenPath = "/passport/" + own.Ref + "/seen"
	}
	render(c, http.StatusOK, views.AccountPage(h.page(c, "Your account", nil), linked, seenPath))
}

func (h *Handler) passwordForm(c *gin.Context) {
	render(c, http.StatusOK, views.ChangePasswordPage(h.page(c, "Change your password", nil)))
}

// changePassword checks the current password, sets the new one and signs
// out every other device, in case the old password was known to someone.
func (h *Handler) changePassword(c *gin.Context) {
	user := currentUser(c)
	form := views.NewForm()
	current, proposed := passwordValue(c, form, "current-password"), passwordValue(c, form, "new-password")
	ctx := c.Request.Context()
	if current == "" {
		form.Add("current-password", "Enter your current password")
	} else if matched, err := models.CheckPassword(ctx, user.PasswordHash, current); err != nil {
		h.busy(c)
		return
	} else if !matched {
		form.Add("current-password", "Your current password is not right")
	}
	person, err := h.store.PersonalDetailsOf(ctx, user)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if err := models.CheckNewPassword(proposed, person); err != nil {
		form.Add("new-password", err.Error())
	} else if proposed == current {
		form.Add("new-password", "Choose a password you have not used here before")
	}
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.ChangePasswordPage(h.page(c, "Change your password", form)))
		return
	}
	if !h.replacePassword(c, user, proposed) {
		return
	}
	h.flash(c, "Your password has been changed. We have signed you out everywhere else")
	redirect(c, "/account")
}

// replacePassword stores a new password that has passed the rules, ends
// every other session of the person and renews this one. It answers the
// request itself and reports false when it could not.
func (h *Handler) replacePassword(c *gin.Context, user *models.User, proposed string) bool {
	ctx := c.Request.Context()
	hash, err := models.HashPassword(ctx, proposed)
	if errors.Is(err, models.ErrHashingBusy) {
		h.busy(c)
		return false
	}
	if err != nil {
		h.serverError(c, err)
		return false
	}
	if err := h.store.ChangePassword(ctx, actor(c), user.ID, hash); err != nil {
		h.serverError(c, err)
		return false
	}
	if _, err := h.store.EndSessionsOf(ctx, user.ID, h.sessions.Token(ctx)); err != nil {
		h.serverError(c, err)
		return false
	}
	if err := h.startSession(c, user); err != nil {
		h.serverError(c, err)
		return false
	}
	return true
}

func (h *Handler) devices(c *gin.Context) {
	devices, err := h.store.Devices(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.DevicesPage(h.page(c, "Where you are signed in", nil), devices, h.sessions.Token(c.Request.Context())))
}

// signOutDevice ends one of the person's sessions, or with no id every
// session but this one.
func (h *Handler) signOutDevice(c *gin.Context) {
	user := currentUser(c)
	oneDevice := c.Param("id") != ""
	var ended int64
	var err error
	if oneDevice {
		id, ok := h.idParam(c, "id")
		if !ok {
			return
		}
		ended, err = h.store.SignOutDevice(c.Request.Context(), user.ID, id)
	} else {
		ended, err = h.store.EndSessionsOf(c.Request.Context(), user.ID, h.sessions.Token(c.Request.Context()))
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.audit(c, models.AuditEntry{Action: models.AuditDevicesSignedOut, TargetType: "user", TargetID: user.Username, Detail: strconv.FormatInt(ended, 10) + " sessions"})
	if oneDevice && ended == 0 {
		h.notFound(c)
		return
	}
	if oneDevice {
		h.flash(c, "That device has been signed out")
	} else {
		h.flash(c, "You have been signed out on every other device")
	}
	redirect(c, "/account/devices")
}
