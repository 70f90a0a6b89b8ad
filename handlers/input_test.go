package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"healthpassport/models"
)

// hostileValues are what a probe sends instead of an answer: bytes
// PostgreSQL refuses and characters nobody types, which must be refused,
// then numbers beyond 64 bits and long text, which some fields accept.
var hostileValues = []struct{ name, value string }{
	{"NUL", "Ann\x00ie"},
	{"0xFF", "Ann\xffie"},
	{"lone surrogate", "Ann\xed\xa0\x80ie"},
	{"C0 controls", "Ann\x01\x1bie"},
	{"DEL", "Ann\x7fie"},
	{"C1 control", "Ann\u0085ie"},
	{"very long", strings.Repeat("Ж", 20000)},
	{"2^64", "18446744073709551616"},
	{"huge number", strings.Repeat("9", 40)},
}

// unreadable reports whether a value is one the service must refuse.
func unreadable(value string) bool {
	return !utf8.ValidString(value) || strings.ContainsFunc(value, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	})
}

// hostileForm is a form of the service, filled in as a person would, and
// who may post it.
type hostileForm struct {
	user string
	path string
	form url.Values
}

func TestHostileInputIsRefusedNeverAServerError(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		// A browser whose User-Agent is not UTF-8 can still sign in, and
		// the device is recorded without the invalid byte.
		odd := s.browser(t)
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/sign-in", strings.NewReader(url.Values{
			"username": {"patient"}, "password": {demoPassword}, "csrf_token": {odd.csrfToken()}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("User-Agent", "Kiosk\xff/1.0\tX")
		if r := odd.do(req); r.url != "/passport" {
			t.Errorf("signing in with a 0xFF User-Agent landed on %s (%d)", r.url, r.status)
		}
		var device models.Device
		s.db.Order("id DESC").First(&device)
		if device.UserAgent != "Kiosk\uFFFD/1.0X" {
			t.Errorf("device recorded as %q", device.UserAgent)
		}

		browsers := map[string]*browser{"": s.browser(t)}
		for _, user := range []string{"nurse", "patient", "carer", "admin"} {
			browsers[user] = s.browser(t)
			browsers[user].signIn(user)
		}
		asthma := s.template(t, "asthma")
		plan := asthmaPlan("400")
		plan.Set("template", fmt.Sprint(asthma.ID))
		r := browsers["nurse"].post("/patients/"+oliverRef+"/plans", plan)
		m := planPath.FindStringSubmatch(r.url)
		if m == nil {
			t.Fatalf("saving a plan landed on %s", r.url)
		}
		editPlan := asthmaPlan("400")
		editPlan.Set("base", "1")
		var request models.PrescriptionRequest
		s.db.First(&request)
		var alert models.Alert
		s.db.First(&alert)
		var amelia models.Patient
		s.db.First(&amelia, "ref = ?", ameliaRef)
		var ameliaPlan models.ActionPlan
		s.db.First(&ameliaPlan, "patient_id = ?", amelia.ID)

		// An account to set up: the nurse prints a new letter for Oliver.
		r = browsers["nurse"].post("/patients/"+oliverRef+"/activation-code", url.Values{})
		code := letterCode.FindStringSubmatch(r.body)
		if code == nil {
			t.Fatal("no activation code on the letter")
		}
		browsers["activating"] = s.browser(t)
		r = browsers["activating"].post("/activate", url.Values{"code": {code[1]}, "dob-day": {"30"}, "dob-month": {"10"}, "dob-year": {"1987"}})
		if r.url != "/activate/account" {
			t.Fatalf("activation landed on %s", r.url)
		}

		today := time.Now()
		forms := []hostileForm{
			{"", "/activate", url.Values{"code": {"ABCD-EFGH-JKLM"}, "dob-day": {"30"}, "dob-month": {"10"}, "dob-year": {"1987"}}},
			{"activating", "/activate/account", url.Values{"username": {"oliver.s"}, "password": {"lantern meadow river"}}},
			{"", "/shared", ameliaDOB("ABCD-EFGH-JKLM")},
			{"nurse", "/patients/new", registration("999 000 0042", "Nia", "Okafor", "1", "2", "2000")},
			{"nurse", "/patients/" + oliverRef + "/details", url.Values{"preferred-name": {"Olly"}, "phone": {"07700 900 982"},
				"email": {"oliver@example.com"}, "communication-needs": {"None"}, "allergies": {"None"}, "practice": {fmt.Sprint(amelia.PracticeID)},
				"emergency-0-name": {"Ann Smith"}, "emergency-0-relationship": {"Mother"}, "emergency-0-phone": {"01632 960 001"},
				"emergency-1-name": {""}, "emergency-1-relationship": {""}, "emergency-1-phone": {""},
				"clinic-0-name": {"Riverside"}, "clinic-0-relationship": {""}, "clinic-0-phone": {"01632 960 002"}}},
			{"nurse", "/patients/" + oliverRef + "/reviews", reviewForm(today, today.AddDate(1, 0, 0), models.OutcomeNoChange)},
			{"nurse", "/patients/" + oliverRef + "/carers", url.Values{"who": {"new"}, "carer-name": {"Ann Smith"}, "username": {"carer"},
				"relationship": {"Parent"}, "permission": {"view"}}},
			{"nurse", "/patients/" + oliverRef + "/plans", plan},
			{"nurse", "/patients/" + oliverRef + "/plans/" + m[1], editPlan},
			{"nurse", fmt.Sprintf("/queues/prescriptions/%d", request.ID), url.Values{"decision": {"reject"}, fmt.Sprintf("reason-%d", request.ID): {"Not due"}}},
			{"nurse", fmt.Sprintf("/queues/alerts/%d", alert.ID), url.Values{fmt.Sprintf("note-%d", alert.ID): {"Phoned"}}},
			{"patient", "/passport/" + ameliaRef + "/readings/peak-flow", url.Values{"litres": {"300"}}},
			{"patient", "/passport/" + ameliaRef + "/readings/symptoms", url.Values{"plan": {fmt.Sprint(ameliaPlan.ID)}, "q0": {"no"}, "q1": {"no"}, "q2": {"no"}, "unplanned-care": {"none"}, "rcp0": {"no"}, "rcp1": {"no"}, "rcp2": {"no"}}},
			{"patient", "/passport/" + ameliaRef + "/prescriptions", url.Values{"medicine": {fmt.Sprintf("%d:Salbutamol 100 micrograms", ameliaPlan.ID)}}},
			{"carer", "/passport/" + ameliaRef + "/shares", url.Values{"recipient": {"Riverside School"}, "days": {"30"}}},
			{"carer", "/feedback", url.Values{"score": {"5"}, "comment": {"Easy to use"}}},
			{"admin", "/organisations/new", url.Values{"kind": {"clinic"}, "name": {"Valley Clinic"}, "ods-code": {"RJ122"}}},
			{"admin", fmt.Sprintf("/organisations/%d/name", amelia.PracticeID), url.Values{"name": {"Riverside Health Centre"}}},
			{"carer", "/account/messages", url.Values{"channel": {"letter"}, "phone": {"07700 900982"}, "email": {"sam@example.com"},
				"address": {"1 High Street\nLeeds"}, "postcode": {"LS1 4AP"}, "quiet-hours": {"yes"}}},
			// Wrong passwords lock the account, so these come last.
			{"patient", "/account/password", url.Values{"current-password": {demoPassword}, "new-password": {"orange bicycle lamp"}}},
			{"", "/sign-in", url.Values{"username": {"patient"}, "password": {demoPassword}}},
		}

		serverErrors := 0
		check := func(what string, r response, value string) {
			t.Helper()
			switch {
			case r.status >= 500:
				serverErrors++
				t.Errorf("%s: %d", what, r.status)
			case unreadable(value) && r.status < 400:
				t.Errorf("%s: answered %d; want it refused", what, r.status)
			}
		}
		for _, hostile := range hostileValues {
			for _, f := range forms {
				for field := range f.form {
					form := url.Values{}
					for k, v := range f.form {
						form[k] = v
					}
					form.Set(field, hostile.value)
					check(fmt.Sprintf("%s %s=%s", f.path, field, hostile.name), browsers[f.user].post(f.path, form), hostile.value)
				}
			}
		}

		ids := []struct {
			user, method, path string
		}{
			{"nurse", "GET", "/patients/%00"},
			{"nurse", "GET", "/patients/%FF"},
			{"nurse", "GET", "/patients/%ED%A0%80/details"},
			{"nurse", "POST", "/queues/alerts/18446744073709551616"},
			{"nurse", "POST", "/queues/alerts/9223372036854775808"},
			{"nurse", "POST", "/queues/alerts/%00"},
			{"nurse", "POST", "/queues/prescriptions/18446744073709551615"},
			{"nurse", "POST", "/queues/prescriptions/-1"},
			{"nurse", "GET", "/patients/" + oliverRef + "/plans/18446744073709551615"},
			{"nurse", "GET", "/patients/" + oliverRef + "/plans/9223372036854775808/edit"},
			{"nurse", "GET", "/patients/" + oliverRef + "/plans/" + m[1] + "/compare?from=99999999999&to=1"},
			{"nurse", "GET", "/patients/" + oliverRef + "/plans/" + m[1] + "/compare?from=1&to=18446744073709551616"},
			{"nurse", "GET", "/patients/" + oliverRef + "/plans/new?template=18446744073709551615"},
			{"nurse", "GET", "/patients/" + oliverRef + "/plans/new?template=%00"},
			{"nurse", "GET", "/patients/" + oliverRef + "/carers/18446744073709551615/letter"},
			{"nurse", "POST", "/patients/" + oliverRef + "/carers/9223372036854775808/revoke"},
			{"admin", "GET", "/organisations/18446744073709551616"},
			{"admin", "POST", "/organisations/%00/close"},
			{"admin", "POST", fmt.Sprintf("/organisations/%d/move", amelia.PracticeID)},
			{"nurse", "GET", "/caseload?q=%00"},
			{"nurse", "GET", "/caseload?q=%FF&sort=%01"},
			{"nurse", "GET", "/caseload?page=99999999999999999999"},
			{"nurse", "GET", "/caseload?page=9223372036854775807"},
			{"patient", "GET", "/passport/%00"},
			{"patient", "GET", "/passport/%FF/readings"},
			{"patient", "GET", "/passport/" + ameliaRef + "/readings/18446744073709551616"},
			{"patient", "GET", "/passport/" + ameliaRef + "/readings/9223372036854775808"},
			{"patient", "GET", "/passport/" + ameliaRef + "/readings/symptoms?plan=18446744073709551615"},
			{"carer", "GET", "/passport/" + ameliaRef + "/shares/18446744073709551615"},
			{"carer", "POST", "/passport/" + ameliaRef + "/shares/9223372036854775808/revoke"},
			{"carer", "POST", "/account/devices/9223372036854775808/sign-out"},
			{"carer", "GET", "/session/warning?return=%00"},
			{"", "GET", "/signed-out?reason=%FF"},
		}
		for _, id := range ids {
			b := browsers[id.user]
			var r response
			if id.method == http.MethodGet {
				r = b.get(id.path)
			} else {
				r = b.post(id.path, url.Values{})
			}
			check(id.method+" "+id.path, r, "")
		}
		t.Logf("%d server errors", serverErrors)
		if invalid := s.invalidText(t); len(invalid) > 0 {
			t.Errorf("stored unreadable text: %v", invalid)
		}
	})
}

// invalidText lists the text columns, in every table, that hold invalid
// UTF-8 or control characters.
func (s *testServer) invalidText(t *testing.T) []string {
	t.Helper()
	tables, err := s.db.Migrator().GetTables()
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, table := range tables {
		rows, err := s.db.Table(table).Rows()
		if err != nil {
			t.Fatal(err)
		}
		columns, _ := rows.Columns()
		for rows.Next() {
			values := make([]any, len(columns))
			pointers := make([]any, len(columns))
			for i := range values {
				pointers[i] = &values[i]
			}
			if err := rows.Scan(pointers...); err != nil {
				t.Fatal(err)
			}
			for i, v := range values {
				if text, ok := v.(string); ok && unreadable(text) {
					found = append(found, fmt.Sprintf("%s.%s=%q", table, columns[i], text))
				}
			}
		}
		rows.Close()
	}
	return found
}

func TestUnreadableCharactersGetTheFieldsErrorAndTheCleanedValue(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse := s.browser(t)
		nurse.signIn("nurse")
		r := nurse.post("/patients/new", registration("999 000 0042", "Ni\x00a\xff", "Oka\r\nfor", "1", "2", "2000"))
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "There is a problem", `href="#given-name"`, "Error: </span>This answer had hidden characters that cannot be used",
			`id="given-name" name="given-name" type="text" value="Nia"`)
		if strings.Contains(r.body, `href="#family-name"`) {
			t.Error("a line break was refused as a hidden character")
		}
		if strings.Contains(r.body, "\x00") || strings.Contains(r.body, "\xff") {
			t.Error("the page showed the refused bytes")
		}

		// A password with a NUL is a clear refusal, not a failed sign-in.
		r = s.browser(t).post("/sign-in", url.Values{"username": {"patient"}, "password": {demoPassword + "\x00"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, `href="#password"`, "Your password must not include hidden characters")
		if n := s.auditCount(models.AuditSignInFailed, ""); n != 0 {
			t.Errorf("the refused password counted as %d failed sign-ins", n)
		}
	})
}
