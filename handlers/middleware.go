package handlers

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// Session keys.
const (
	sessionUserID          = "user_id"
	sessionLastSeen        = "last_seen"
	sessionDeviceSeen      = "device_seen"
	sessionCSRF            = "csrf_token"
	sessionActivation      = "activation_code_id"
	sessionStaffActivation = "staff_activation_code_id"
	sessionLetterCode      = "letter_code"
)

// noStore keeps every page out of browser and proxy caches: on a shared
// computer, the back button must not show the last person's passport.
func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Pragma", "no-cache")
	c.Next()
}

// idleClockResolution is how often a session's idle clock is written: a
// write on every request would make every page save the session, so the
// clock may run up to this much behind, and a session ends that much sooner.
const idleClockResolution = time.Minute

// loadUser finds the signed-in person, ending their session if it has
// been idle too long for their role, has been ended from elsewhere or their
// account has been disabled.
func (h *Handler) loadUser(c *gin.Context) {
	ctx := c.Request.Context()
	id := h.sessions.GetInt(ctx, sessionUserID)
	if id == 0 {
		c.Next()
		return
	}
	principal, err := h.store.SignedInPrincipal(ctx, h.sessions.Token(ctx), uint(id))
	if errors.Is(err, models.ErrNotFound) {
		h.endSession(c)
		c.Next()
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	user := &principal.User
	now := time.Now()
	lastSeen := time.Unix(h.sessions.GetInt64(ctx, sessionLastSeen), 0)
	if now.Sub(lastSeen) > idleTimeout(user.Role) {
		h.audit(c, models.AuditEntry{Action: models.AuditSignOut, TargetType: "user", TargetID: user.Username, Detail: "idle timeout"})
		h.endSession(c)
		redirect(c, "/signed-out?reason=idle")
		c.Abort()
		return
	}
	// The idle warning page is not activity: it must not keep the session.
	if c.Request.URL.Path != idleWarningPath && now.Sub(lastSeen) >= idleClockResolution {
		h.sessions.Put(ctx, sessionLastSeen, now.Unix())
	}
	h.noteActive(c, user, now)
	h.noteDeviceSeen(c, now)
	theUser.keep(c, user)
	thePrincipal.keep(c, principal)
	c.Next()
}

// noteActive records the UK day a person last used the service, once a
// day: commissioners count daily and weekly active users from it. Losing
// it loses a count, not a page, so a failure is only logged.
func (h *Handler) noteActive(c *gin.Context, user *models.User, now time.Time) {
	today, err := time.Parse(time.DateOnly, models.UKDay(now))
	if err != nil || (user.LastActiveOn != nil && user.LastActiveOn.Equal(today)) {
		return
	}
	if err := h.store.NoteActive(c.Request.Context(), user.ID, today); err != nil {
		slog.Error("noting activity", "error", err, "request_id", c.GetHeader("X-Request-Id"))
	}
}

// noteDeviceSeen records when this device was last used, at most once
// every models.DeviceSeenResolution, so the devices page can say so.
// Losing it loses a time on that page, so a failure is only logged.
func (h *Handler) noteDeviceSeen(c *gin.Context, now time.Time) {
	ctx := c.Request.Context()
	if now.Sub(time.Unix(h.sessions.GetInt64(ctx, sessionDeviceSeen), 0)) < models.DeviceSeenResolution {
		return
	}
	if err := h.store.NoteDeviceSeen(ctx, h.sessions.Token(ctx), now); err != nil {
		slog.Error("noting a device's use", "error", err, "request_id", c.GetHeader("X-Request-Id"))
		return
	}
	h.sessions.Put(ctx, sessionDeviceSeen, now.Unix())
}

// endSession removes the session from the database and starts a fresh one
// under a new token.
func (h *Handler) endSession(c *gin.Context) {
	ctx := c.Request.Context()
	if err := h.store.ForgetDevice(ctx, h.sessions.Token(ctx)); err != nil {
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
	user, _ := theUser.of(c)
	return user
}

// requireRole refuses signed-in people whose role may not use the page;
// denyByDefault has already sent anyone not signed in to sign in.
func (h *Handler) requireRole(roles ...models.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		if user := currentUser(c); user == nil || !slices.Contains(roles, user.Role) {
			h.forbidden(c, models.AuditEntry{})
			return
		}
		c.Next()
	}
}

// Anonymous visitors get their anti-forgery token from a cookie rather than
// a session, so that showing them a form stores nothing on the server. The
// cookie holds a random identity, signed; forms hold a token derived from it.
const (
	visitorCookie        = "passport_visitor"
	purposeVisitorCookie = "visitor cookie"
	purposeVisitorToken  = "visitor form token"
)

// Every form carries a one-time key (see submitOnce).
const (
	submissionKeyField = "submission_key"
	// submissionWait is how long a form sent again waits for the first
	// sending to finish, polling every submissionPollPeriod.
	submissionWait         = 5 * time.Second
	submissionPollPeriod   = 100 * time.Millisecond
	submissionScopeUser    = "user:"
	submissionScopeVisitor = "visitor:"
)

// csrfToken is the anti-forgery token for the forms of this page: the
// session's for signed-in people, made on first use, and the visitor
// cookie's for everyone else.
func (h *Handler) csrfToken(c *gin.Context) string {
	if currentUser(c) == nil {
		return h.visitorToken(h.visitorOrNew(c))
	}
	ctx := c.Request.Context()
	token := h.sessions.GetString(ctx, sessionCSRF)
	if token == "" {
		token = rand.Text()
		h.sessions.Put(ctx, sessionCSRF, token)
	}
	return token
}

// visitor is the identity an anonymous visitor's cookie holds, if its
// signature is good.
func (h *Handler) visitor(c *gin.Context) (string, bool) {
	if id, ok := theVisitor.of(c); ok {
		return id, true
	}
	cookie, err := c.Request.Cookie(h.visitorCookieName())
	if err != nil {
		return "", false
	}
	return h.signer.verify(purposeVisitorCookie, cookie.Value)
}

// visitorOrNew is the visitor's identity, given to them in a cookie if they
// have none yet.
func (h *Handler) visitorOrNew(c *gin.Context) string {
	if id, ok := h.visitor(c); ok {
		return id
	}
	id := rand.Text()
	http.SetCookie(c.Writer, &http.Cookie{Name: h.visitorCookieName(), Value: h.signer.sign(purposeVisitorCookie, id), Path: "/",
		HttpOnly: true, Secure: h.sessions.Cookie.Secure, SameSite: http.SameSiteLaxMode})
	theVisitor.keep(c, id)
	return id
}

// visitorCookieName follows the session cookie: with the __Host- prefix
// when served over HTTPS.
func (h *Handler) visitorCookieName() string {
	if h.sessions.Cookie.Secure {
		return "__Host-" + visitorCookie
	}
	return visitorCookie
}

// visitorToken is the anti-forgery token of the forms shown to a visitor.
func (h *Handler) visitorToken(id string) string {
	return base64.RawURLEncoding.EncodeToString(h.signer.mac(purposeVisitorToken, id))
}

// checkCSRF refuses any request that could change something unless it
// carries the right anti-forgery token: as a form field from a form, or as
// a header from htmx when there is no form.
func (h *Handler) checkCSRF(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	var want string
	if currentUser(c) != nil {
		want = h.sessions.GetString(c.Request.Context(), sessionCSRF)
	} else if id, ok := h.visitor(c); ok {
		want = h.visitorToken(id)
	}
	got := c.PostForm("csrf_token")
	if got == "" {
		got = c.GetHeader("X-CSRF-Token")
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		h.pageExpired(c)
		return
	}
	c.Next()
}

// pageExpired refuses a form that did not come from a page of ours shown to
// this browser, or came from one shown before a sign-in or sign-out.
func (h *Handler) pageExpired(c *gin.Context) {
	render(c, http.StatusForbidden, views.ErrorPage(h.page(c, "This page has expired", nil), "This page has expired",
		[]string{"For your security, forms stop working after a while or when you sign in or out.", "Go back, reload the page and try again."}))
	c.Abort()
}

// submissionKeyPattern is what rand.Text makes, as every form's key is.
var submissionKeyPattern = regexp.MustCompile(`^[A-Z2-7]{26}$`)

// submitOnce acts on each form once, however many times it is sent: by a
// double click, a browser's retry, or a person trying again after an answer
// that went wrong even though what they sent was saved. Every form carries a
// one-time key; the first request with it claims it in the database, and
// any other gets the first one's answer: its redirect. A form that was not
// acted on, such as one with mistakes to correct, frees its key.
//
// Posts without a key, such as htmx's buttons that send only the
// anti-forgery header, are acted on each time, as every request is: the key
// spares people repeats, it grants nothing, so there is nothing to refuse.
func (h *Handler) submitOnce(c *gin.Context) {
	if c.Request.Method != http.MethodPost {
		c.Next()
		return
	}
	key := c.PostForm(submissionKeyField)
	if key == "" {
		c.Next()
		return
	}
	if !submissionKeyPattern.MatchString(key) {
		h.pageExpired(c)
		return
	}
	scope := h.submissionScope(c)
	deadline := time.Now().Add(submissionWait)
	for {
		state, location, err := h.store.ClaimSubmission(c.Request.Context(), scope, key)
		if err != nil {
			h.serverError(c, err)
			return
		}
		switch state {
		case models.SubmissionClaimed:
			h.actOnce(c, scope, key)
			return
		case models.SubmissionDone:
			redirect(c, location)
			c.Abort()
			return
		}
		if time.Now().After(deadline) {
			render(c, http.StatusConflict, views.ErrorPage(h.page(c, "We are still saving what you sent", nil), "We are still saving what you sent",
				[]string{"You sent this form more than once, and we are still dealing with the first time.",
					"Wait a minute, then check whether it was saved before you send it again."}))
			c.Abort()
			return
		}
		select {
		case <-c.Request.Context().Done():
			c.Abort()
			return
		case <-time.After(submissionPollPeriod):
		}
	}
}

// actOnce runs the handler for a claimed key, then records where it led,
// or frees the key if it did not lead anywhere, even if the handler panics.
func (h *Handler) actOnce(c *gin.Context, scope, key string) {
	var location string
	defer func() { h.settleSubmission(scope, key, location, c.GetHeader("X-Request-Id")) }()
	c.Next()
	if status := c.Writer.Status(); status >= 300 && status < 400 {
		location = c.Writer.Header().Get("Location")
	}
}

// settleSubmissionFor is how long a form's outcome is retried while the
// database cannot be reached: longer than a restart or failover takes.
const settleSubmissionFor = 5 * time.Minute

// settleSubmission records where a claimed form led, or frees its key if
// it led nowhere. When the database cannot be reached, as while it
// restarts, it keeps trying in the background for settleSubmissionFor:
// until then the key stays claimed, and the same form sent again is asked
// to wait rather than acted on twice or refused for good.
func (h *Handler) settleSubmission(scope, key, location, requestID string) {
	settle := func() error {
		if location != "" {
			return h.store.CompleteSubmission(context.Background(), scope, key, location)
		}
		return h.store.ReleaseSubmission(context.Background(), scope, key)
	}
	if settle() == nil {
		return
	}
	go func() {
		var err error
		wait := submissionPollPeriod
		for giveUp := time.Now().Add(settleSubmissionFor); time.Now().Before(giveUp); wait = min(2*wait, submissionWait) {
			time.Sleep(wait)
			if err = settle(); err == nil {
				return
			}
		}
		slog.Error("recording a form's outcome", "error", err, "request_id", requestID)
	}()
}

// submissionScope is whose keys a form's key is among: the signed-in
// person's, or the anonymous visitor's, whose cookie checkCSRF has checked.
func (h *Handler) submissionScope(c *gin.Context) string {
	if user := currentUser(c); user != nil {
		return submissionScopeUser + strconv.FormatUint(uint64(user.ID), 10)
	}
	id, _ := h.visitor(c)
	return submissionScopeVisitor + id
}
