package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"healthpassport/handlers/nhslogin"
	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// NHSLoginCallbackPath is where NHS login sends people back to.
const NHSLoginCallbackPath = "/sign-in/nhs-login/callback"

// The session keeps a sign-in with NHS login in progress, so that only the
// browser that started it can finish it, and only for a while.
const (
	sessionNHSLoginState    = "nhs_login_state"
	sessionNHSLoginNonce    = "nhs_login_nonce"
	sessionNHSLoginVerifier = "nhs_login_verifier"
	sessionNHSLoginStarted  = "nhs_login_started"
	// sessionNHSLoginLinking holds the id of the signed-in account that
	// asked to link its NHS login, rather than sign in with it.
	sessionNHSLoginLinking  = "nhs_login_linking"
	nhsLoginAttemptLifetime = 10 * time.Minute
)

// OfferNHSLogin lets people sign in with NHS login through client; nil
// leaves usernames and passwords as the only way in.
func (h *Handler) OfferNHSLogin(client *nhslogin.Client) { h.nhsLogin = client }

func (h *Handler) nhsLoginRoutes(r *gin.Engine) {
	if h.nhsLogin == nil {
		return
	}
	r.POST("/sign-in/nhs-login", h.startNHSLogin)
	r.GET(NHSLoginCallbackPath, h.finishNHSLogin)
	r.POST("/account/nhs-login", h.requireRole(models.RoleCarer), h.startNHSLogin)
	r.POST("/account/nhs-login/unlink", h.requireRole(models.RolePatient, models.RoleCarer), h.unlinkNHSLogin)
}

// startNHSLogin sends the person to NHS login: to sign in, or, when a carer
// is signed in already, to link their NHS login to their account.
func (h *Handler) startNHSLogin(c *gin.Context) {
	user := currentUser(c)
	if user != nil && c.Request.URL.Path != "/account/nhs-login" {
		redirect(c, homePath(user.Role))
		return
	}
	ctx := c.Request.Context()
	attempt := nhslogin.NewAttempt()
	h.sessions.Put(ctx, sessionNHSLoginState, attempt.State)
	h.sessions.Put(ctx, sessionNHSLoginNonce, attempt.Nonce)
	h.sessions.Put(ctx, sessionNHSLoginVerifier, attempt.Verifier)
	h.sessions.Put(ctx, sessionNHSLoginStarted, time.Now().Unix())
	if user != nil {
		h.sessions.Put(ctx, sessionNHSLoginLinking, int(user.ID))
	} else {
		h.sessions.Remove(ctx, sessionNHSLoginLinking)
	}
	redirect(c, h.nhsLogin.AuthCodeURL(attempt))
}

// takeNHSLoginAttempt removes the sign-in in progress from the session, so
// that NHS login's answer is acted on once, and says whether there was one
// young enough to finish.
func (h *Handler) takeNHSLoginAttempt(c *gin.Context) (attempt nhslogin.Attempt, linking uint, ok bool) {
	ctx := c.Request.Context()
	attempt = nhslogin.Attempt{
		State:    h.sessions.PopString(ctx, sessionNHSLoginState),
		Nonce:    h.sessions.PopString(ctx, sessionNHSLoginNonce),
		Verifier: h.sessions.PopString(ctx, sessionNHSLoginVerifier),
	}
	started := time.Unix(h.sessions.GetInt64(ctx, sessionNHSLoginStarted), 0)
	h.sessions.Remove(ctx, sessionNHSLoginStarted)
	linking = uint(h.sessions.PopInt(ctx, sessionNHSLoginLinking))
	return attempt, linking, attempt.State != "" && time.Since(started) < nhsLoginAttemptLifetime
}

// finishNHSLogin checks NHS login's answer, then signs the person in, links
// their NHS login to their patient record on first sign-in, or links it to
// the carer's account that asked.
func (h *Handler) finishNHSLogin(c *gin.Context) {
	attempt, linking, ok := h.takeNHSLoginAttempt(c)
	if !ok {
		h.nhsLoginProblem(c, http.StatusBadRequest, "Your NHS login sign in did not finish",
			"It took too long, or it was started in another browser.", "Try signing in again.")
		return
	}
	identity, err := h.nhsLogin.Finish(c.Request.Context(), attempt, c.Query("state"), c.Query("code"))
	if err != nil {
		slog.Warn("NHS login answer refused", "error", err, "request_id", c.GetHeader("X-Request-Id"))
		h.audit(c, models.AuditEntry{Action: models.AuditNHSLoginFailed, TargetType: "nhs-login", Detail: err.Error()})
		h.nhsLoginProblem(c, http.StatusBadRequest, "We could not sign you in with NHS login",
			"Try again. If it keeps happening, sign in with your username and password, or contact your clinic.")
		return
	}
	if linking != 0 {
		h.linkCarerNHSLogin(c, linking, identity)
		return
	}
	user, err := h.store.UserByNHSLogin(c.Request.Context(), identity.Subject)
	if errors.Is(err, models.ErrNotFound) {
		user, err = h.store.LinkPatientNHSLogin(c.Request.Context(), actor(c), identity.Subject, identity.NHSNumber, identity.DateOfBirth)
		if errors.Is(err, models.ErrNHSLoginTaken) {
			// Another sign-in by the same person may have linked it a
			// moment ago; if not, the account has a different NHS login.
			if linked, lookupErr := h.store.UserByNHSLogin(c.Request.Context(), identity.Subject); lookupErr == nil {
				user, err = linked, nil
			}
		}
	}
	switch {
	case errors.Is(err, models.ErrNHSLoginNoMatch):
		h.nhsLoginProblem(c, http.StatusForbidden, "We could not find your health passport",
			"The NHS number and date of birth in your NHS login do not match anyone your clinic has registered.",
			"Ask your clinic to check the details they hold for you. If you have a username and password, you can still use them to sign in.")
	case errors.Is(err, models.ErrNHSLoginNoAccount):
		h.nhsLoginProblem(c, http.StatusForbidden, "Set up your account first",
			"Your clinic has registered you, but you have not set up your account yet.",
			"Use the activation code on the letter from your clinic to set it up. After that, you can sign in with NHS login.")
	case errors.Is(err, models.ErrNHSLoginTaken):
		h.nhsLoginProblem(c, http.StatusConflict, "Your account is linked to a different NHS login",
			"Sign in with your username and password and unlink NHS login from your account, then try again.")
	case err != nil:
		h.serverError(c, err)
	default:
		if err := h.startSession(c, user); err != nil {
			h.serverError(c, err)
			return
		}
		redirect(c, homePath(user.Role))
	}
}

// linkCarerNHSLogin links an NHS login to the signed-in carer who asked.
func (h *Handler) linkCarerNHSLogin(c *gin.Context, userID uint, identity nhslogin.Identity) {
	if user := currentUser(c); user == nil || user.ID != userID {
		h.nhsLoginProblem(c, http.StatusBadRequest, "Your NHS login was not linked",
			"You were signed out before it finished.", "Sign in and try again from your account page.")
		return
	}
	err := h.store.LinkNHSLogin(c.Request.Context(), actor(c), userID, identity.Subject)
	if errors.Is(err, models.ErrNHSLoginTaken) {
		h.nhsLoginProblem(c, http.StatusConflict, "Your NHS login was not linked",
			"This NHS login is already linked to another account, or your account to another NHS login.",
			"Unlink it there first, then try again.")
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, "Your NHS login is linked. Next time, you can sign in with it.")
	redirect(c, "/account")
}

func (h *Handler) unlinkNHSLogin(c *gin.Context) {
	user := currentUser(c)
	unlinked, err := h.store.UnlinkNHSLogin(c.Request.Context(), actor(c), user.ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if unlinked {
		h.flash(c, "Your NHS login is unlinked. Sign in with your username and password from now on.")
	}
	redirect(c, "/account")
}

func (h *Handler) nhsLoginProblem(c *gin.Context, status int, heading string, lines ...string) {
	render(c, status, views.ErrorPage(h.page(c, heading, nil), heading, lines))
}
