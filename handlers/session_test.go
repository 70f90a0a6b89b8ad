package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"healthpassport/handlers"
)

func TestIdleWarningWithoutJavaScript(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		patient := s.browser(t)
		patient.signIn("patient")
		r := patient.get("/passport")
		mustContain(t, r, `<noscript><meta http-equiv="refresh" content="840; url=/session/warning?return=%2Fpassport"></noscript>`,
			`<meta name="idle-warning" content="840">`, `id="idle-warning-template"`, "You will be signed out in 1 minute")
		nurse := s.browser(t)
		nurse.signIn("nurse")
		mustContain(t, nurse.get("/caseload"), `content="1740; url=/session/warning?return=%2Fcaseload"`)

		// The warning page does not count as activity; it goes back to the
		// page after the session has ended.
		ageSession(t, s, patient.sessionCookie(), handlers.ReaderIdleTimeout-30*time.Second)
		r = patient.get("/session/warning?return=/passport")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "You will be signed out soon", `<noscript><meta http-equiv="refresh" content="75; url=/passport"></noscript>`, "Stay signed in")
		ageSession(t, s, patient.sessionCookie(), handlers.ReaderIdleTimeout+time.Second)
		if r := patient.get("/passport"); r.url != "/signed-out" {
			t.Errorf("the warning page kept an idle session: %s", r.url)
		}

		// Staying signed in goes back to where the person was.
		stayer := s.browser(t)
		stayer.signIn("patient")
		ageSession(t, s, stayer.sessionCookie(), handlers.ReaderIdleTimeout-30*time.Second)
		if r := stayer.post("/session/extend", url.Values{"return": {"/passport/" + ameliaRef + "/readings"}}); r.url != "/passport/"+ameliaRef+"/readings" {
			t.Errorf("staying signed in went to %s", r.url)
		}
		ageSession(t, s, stayer.sessionCookie(), time.Minute)
		if r := stayer.get("/passport"); r.url != "/passport" {
			t.Error("the extended session did not last")
		}
	})
}

func TestReturnAddressesStayOnThisSite(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("patient")
		for _, hostile := range []string{"//evil.example", "https://evil.example/", `/\evil.example`, "javascript:alert(1)", "", "/session/warning"} {
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/session/extend", strings.NewReader(url.Values{"return": {hostile}, "csrf_token": {b.csrfToken()}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			client := *b.client
			client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if loc := res.Header.Get("Location"); loc != "/" {
				t.Errorf("return %q redirected to %q", hostile, loc)
			}
		}
	})
}
