package handlers_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// offSite are return addresses that browsers resolve to another site, or
// that try to, once decoded, with a backslash, a tab or another slash.
var offSite = []string{
	"//evil.example", "///evil.example", "/%2F/evil", "/%252F%252Fevil.example", "/%25252F%25252Fevil.example",
	`/\evil.example`, "/%5Cevil.example", "/%255Cevil.example", "/%09/evil.example", "/%2509/evil.example",
	"/%0A/evil.example", "https:evil.example", "https://evil.example/", "javascript:alert(1)",
	"/\u2215evil.example", "/\uff0f\uff0fevil.example", "/%EF%BC%8F%EF%BC%8Fevil.example", "/passport;url=//evil.example",
}

var (
	refreshTarget = regexp.MustCompile(`<meta http-equiv="refresh" content="\d+; ?url=([^"]*)"`)
	returnField   = regexp.MustCompile(`name="return" value="([^"]*)"`)
)

func TestIdleWarningNeverPointsOffSite(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("patient")
		for _, hostile := range offSite {
			r := b.get("/session/warning?return=" + url.QueryEscape(hostile))
			mustStatus(t, r, http.StatusOK)
			refresh, field := refreshTarget.FindStringSubmatch(r.body), returnField.FindStringSubmatch(r.body)
			if refresh == nil || field == nil {
				t.Fatalf("return %q: the warning page has no refresh or no return field", hostile)
			}
			if got := html.UnescapeString(refresh[1]); got != "/" {
				t.Errorf("return %q refreshes to %q", hostile, got)
			}
			if got := html.UnescapeString(field[1]); got != "/" {
				t.Errorf("return %q is kept as %q", hostile, got)
			}
		}
	})
}

func TestStayingSignedInNeverRedirectsOffSite(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("patient")
		client := *b.client
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		for _, hostile := range append(offSite, "/\t/evil.example", "/\x00/evil.example", "/\xff/evil.example") {
			form := url.Values{"return": {hostile}, "csrf_token": {b.csrfToken()}}
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/session/extend", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/" {
				t.Errorf("return %q answered %d to %q", hostile, res.StatusCode, loc)
			}
		}
	})
}
