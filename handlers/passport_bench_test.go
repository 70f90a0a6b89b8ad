package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"healthpassport/app"
	"healthpassport/models/modelstest"
)

// BenchmarkPassport measures the patient's passport page through the whole
// router, many requests at once; requests per second is 1e9 / ns/op.
func BenchmarkPassport(b *testing.B) {
	for _, kind := range modelstest.Databases() {
		db := modelstest.Open(b, kind)
		cfg := app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: "http://passport.test"}
		if err := app.Prepare(db, cfg); err != nil {
			b.Fatal(err)
		}
		handler, err := app.Handler(db, cfg)
		if err != nil {
			b.Fatal(err)
		}
		cookie := signInAs(b, handler, "patient")
		b.Run(kind, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodGet, "/passport", nil)
					req.Header.Set("Cookie", cookie)
					rec := httptest.NewRecorder()
					handler.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("passport answered %d", rec.Code)
					}
				}
			})
		})
	}
}

// signInAs signs a demo account in and returns the session cookie.
func signInAs(b *testing.B, handler http.Handler, username string) string {
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sign-in", nil))
	cookie := strings.Split(rec.Header().Get("Set-Cookie"), ";")[0]
	token := csrfPattern.FindStringSubmatch(rec.Body.String())[1]
	form := url.Values{"username": {username}, "password": {demoPassword}, "csrf_token": {token}}
	req := httptest.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", cookie)
	rec = httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		b.Fatalf("sign-in answered %d", rec.Code)
	}
	// Signing in sets the device cookie as well as the session's.
	for _, cookie := range rec.Result().Cookies() {
		if strings.HasSuffix(cookie.Name, "passport_session") {
			return cookie.Name + "=" + cookie.Value
		}
	}
	b.Fatal("signing in set no session cookie")
	return ""
}
