package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"healthpassport/handlers"
	"healthpassport/models"
	"healthpassport/models/store"
)

// walkAway moves a session back in time, as if the person had left the
// computer for a while: their last activity, and the session's expiry and
// deadline as the session store holds them.
func walkAway(t *testing.T, s *testServer, token string, away time.Duration) {
	t.Helper()
	var session models.Session
	if err := s.db.First(&session, "token = ?", token).Error; err != nil {
		t.Fatal(err)
	}
	deadline, values, err := store.SessionCodec{}.Decode(session.Data)
	if err != nil {
		t.Fatal(err)
	}
	values["last_seen"] = values["last_seen"].(int64) - int64(away.Seconds())
	data, err := store.SessionCodec{}.Encode(deadline.Add(-away), values)
	if err != nil {
		t.Fatal(err)
	}
	s.db.Model(&models.Session{}).Where("token = ?", token).
		Updates(map[string]any{"data": data, "expiry": session.Expiry.Add(-away)})
}

func TestIdleStaffAndReadersAreToldWhyTheyWereSignedOut(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		for _, who := range []struct{ username, home string }{{"nurse", "/caseload"}, {"patient", "/passport"}} {
			b := s.browser(t)
			b.signIn(who.username)
			walkAway(t, s, b.sessionCookie(), handlers.StaffIdleTimeout+time.Minute)
			r := b.get(who.home)
			if r.url != "/signed-out" {
				t.Errorf("idle %s was sent to %s", who.username, r.url)
				continue
			}
			mustContain(t, r, "We signed you out because you had not done anything for a while.")
			if r := b.get(who.home); r.url != "/sign-in" {
				t.Errorf("idle %s's session still opens %s", who.username, r.url)
			}
		}
	})
}

// sessionsOf counts the sessions stored for an account.
func (s *testServer) sessionsOf(username string) int64 {
	var n int64
	s.db.Model(&models.Session{}).Where("token IN (?)", s.db.Model(&models.Device{}).Select("devices.token").
		Joins("JOIN users ON users.id = devices.user_id").Where("users.username = ?", username)).Count(&n)
	return n
}

func TestActivatingAgainEndsEveryOtherSession(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		kiosk, phone := s.browser(t), s.browser(t)
		kiosk.signIn("patient")
		phone.signIn("patient")
		var old models.Session
		s.db.First(&old, "token = ?", kiosk.sessionCookie())

		// The patient has forgotten their password: the nurse gives them a
		// new code, and they set up a new username and password with it.
		nurse := s.browser(t)
		nurse.signIn("nurse")
		m := codePattern.FindStringSubmatch(nurse.post("/patients/"+ameliaRef+"/activation-code", url.Values{}).body)
		if m == nil {
			t.Fatal("the new letter shows no code")
		}
		amelia := s.browser(t)
		amelia.post("/activate", url.Values{"code": {m[1]}, "dob-day": {"12"}, "dob-month": {"5"}, "dob-year": {"2014"}})
		if r := amelia.post("/activate/account", url.Values{"username": {"millie.j"}, "password": {"lantern meadow river"}}); r.url != "/passport" {
			t.Fatalf("activating again landed on %s", r.url)
		}

		for name, b := range map[string]*browser{"kiosk": kiosk, "phone": phone} {
			if r := b.get("/passport"); r.url != "/sign-in" {
				t.Errorf("the %s's old session still opens %s", name, r.url)
			}
		}
		if n := s.sessionsOf("millie.j"); n != 1 {
			t.Errorf("%d sessions of the account; want only the new one", n)
		}
		// A request that was under way when the sessions ended saves its
		// session again: that does not sign it back in.
		if err := store.NewSessionStore(s.db).Commit(old.Token, old.Data, old.Expiry); err != nil {
			t.Fatal(err)
		}
		thief := s.browser(t)
		u, _ := url.Parse(s.URL)
		thief.client.Jar.SetCookies(u, []*http.Cookie{{Name: "passport_session", Value: old.Token}})
		if r := thief.get("/passport"); r.url != "/sign-in" {
			t.Errorf("a session saved again after it ended opens %s", r.url)
		}
		if r := amelia.get("/passport"); r.url != "/passport" {
			t.Errorf("the new session was ended too: %s", r.url)
		}
	})
}

func TestDisablingAnAccountEndsItsSessions(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		home, work := s.browser(t), s.browser(t)
		home.signIn("nurse")
		work.signIn("nurse")
		nurse, err := s.store.UserByUsername(t.Context(), "nurse")
		if err != nil {
			t.Fatal(err)
		}
		admin, _ := s.store.UserByUsername(t.Context(), "admin")
		if err := s.store.DisableStaff(t.Context(), models.Actor{UserID: admin.ID, Role: admin.Role}, nurse.ID); err != nil {
			t.Fatal(err)
		}
		if n := s.sessionsOf("nurse"); n != 0 {
			t.Errorf("%d sessions of the disabled account are left", n)
		}
		for _, b := range []*browser{home, work} {
			if r := b.get("/caseload"); r.url != "/sign-in" {
				t.Errorf("the disabled nurse still reaches %s", r.url)
			}
		}
		if r := s.browser(t).signIn("nurse"); r.url != "/sign-in" {
			t.Errorf("the disabled nurse signed in to %s", r.url)
		}
		if s.auditCount("account.disabled", "") != 1 {
			t.Error("disabling the account was not audited")
		}
	})
}

func TestAnonymousVisitorsStoreNoSession(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		for range 500 {
			res, err := http.Get(s.URL + "/sign-in")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if cookie := res.Header.Get("Set-Cookie"); strings.Contains(cookie, "passport_session") {
				t.Fatalf("an anonymous visitor was given a session: %s", cookie)
			}
		}
		for _, path := range []string{"/", "/activate", "/shared", "/help", "/signed-out"} {
			s.browser(t).get(path)
		}
		if n := s.count(&models.Session{}); n != 0 {
			t.Fatalf("%d sessions stored for anonymous visitors; want 0", n)
		}

		// The sign-in form works with its cookie, and only with it.
		b := s.browser(t)
		if r := b.signIn("patient"); r.url != "/passport" {
			t.Errorf("signing in from the form landed on %s", r.url)
		}
		form := url.Values{"username": {"patient"}, "password": {demoPassword}}
		token := s.browser(t).csrfToken()
		noCookie := s.browser(t)
		form.Set("csrf_token", token)
		r := noCookie.postRaw("/sign-in", form)
		mustStatus(t, r, http.StatusForbidden)
		mustContain(t, r, "This page has expired")

		// The cookie's identity with a signature of the visitor's own making.
		forged := s.browser(t)
		form.Set("csrf_token", forged.csrfToken())
		u, _ := url.Parse(s.URL)
		for _, c := range forged.client.Jar.Cookies(u) {
			if c.Name == "passport_visitor" {
				id, _, _ := strings.Cut(c.Value, ".")
				forged.client.Jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: id + ".AAAA"}})
			}
		}
		r = forged.postRaw("/sign-in", form)
		mustStatus(t, r, http.StatusForbidden)
		mustContain(t, r, "This page has expired")

		// Another visitor's token does not go with this visitor's cookie.
		other := s.browser(t)
		other.csrfToken()
		form.Set("csrf_token", token)
		r = other.postRaw("/sign-in", form)
		mustStatus(t, r, http.StatusForbidden)
	})
}
