package handlers_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"html"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"healthpassport/app"
	"healthpassport/assets"
	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

const demoPassword = "handler-test-password"

// Demo patients, by their record references.
const (
	ameliaRef = "demoamelia0000001" // Riverside, patient and carer demo accounts
	oliverRef = "demooliver0000001" // Riverside, not activated
	priyaRef  = "demopriya00000001" // Hillside: the demo nurse does not work there
)

// testServer is the whole app, as wired for production, on a real listener.
type testServer struct {
	*httptest.Server
	db    *gorm.DB
	store *store.Store
}

func startServer(t *testing.T, db *gorm.DB, cfg app.Config) *testServer {
	t.Helper()
	if err := app.Prepare(db, cfg); err != nil {
		t.Fatal(err)
	}
	handler, err := app.Handler(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)
	return &testServer{Server: server, db: db, store: store.NewStore(db)}
}

// eachServer runs a test against a demo server on every test database.
func eachServer(t *testing.T, test func(t *testing.T, s *testServer)) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		test(t, startServer(t, db, app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: "http://passport.test"}))
	})
}

// browser is a client with cookies, like a browser with JavaScript off.
type browser struct {
	t      *testing.T
	server *testServer
	client *http.Client
	// userAgent is the User-Agent header it sends, if it names one.
	userAgent string
}

type response struct {
	status int
	header http.Header
	body   string
	url    string
}

func (s *testServer) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, server: s, client: &http.Client{Jar: jar}}
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	if b.userAgent != "" {
		req.Header.Set("User-Agent", b.userAgent)
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(body), url: res.Request.URL.Path}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.server.URL+path, nil)
	return b.do(req)
}

// post sends a form with the anti-forgery token and, unless the test chose
// one, a new one-time key, as a page would.
func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	form = maps.Clone(form)
	form.Set("csrf_token", b.csrfToken())
	if !form.Has("submission_key") {
		form.Set("submission_key", rand.Text())
	}
	return b.postRaw(path, form)
}

func (b *browser) postRaw(path string, form url.Values) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfPattern = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrfToken reads the token from the sign-in form, or, once signed in, from
// the sign-out form of the home page the sign-in page redirects to.
func (b *browser) csrfToken() string {
	b.t.Helper()
	m := csrfPattern.FindStringSubmatch(b.get("/sign-in").body)
	if m == nil {
		b.t.Fatal("no anti-forgery token on the page")
	}
	return m[1]
}

func (b *browser) signIn(username string) response {
	b.t.Helper()
	return b.post("/sign-in", url.Values{"username": {username}, "password": {demoPassword}})
}

// sessionCookie is the value of the session cookie the browser holds.
func (b *browser) sessionCookie() string {
	u, _ := url.Parse(b.server.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if strings.HasSuffix(c.Name, "passport_session") {
			return c.Value
		}
	}
	return ""
}

// auditCount counts the entries of the log as its pages read it: what is
// waiting to be chained is chained first.
func (s *testServer) auditCount(action, targetID string) int64 {
	s.chainWaitingAudit()
	var n int64
	q := s.db.Model(&models.AuditEvent{}).Where("action = ?", action)
	if targetID != "" {
		q = q.Where("target_id = ?", targetID)
	}
	q.Count(&n)
	return n
}

// chainWaitingAudit chains the audit entries waiting to be, as the service
// does every moment, so that a test can read the chained log directly.
func (s *testServer) chainWaitingAudit() {
	if _, err := s.store.FoldPendingAudit(context.Background()); err != nil {
		panic(err)
	}
}

func (s *testServer) count(model any) int64 {
	var n int64
	s.db.Model(model).Count(&n)
	return n
}

func mustContain(t *testing.T, r response, wants ...string) {
	t.Helper()
	body := html.UnescapeString(r.body)
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("%s: page lacks %q", r.url, want)
		}
	}
}

func mustNotContain(t *testing.T, r response, unwanted ...string) {
	t.Helper()
	body := html.UnescapeString(r.body)
	for _, text := range unwanted {
		if strings.Contains(body, text) {
			t.Errorf("%s: page has %q", r.url, text)
		}
	}
}

func mustStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s answered %d; want %d", r.url, r.status, want)
	}
}

func TestMain(m *testing.M) {
	// Every page links the built stylesheet and scripts: without them
	// each test would fail on its own, none saying why.
	if err := assets.Check(); err != nil {
		fmt.Fprintln(os.Stderr, "handlers:", err)
		os.Exit(1)
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}
