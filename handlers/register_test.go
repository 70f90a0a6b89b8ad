package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"healthpassport/models"
	"healthpassport/models/demo"
	"healthpassport/models/store"
)

func registration(nhs, given, family, day, month, year string) url.Values {
	return url.Values{"nhs-number": {nhs}, "given-name": {given}, "family-name": {family},
		"date-of-birth-day": {day}, "date-of-birth-month": {month}, "date-of-birth-year": {year}}
}

// withAddress is a registration with a postal address of these lines.
func withAddress(form url.Values, line1, town, postcode string) url.Values {
	form.Set("address-line-1", line1)
	form.Set("address-town", town)
	form.Set("address-postcode", postcode)
	return form
}

func TestRegisterRefusesBadInputAndKeepsIt(t *testing.T) {
	script := `<script>alert("x")</script>`
	long := strings.Repeat("Ж", 101)
	cases := []struct {
		name   string
		form   url.Values
		errors []string // field ids the error summary links to
	}{
		{"all empty", registration("", "", "", "", "", ""), []string{"nhs-number", "given-name", "family-name", "date-of-birth-day"}},
		{"bad check digit", registration("943 476 5918", "Nia", "Okafor", "1", "2", "2000"), []string{"nhs-number"}},
		{"check digit of 10", registration("1234567890", "Nia", "Okafor", "1", "2", "2000"), []string{"nhs-number"}},
		{"letters in NHS number", registration("94347659I9", "Nia", "Okafor", "1", "2", "2000"), []string{"nhs-number"}},
		{"script everywhere", registration(script, script, script, script, script, script), []string{"nhs-number", "date-of-birth-day"}},
		{"too long", registration("9990000042", long, long, "1", "2", "2000"), []string{"given-name", "family-name"}},
		{"31 February", registration("9990000042", "Nia", "Okafor", "31", "2", "2000"), []string{"date-of-birth-day"}},
		{"future birth", registration("9990000042", "Nia", "Okafor", "1", "2", "2999"), []string{"date-of-birth-day"}},
		{"month missing", registration("9990000042", "Nia", "Okafor", "1", "", "2000"), []string{"date-of-birth-month"}},
		{"two-digit year", registration("9990000042", "Nia", "Okafor", "1", "2", "99"), []string{"date-of-birth-day"}},
		{"before 1900", registration("9990000042", "Nia", "Okafor", "1", "2", "1850"), []string{"date-of-birth-year"}},
		{"already registered", registration("999 000 0018", "Amelia", "Jones", "12", "5", "2014"), []string{"nhs-number"}},
		{"address without a town", withAddress(registration("9990000042", "Nia", "Okafor", "1", "2", "2000"), "4 Mill Road", "", "LS2 9JT"), []string{"address-town"}},
		{"address with a false postcode", withAddress(registration("9990000042", "Nia", "Okafor", "1", "2", "2000"), "4 Mill Road", "Leeds", "=1+1"), []string{"address-postcode"}},
	}
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("nurse")
		patients, codes := s.count(&models.Patient{}), s.count(&models.ActivationCode{})
		for _, tc := range cases {
			r := b.post("/patients/new", tc.form)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: answered %d; want 422", tc.name, r.status)
				continue
			}
			mustContain(t, r, "nhsuk-error-summary", "Error: Register a patient")
			for _, field := range tc.errors {
				mustContain(t, r, `href="#`+field+`"`)
			}
			if got := regexp.MustCompile(`<li><a href="#`).FindAllStringIndex(r.body, -1); len(got) != len(tc.errors) {
				t.Errorf("%s: %d errors; want %d", tc.name, len(got), len(tc.errors))
			}
			if strings.Contains(r.body, script) {
				t.Errorf("%s: script sent back unescaped", tc.name)
			}
			for field, values := range tc.form {
				if values[0] != "" && !strings.Contains(r.body, `value="`+escapeAttr(strings.TrimSpace(values[0]))+`"`) {
					t.Errorf("%s: %s not kept", tc.name, field)
				}
			}
		}
		if s.count(&models.Patient{}) != patients || s.count(&models.ActivationCode{}) != codes {
			t.Error("a refused registration stored something")
		}
	})
}

// TestRegisteringAKnownNHSNumberLeadsToTheRecord: a nurse who types the
// NHS number of a patient at their own practice is led to that record; of
// a patient at another practice they learn only that much, with no name
// and no link.
func TestRegisteringAKnownNHSNumberLeadsToTheRecord(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("nurse")
		r := b.post("/patients/new", registration("999 000 0018", "Amelia", "Jones", "12", "5", "2014"))
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "There is a problem", "Amelia Jones is already registered with this NHS number",
			`href="/patients/`+ameliaRef+`"`, "Go to Amelia Jones's record")

		r = b.post("/patients/new", registration("999 000 0034", "Priya", "Patel", "1", "2", "2000"))
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "A patient with this NHS number is registered at another practice")
		mustNotContain(t, r, priyaRef, "Go to")
	})
}

// escapeAttr is how templ writes a value in an attribute.
func escapeAttr(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

var codePattern = regexp.MustCompile(`id="activation-code">([A-Z0-9-]+)<`)

// TestRegisterThenActivate is the foundation's journey: a nurse registers a
// patient and prints the letter; the patient activates and sees their passport.
func TestRegisterThenActivate(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse := s.browser(t)
		nurse.signIn("nurse")
		r := nurse.post("/patients/new", withAddress(registration("999 000 0042", "Nia", "Okafor", "3", "2", "2001"), "4  Mill Road", "Leeds", "ls29jt"))
		mustStatus(t, r, http.StatusOK)
		m := codePattern.FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("letter at %s shows no code", r.url)
		}
		code := m[1]
		// The address given at registration is where the letter goes.
		mustContain(t, r, "Set up your Health Passport", "Dear Nia Okafor", "http://passport.test/activate", "999 000 0042",
			"<p>4 Mill Road</p>", "<p>Leeds</p>", "<p>LS2 9JT</p>")
		mustNotContain(t, r, "No postal address")
		if again := nurse.get(r.url); codePattern.MatchString(again.body) {
			t.Error("the code was shown a second time")
		}
		if r := nurse.get("/caseload?q=okafor"); !strings.Contains(r.body, "Okafor, Nia") || !strings.Contains(r.body, "Not set up") {
			t.Error("the new patient is not in the caseload, waiting to set up")
		}
		if s.auditCount(models.AuditPatientCreated, "") != 1 {
			t.Error("registration not audited")
		}

		patient := s.browser(t)
		wrong := url.Values{"code": {code}, "dob-day": {"4"}, "dob-month": {"2"}, "dob-year": {"2001"}}
		r = patient.post("/activate", wrong)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "The activation code or date of birth is not right", `value="`+code+`"`)

		right := url.Values{"code": {strings.ToLower(code)}, "dob-day": {"03"}, "dob-month": {"2"}, "dob-year": {"2001"}}
		r = patient.post("/activate", right)
		if r.url != "/activate/account" {
			t.Fatalf("activation landed on %s", r.url)
		}
		mustContain(t, r, "Hello Nia")
		r = patient.post("/activate/account", url.Values{"username": {"nia.o"}, "password": {"password123"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "too common", `value="nia.o"`)
		r = patient.post("/activate/account", url.Values{"username": {"nurse"}, "password": {"purple kettle garden"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "That username is taken")
		r = patient.post("/activate/account", url.Values{"username": {"<b>nia</b>"}, "password": {"purple kettle garden"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		r = patient.post("/activate/account", url.Values{"username": {"Nia.O"}, "password": {"purple kettle garden"}})
		if r.url != "/passport" {
			t.Fatalf("new patient landed on %s", r.url)
		}
		mustContain(t, r, "My passport", "Nia Okafor", "not written an action plan yet")

		// The code is spent, and says so to someone who also knows the
		// date of birth, and to no one else; the new account signs in.
		r = s.browser(t).post("/activate", right)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "This activation code has already been used")
		r = s.browser(t).post("/activate", wrong)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "The activation code or date of birth is not right")
		mustNotContain(t, r, "already been used")
		r = s.browser(t).post("/sign-in", url.Values{"username": {"nia.o"}, "password": {"purple kettle garden"}})
		if r.url != "/passport" {
			t.Errorf("new account signed in to %s", r.url)
		}
		if r := nurse.get("/caseload?q=okafor"); !strings.Contains(r.body, "Okafor, Nia") || strings.Contains(r.body, "Not set up") {
			t.Error("caseload does not show the account as set up")
		}
	})
}

func TestActivationRefusesHostileInput(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		for _, form := range []url.Values{
			{},
			{"code": {strings.Repeat("A", 5000)}, "dob-day": {"1"}, "dob-month": {"1"}, "dob-year": {"2000"}},
			{"code": {"' OR 1=1 --"}, "dob-day": {"1"}, "dob-month": {"1"}, "dob-year": {"2000"}},
			{"code": {"ABCD-EFGH-JKLM"}, "dob-day": {"-1"}, "dob-month": {"13"}, "dob-year": {"20000"}},
		} {
			r := b.post("/activate", form)
			mustStatus(t, r, http.StatusUnprocessableEntity)
			mustContain(t, r, "nhsuk-error-summary")
		}
		if r := b.get("/activate/account"); r.url != "/activate" {
			t.Errorf("choosing an account without a checked code showed %s", r.url)
		}
		mustStatus(t, b.post("/activate/account", url.Values{"username": {"x"}, "password": {"y"}}), http.StatusOK)
		if s.count(&models.User{}) != int64(len(demo.Usernames)) {
			t.Error("an account was made without a code")
		}
	})
}

func TestActivationThrottled(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		guess := url.Values{"code": {"ABCD-EFGH-JKLM"}, "dob-day": {"1"}, "dob-month": {"1"}, "dob-year": {"2000"}}
		for range store.LimitPerAccountAddress.Max {
			mustStatus(t, b.post("/activate", guess), http.StatusUnprocessableEntity)
		}
		r := b.post("/activate", guess)
		mustStatus(t, r, http.StatusTooManyRequests)
		mustContain(t, r, "tried too many times")
	})
}
