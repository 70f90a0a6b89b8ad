package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"healthpassport/models"
)

// section is the part of a page from the first start to the end after it.
func section(t *testing.T, r response, start, end string) string {
	t.Helper()
	from := strings.Index(r.body, start)
	if from < 0 {
		t.Fatalf("%s: page lacks %q", r.url, start)
	}
	to := strings.Index(r.body[from:], end)
	if to < 0 {
		t.Fatalf("%s: %q is not closed by %q", r.url, start, end)
	}
	return r.body[from : from+to]
}

// mustReadPlainly fails if an audit list shows an action code or a user by
// number rather than by name.
func mustReadPlainly(t *testing.T, s *testServer, list string) {
	t.Helper()
	s.chainWaitingAudit()
	var actions []string
	s.db.Model(&models.AuditEvent{}).Distinct("action").Pluck("action", &actions)
	for _, action := range actions {
		if strings.Contains(list, ">"+action) || strings.Contains(list, " "+action) {
			t.Errorf("the list shows the action code %q", action)
		}
	}
	if strings.Contains(list, "User ") {
		t.Error("the list names a user by number")
	}
}

func TestAuditLogAndActivitySpeakPlainEnglishWithNames(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		patient, nurse, admin := s.browser(t), s.browser(t), s.browser(t)
		patient.signIn("patient")
		mustStatus(t, patient.post("/passport/"+ameliaRef+"/readings/peak-flow", url.Values{"litres": {"280"}}), http.StatusOK)
		nurse.signIn("nurse")
		mustStatus(t, nurse.get("/patients/"+ameliaRef), http.StatusOK)
		admin.signIn("admin")

		r := admin.get("/admin")
		mustStatus(t, r, http.StatusOK)
		log := section(t, r, "Audit log", "</table>")
		mustContain(t, response{url: r.url, body: log}, "Record viewed", "Alex Morgan, nurse", "Reading recorded",
			"Amelia Jones, patient", "Signed in", "Jordan Lee, administrator")
		mustReadPlainly(t, s, log)

		r = nurse.get("/patients/" + ameliaRef)
		activity := section(t, r, "<h2>Activity</h2>", "</ul>")
		mustContain(t, response{url: r.url, body: activity}, "Record viewed by Alex Morgan, nurse, ", "Reading recorded by Amelia Jones, patient, ")
		mustReadPlainly(t, s, activity)
	})
}
