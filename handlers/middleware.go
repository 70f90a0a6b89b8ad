package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"time"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// Session keys.
const (
	sessionUserID     = "user_id"
	sessionLastSeen   = "last_seen"
	sessionCSRF       = "csrf_token"
	sessionActivation = "activation_code_id"
	sessionLetterCode = "letter_code"
)

const contextUser = "user"

// noStore keeps every page out of browser and proxy caches: on a shared
// computer, the back button must not show the last person's passport.
func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Pragma", "no-cache")
	c.Next()
}

// loadUser finds the signed-in person, ending their session if it has
// been idle too long for their role or their account has been disabled.
func (h *Handler) loadUser(c *gin.Context) {
	ctx := c.Request.Context()
	id := h.sessions.GetInt(ctx, sessionUserID)
	if id == 0 {
		c.Next()
		return
	}
	user, err := h.store.UserByID(uint(id))
	if errors.Is(err, models.ErrNotFound) {
		h.endSession(c)
		c.Next()
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	now := time.Now()
	if lastSeen := time.Unix(h.sessions.GetInt64(ctx, sessionLastSeen), 0); now.Sub(lastSeen) > idleTimeout(user.Role) {
		h.audit(c, models.AuditEntry{Action: models.AuditSignOut, TargetType: "user", TargetID: user.Username, Detail: "idle timeout"})
		h.endSession(c)
		redirect(c, "/signed-out?reason=idle")
		c.Abort()
		return
	}
	// The idle warning page is not activity: it must not keep the session.
	if c.Request.URL.Path != idleWarningPath {
		h.sessions.Put(ctx, sessionLastSeen, now.Unix())
	}
	c.Set(contextUser, user)
	c.Next()
}

// endSession removes the session from the database and starts a fresh one
// under a new token.
func (h *Handler) endSession(c *gin.Context) {
	ctx := c.Request.Context()
	if err := h.store.ForgetDevice(h.sessions.Token(ctx)); err != nil {
		h.serverError(c, err)
		return
	}
	if err := h.sessions.Destroy(ctx); err != nil {
		h.serverError(c, err)
		return
	}
}

// idleTimeout is how long a role may be idle before being signed out.
func idleTimeout(role models.Role) time.Duration {
	if role.IsStaff() {
		return StaffIdleTimeout
	}
	return ReaderIdleTimeout
}

func currentUser(c *gin.Context) *models.User {
	if user, ok := c.Get(contextUser); ok {
		return user.(*models.User)
	}
	return nil
}

// requireSignedIn sends people who are not signed in to sign in.
func (h *Handler) requireSignedIn(c *gin.Context) {
	if currentUser(c) == nil {
		redirect(c, "/sign-in")
		c.Abort()
		return
	}
	c.Next()
}

// requireRole sends people who are not signed in to sign in, and refuses
// signed-in people whose role may not use the page.
func (h *Handler) requireRole(roles ...models.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		user := currentUser(c)
		if user == nil {
			redirect(c, "/sign-in")
			c.Abort()
			return
		}
		if !slices.Contains(roles, user.Role) {
			h.forbidden(c, models.AuditEntry{})
			return
		}
		c.Next()
	}
}

// csrfToken is the session's anti-forgery token, made on first use.
func (h *Handler) csrfToken(c *gin.Context) string {
	ctx := c.Request.Context()
	token := h.sessions.GetString(ctx, sessionCSRF)
	if token == "" {
		token = rand.Text()
		h.sessions.Put(ctx, sessionCSRF, token)
	}
	return token
}

// checkCSRF refuses any request that could change something unless it
// carries the session's token: as a form field from a form, or as a header
// from htmx when there is no form.
func (h *Handler) checkCSRF(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	want := h.sessions.GetString(c.Request.Context(), sessionCSRF)
	got := c.PostForm("csrf_token")
	if got == "" {
		got = c.GetHeader("X-CSRF-Token")
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		render(c, http.StatusForbidden, views.ErrorPage(h.page(c, "This page has expired", nil), "This page has expired",
			[]string{"For your security, forms stop working after a while or when you sign in or out.", "Go back, reload the page and try again."}))
		c.Abort()
		return
	}
	c.Next()
}
