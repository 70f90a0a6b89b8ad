package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/notify"
	"healthpassport/models/notify/notifytest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// codeServer is a demo server that believes the X-Forwarded-For of requests
// from this computer, with the Notify stand-in to send its messages.
type codeServer struct {
	*testServer
	notify *notifytest.Fake
	sender *store.Store
}

func eachCodeServer(t *testing.T, test func(t *testing.T, s *codeServer)) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		fake := notifytest.Start(t)
		cfg := app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: "http://passport.test", TrustedProxies: []string{"127.0.0.1"},
			NotifyAPIKey: notifytest.APIKey, NotifyBaseURL: fake.URL, NotifyTemplates: `{"sms": "sms-template", "email": "email-template"}`}
		s := &codeServer{testServer: startServer(t, db, cfg), notify: fake, sender: store.NewStore(db)}
		client, err := notify.New(notifytest.APIKey, fake.URL, notify.Templates{"sms": "sms-template", "email": "email-template"})
		if err != nil {
			t.Fatal(err)
		}
		s.sender.UseNotifier(client, cfg.PublicURL)
		test(t, s)
	})
}

// confirmPhone gives an account a mobile number checked with a security code.
func (s *codeServer) confirmPhone(t *testing.T, username, phone string) {
	t.Helper()
	checked := time.Now()
	if err := s.db.Save(&models.NotificationPreference{UserID: s.user(t, username).ID, Channel: models.ChannelSMS, Phone: phone,
		PhoneVerifiedAt: &checked, UpdatedAt: checked}).Error; err != nil {
		t.Fatal(err)
	}
}

var signInCodeInText = regexp.MustCompile(`code to sign in is (\d{6})`)

// textedCodes sends the queued messages through the Notify stand-in, as the
// job queue does, and reads the codes each phone number was texted.
func (s *codeServer) textedCodes(t *testing.T) map[string][]string {
	t.Helper()
	var queued []models.Notification
	s.db.Where("status = ?", models.MessageQueued).Order("id").Find(&queued)
	for _, message := range queued {
		if err := s.sender.SendMessage(t.Context(), message.ID, false); err != nil {
			t.Fatal(err)
		}
	}
	codes := map[string][]string{}
	for _, request := range s.notify.Requests() {
		phone, _ := request.Payload["phone_number"].(string)
		personalisation, _ := request.Payload["personalisation"].(map[string]any)
		text, _ := personalisation["message"].(string)
		if m := signInCodeInText.FindStringSubmatch(text); m != nil {
			codes[phone] = append(codes[phone], m[1])
		}
	}
	return codes
}

// otherCode is a six-number code that is not the one given.
func otherCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func TestOwnerSignsInWithACodeAfterStrangersGuess(t *testing.T) {
	const phone = "07700 900123"
	wrong := url.Values{"username": {"carer"}, "password": {"a wrong guess"}}
	right := url.Values{"username": {"carer"}, "password": {demoPassword}}
	eachCodeServer(t, func(t *testing.T, s *codeServer) {
		s.confirmPhone(t, "carer", phone)
		for i := range store.LimitPerAccount.Max {
			mustStatus(t, s.browser(t).postFrom(fmt.Sprintf("203.0.113.%d", i), "/sign-in", wrong), http.StatusUnprocessableEntity)
		}
		owner := s.browser(t)
		r := owner.postFrom("192.0.2.7", "/sign-in", right)
		mustStatus(t, r, http.StatusTooManyRequests)
		mustContain(t, r, "tried to sign in too many times", "Sign in with a security code", `href="/sign-in/code"`, "Forgotten your password?")

		r = owner.get("/sign-in/code")
		mustContain(t, r, "locked out", "mobile phone number or email address you confirmed", "ask your clinic for a new activation code")
		r = owner.postFrom("192.0.2.7", "/sign-in/code", url.Values{"username": {"Carer"}})
		if r.url != "/sign-in/code/enter" {
			t.Fatalf("asking for a code landed on %s (%d)", r.url, r.status)
		}
		mustContain(t, r, "If Carer has a confirmed mobile phone number or email address, we are sending")

		// A stranger who asks for a code of their own cannot use the
		// owner's: each code works only in the browser that asked for it.
		stranger := s.browser(t)
		stranger.postFrom("198.51.100.9", "/sign-in/code", url.Values{"username": {"carer"}})
		texted := s.textedCodes(t)[phone]
		if len(texted) != 2 {
			t.Fatalf("texted codes %v; want the owner's and the stranger's", texted)
		}
		ownersCode := texted[0]
		r = stranger.postFrom("198.51.100.9", "/sign-in/code/enter", url.Values{"code": {ownersCode}})
		if ownersCode != texted[1] {
			mustStatus(t, r, http.StatusUnprocessableEntity)
			mustContain(t, r, "There is a problem", `href="#code"`, "The code is not right")
		}

		r = owner.postFrom("192.0.2.7", "/sign-in/code/enter", url.Values{"code": {otherCode(ownersCode)}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "The code is not right, or it has expired")
		before := owner.sessionCookie()
		r = owner.postFrom("192.0.2.7", "/sign-in/code/enter", url.Values{"code": {ownersCode[:3] + " " + ownersCode[3:]}})
		if r.url != "/account/password/new" {
			t.Fatalf("the owner's code landed on %s (%d)", r.url, r.status)
		}
		mustContain(t, r, "Set a new password", `href="/people">Keep your current password`)
		if owner.sessionCookie() == before {
			t.Error("signing in with a code kept the session token")
		}
		if mustLand(t, owner.get("/people"), "/people"); s.auditCount(models.AuditSignInWithCode, "carer") != 1 ||
			s.auditCount(models.AuditSignInCodeSent, "carer") != 2 {
			t.Errorf("audit: %d signed in with a code, %d codes sent", s.auditCount(models.AuditSignInWithCode, "carer"),
				s.auditCount(models.AuditSignInCodeSent, "carer"))
		}

		// Used: the code works once, and every other code of the account
		// went with it.
		owner.post("/sign-out", url.Values{})
		again := s.browser(t)
		again.postFrom("192.0.2.8", "/sign-in/code", url.Values{"username": {"carer"}})
		r = stranger.postFrom("198.51.100.9", "/sign-in/code/enter", url.Values{"code": {texted[1]}})
		mustStatus(t, r, http.StatusUnprocessableEntity)

		// Expired: ten minutes after it was sent, the right code fails.
		fresh := s.textedCodes(t)[phone][2]
		s.db.Model(&models.SignInCode{}).Where("expires_at > ?", time.Now()).Update("expires_at", time.Now().Add(-time.Second))
		r = again.postFrom("192.0.2.8", "/sign-in/code/enter", url.Values{"code": {fresh}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "The code is not right, or it has expired")
	})
}

// mustLand fails unless a page was reached at the path.
func mustLand(t *testing.T, r response, path string) {
	t.Helper()
	if r.url != path || r.status != http.StatusOK {
		t.Fatalf("landed on %s (%d); want %s", r.url, r.status, path)
	}
}

func TestSignInCodeAnswersAlikeForEveryUsername(t *testing.T) {
	eachCodeServer(t, func(t *testing.T, s *codeServer) {
		s.confirmPhone(t, "carer", "07700 900124")
		answers := map[string]response{}
		for _, username := range []string{"carer", "patient", "nobody-here"} {
			r := s.browser(t).post("/sign-in/code", url.Values{"username": {username}})
			if r.url != "/sign-in/code/enter" || r.status != http.StatusOK {
				t.Fatalf("%s: landed on %s (%d)", username, r.url, r.status)
			}
			answers[username] = r
		}
		// The pages differ only in the username shown and each browser's
		// anti-forgery token and submission key.
		alike := func(username string) string {
			page := answers[username].body
			page = csrfPattern.ReplaceAllString(page, "token")
			page = regexp.MustCompile(`name="submission_key" value="[^"]+"`).ReplaceAllString(page, "key")
			return regexp.MustCompile(`\b`+username+`\b`).ReplaceAllString(page, "someone")
		}
		for _, username := range []string{"patient", "nobody-here"} {
			if alike(username) != alike("carer") {
				t.Errorf("the page for %s differs from the page for an account with a phone", username)
			}
		}
		if n := s.countWhere(&models.Notification{}, "kind = ?", models.MessageSecurityCode); n != 1 {
			t.Errorf("%d codes queued; want one, to the only confirmed phone", n)
		}

		r := s.browser(t).post("/sign-in/code", url.Values{"username": {""}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "There is a problem", `href="#username"`, "Enter your username")
		r = s.browser(t).get("/sign-in/code/enter")
		if r.url != "/sign-in/code" {
			t.Errorf("the code page without a code asked for landed on %s", r.url)
		}
		r = s.browser(t).get("/account/password/new")
		if r.url != "/sign-in" {
			t.Errorf("setting a new password signed out landed on %s", r.url)
		}
	})
}

// TestSimultaneousSignInCodeGuessesStopAtTheLimit fires wrong codes from
// the browser that asked for one, all at the same instant: no more than
// the limit are checked, and the rest are refused as too many.
func TestSimultaneousSignInCodeGuessesStopAtTheLimit(t *testing.T) {
	const n = 30
	eachCodeServer(t, func(t *testing.T, s *codeServer) {
		s.confirmPhone(t, "carer", "07700 900125")
		guesser := s.browser(t)
		guesser.post("/sign-in/code", url.Values{"username": {"carer"}})
		code := s.textedCodes(t)["07700 900125"][0]
		tally := map[int]int{}
		for _, r := range atOnce(t, repeated(n, submission{guesser, "/sign-in/code/enter", url.Values{"code": {otherCode(code)}}})...) {
			tally[r.status]++
			if r.status == http.StatusTooManyRequests {
				mustContain(t, r, "You have entered a wrong code too many times")
			}
		}
		if tally[http.StatusUnprocessableEntity] != store.LimitSignInCodeGuesses.Max || tally[http.StatusTooManyRequests] != n-store.LimitSignInCodeGuesses.Max {
			t.Errorf("%d simultaneous wrong codes answered %v; want %d checked and the rest refused", n, tally, store.LimitSignInCodeGuesses.Max)
		}
		if r := guesser.post("/sign-in/code/enter", url.Values{"code": {code}}); r.status != http.StatusTooManyRequests {
			t.Errorf("the right code after the limit answered %d", r.status)
		}
		if failed := s.auditCount(models.AuditSignInCodeFailed, "carer"); failed != int64(store.LimitSignInCodeGuesses.Max) {
			t.Errorf("%d wrong codes audited", failed)
		}
	})
}

// TestForgottenPasswordIsResetWithACode: the new password goes through the
// password rules, works at once, and every other session ends.
func TestForgottenPasswordIsResetWithACode(t *testing.T) {
	const phone = "07700 900126"
	eachCodeServer(t, func(t *testing.T, s *codeServer) {
		s.confirmPhone(t, "patient", phone)
		elsewhere := s.browser(t)
		elsewhere.signIn("patient")
		mustLand(t, elsewhere.get("/passport"), "/passport")

		owner := s.browser(t)
		owner.post("/sign-in/code", url.Values{"username": {"patient"}})
		owner.post("/sign-in/code/enter", url.Values{"code": {s.textedCodes(t)[phone][0]}})
		r := owner.post("/account/password/new", url.Values{"new-password": {"password123"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "There is a problem", `href="#new-password"`)
		const chosen = "lantern orchard pebble ninety"
		r = owner.post("/account/password/new", url.Values{"new-password": {chosen}})
		if r.url != "/account" {
			t.Fatalf("setting a new password landed on %s (%d)", r.url, r.status)
		}
		mustContain(t, r, "Your new password is set. We have signed you out everywhere else")
		if r := elsewhere.get("/passport"); r.url != "/sign-in" {
			t.Errorf("the other session was not ended: %s", r.url)
		}
		if r := owner.get("/account/password/new"); r.url != "/account/password" {
			t.Errorf("a second new password without the current one was offered: %s", r.url)
		}
		if r := s.browser(t).post("/sign-in", url.Values{"username": {"patient"}, "password": {chosen}}); r.url != "/passport" {
			t.Errorf("the new password did not sign in: %s", r.url)
		}
		if s.auditCount(models.AuditPasswordChanged, "") != 1 {
			t.Errorf("%d password changes audited", s.auditCount(models.AuditPasswordChanged, ""))
		}
	})
}
