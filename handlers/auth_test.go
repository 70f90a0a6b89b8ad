package handlers_test

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/handlers"
	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"
)

func TestHealthChecksAndDatabaseFailure(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		mustStatus(t, b.get("/healthz"), http.StatusOK)
		mustStatus(t, b.get("/readyz"), http.StatusOK)
		b.signIn("patient")
		sqlDB, _ := s.db.DB()
		sqlDB.Close()
		mustStatus(t, b.get("/readyz"), http.StatusServiceUnavailable)
		mustStatus(t, b.get("/healthz"), http.StatusOK)
		r := b.get("/passport")
		mustStatus(t, r, http.StatusInternalServerError)
		mustContain(t, r, "Sorry, there is a problem with the service", "nhsuk-header")
		if strings.Contains(r.body, "sql") || strings.Contains(r.body, "closed") {
			t.Error("the error page leaks internals")
		}
	})
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		for _, path := range []string{"/", "/sign-in", "/activate", "/no-such-page", "/healthz"} {
			r := b.get(path)
			csp := r.header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s: weak CSP %q", path, csp)
			}
			if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("%s: headers %v", path, r.header)
			}
			if r.header.Get("X-Request-Id") == "" {
				t.Errorf("%s: no request id", path)
			}
			if r.header.Get("Strict-Transport-Security") != "" {
				t.Errorf("%s: HSTS sent by the plain-HTTP demo", path)
			}
			if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " style=\"") {
				t.Errorf("%s: inline script or style", path)
			}
		}
		mustStatus(t, b.get("/no-such-page"), http.StatusNotFound)
	})
}

func TestStrictTransportSecurityOutsideDemo(t *testing.T) {
	s := startServer(t, modelstest.Open(t, "sqlite"), app.Config{PublicURL: "https://passport.test"})
	r := s.browser(t).get("/sign-in")
	if r.header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS outside demo mode")
	}
	// The sign-in form's cookie follows the session cookie's settings.
	cookie := r.header.Get("Set-Cookie")
	for _, want := range []string{"__Host-passport_visitor=", "Secure", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("anti-forgery cookie %q lacks %s", cookie, want)
		}
	}
}

func TestEachRoleSignsInToItsOwnHome(t *testing.T) {
	homes := map[string]string{"nurse": "/caseload", "patient": "/passport", "carer": "/people", "admin": "/admin", "commissioner": "/dashboard"}
	eachServer(t, func(t *testing.T, s *testServer) {
		for role, home := range homes {
			b := s.browser(t)
			r := b.signIn(role)
			mustStatus(t, r, http.StatusOK)
			if r.url != home {
				t.Errorf("%s landed on %s; want %s", role, r.url, home)
			}
			if r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s home has Cache-Control %q", role, r.header.Get("Cache-Control"))
			}
			mustContain(t, r, `action="/sign-out"`, "nhsuk-header")
			if s.auditCount(models.AuditSignIn, role) != 1 {
				t.Errorf("sign-in of %s not audited once", role)
			}
		}
	})
}

func TestSessionCookieOnARealListener(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		// A session starts at sign-in: nothing is stored before.
		b := s.browser(t)
		b.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		var cookie string
		for _, c := range b.signIn("patient").header.Values("Set-Cookie") {
			if strings.HasPrefix(c, "passport_session=") {
				cookie = c
			}
		}
		for _, want := range []string{"passport_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(cookie, want) {
				t.Errorf("session cookie %q lacks %s", cookie, want)
			}
		}
		if strings.Contains(cookie, "Expires") || strings.Contains(cookie, "Max-Age") {
			t.Errorf("session cookie %q outlives the browser", cookie)
		}
	})
}

func TestSessionTokenChangesOnSignInAndSignOut(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		// A token planted in the browser before sign-in is not the one
		// signed in.
		b := s.browser(t)
		before := rand.Text()
		u, _ := url.Parse(s.URL)
		b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "passport_session", Value: before}})
		b.signIn("patient")
		during := b.sessionCookie()
		if during == before || during == "" {
			t.Fatalf("session token not renewed on sign-in: %q then %q", before, during)
		}
		if found, _, _ := store.NewSessionStore(s.db).Find(before); found != nil {
			t.Error("the token from before sign-in still has a session")
		}

		r := b.post("/sign-out", url.Values{})
		mustStatus(t, r, http.StatusOK)
		if r.url != "/signed-out" {
			t.Errorf("sign-out landed on %s", r.url)
		}
		if after := b.sessionCookie(); after == during {
			t.Error("session token not renewed on sign-out")
		}
		// The old token is dead on the server, not just forgotten by the browser.
		thief := s.browser(t)
		thief.client.Jar.SetCookies(u, []*http.Cookie{{Name: "passport_session", Value: during}})
		if r := thief.get("/passport"); r.url != "/sign-in" {
			t.Errorf("signed-out token still opens %s", r.url)
		}
	})
}

func TestSignOutNeedsAPost(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("patient")
		mustStatus(t, b.get("/sign-out"), http.StatusNotFound)
		if r := b.get("/passport"); r.url != "/passport" {
			t.Error("a GET signed the patient out")
		}
	})
}

func TestAntiForgeryTokenRequired(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.get("/sign-in")
		creds := url.Values{"username": {"patient"}, "password": {demoPassword}}
		mustStatus(t, b.postRaw("/sign-in", creds), http.StatusForbidden)
		creds.Set("csrf_token", "forged")
		mustStatus(t, b.postRaw("/sign-in", creds), http.StatusForbidden)
		if s.auditCount(models.AuditSignIn, "patient") != 0 {
			t.Fatal("a forged sign-in went through")
		}

		b.signIn("patient")
		mustStatus(t, b.postRaw("/sign-out", url.Values{}), http.StatusForbidden)
		if r := b.get("/passport"); r.url != "/passport" {
			t.Error("a forged sign-out signed the patient out")
		}
		// htmx sends the token as a header.
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/sign-out", nil)
		req.Header.Set("X-CSRF-Token", b.csrfToken())
		req.Header.Set("HX-Request", "true")
		if r := b.do(req); r.url != "/signed-out" {
			t.Errorf("sign-out with the token as a header landed on %s", r.url)
		}
	})
}

func TestWrongPasswordKeepsUsernameNotPassword(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		r := b.post("/sign-in", url.Values{"username": {"patient"}, "password": {"not-the-password"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "nhsuk-error-summary", `href="#username"`, "Enter a correct username and password", `value="patient"`)
		if strings.Contains(r.body, "not-the-password") {
			t.Error("the password was sent back")
		}
		r = b.post("/sign-in", url.Values{"username": {""}, "password": {""}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, `href="#username"`, `href="#password"`, "Error: Sign in")
		r = b.post("/sign-in", url.Values{"username": {"nobody"}, "password": {"whatever-it-is"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		if s.auditCount(models.AuditSignInFailed, "") != 2 {
			t.Error("failed sign-ins not audited")
		}
	})
}

func TestSignInThrottledAfterRepeatedFailures(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		for i := range store.LimitPerAccountAddress.Max {
			r := b.post("/sign-in", url.Values{"username": {"carer"}, "password": {"guess-" + string(rune('a'+i))}})
			mustStatus(t, r, http.StatusUnprocessableEntity)
		}
		r := b.signIn("carer")
		mustStatus(t, r, http.StatusTooManyRequests)
		mustContain(t, r, "nhsuk-error-summary", "tried to sign in too many times", "Sign in with a security code sent to your phone or email instead")
		if s.auditCount(models.AuditSignIn, "carer") != 0 {
			t.Error("a throttled account signed in")
		}
		if s.auditCount(models.AuditSignInThrottled, "carer") != 1 {
			t.Error("throttling not audited")
		}
		// Other accounts are unaffected.
		if r := s.browser(t).signIn("patient"); r.url != "/passport" {
			t.Errorf("another account was throttled too: %s", r.url)
		}
	})
}

// ageSession moves a session's last activity into the past, as if the
// person had walked away from the computer.
func ageSession(t *testing.T, s *testServer, token string, idle time.Duration) {
	t.Helper()
	var session models.Session
	if err := s.db.First(&session, "token = ?", token).Error; err != nil {
		t.Fatal(err)
	}
	deadline, values, err := store.SessionCodec{}.Decode(session.Data)
	if err != nil {
		t.Fatal(err)
	}
	values["last_seen"] = time.Now().Add(-idle).Unix()
	data, _ := store.SessionCodec{}.Encode(deadline, values)
	s.db.Model(&models.Session{}).Where("token = ?", token).Update("data", data)
}

func TestIdleTimeoutDependsOnRole(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		patient := s.browser(t)
		patient.signIn("patient")
		ageSession(t, s, patient.sessionCookie(), handlers.ReaderIdleTimeout+time.Minute)
		r := patient.get("/passport")
		if r.url != "/signed-out" || !strings.Contains(r.body, "signed you out") {
			t.Errorf("idle patient was shown %s", r.url)
		}
		if r := patient.get("/passport"); r.url != "/sign-in" {
			t.Errorf("idle patient's session still opens %s", r.url)
		}

		nurse := s.browser(t)
		nurse.signIn("nurse")
		ageSession(t, s, nurse.sessionCookie(), handlers.ReaderIdleTimeout+time.Minute)
		if r := nurse.get("/caseload"); r.url != "/caseload" {
			t.Errorf("nurse signed out after %v idle", handlers.ReaderIdleTimeout)
		}
		ageSession(t, s, nurse.sessionCookie(), handlers.StaffIdleTimeout+time.Minute)
		if r := nurse.get("/caseload"); r.url != "/signed-out" {
			t.Errorf("nurse idle for %v was shown %s", handlers.StaffIdleTimeout, r.url)
		}
	})
}

func TestDisabledAccountLosesItsSession(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("carer")
		s.db.Model(&models.User{}).Where("username = ?", "carer").Update("disabled", true)
		if r := b.get("/people"); r.url != "/sign-in" {
			t.Errorf("disabled carer still reaches %s", r.url)
		}
	})
}
