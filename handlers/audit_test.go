package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"healthpassport/models"
)

// breakAuditLog makes the database refuse every new audit entry, chained at
// once or waiting to be, as a full disk or a lost permission would.
func (s *testServer) breakAuditLog(t *testing.T) {
	t.Helper()
	for _, table := range []string{"audit_events", "audit_pending"} {
		statement := `CREATE TRIGGER ` + table + `_unavailable BEFORE INSERT ON ` + table + `
			BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END`
		if s.db.Dialector.Name() == "postgres" {
			statement = `CREATE TRIGGER ` + table + `_unavailable BEFORE INSERT ON ` + table + `
				FOR EACH ROW EXECUTE FUNCTION refuse_change()`
		}
		if err := s.db.Exec(statement).Error; err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadsAndRefusalsFailClosedWithoutAnAuditEntry(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse, patient, carer, school := s.browser(t), s.browser(t), s.browser(t), s.browser(t)
		nurse.signIn("nurse")
		patient.signIn("patient")
		carer.signIn("carer")
		r := carer.post("/passport/"+ameliaRef+"/shares", url.Values{"recipient": {"Riverside School"}, "days": {"30"}})
		code := accessCode.FindStringSubmatch(r.body)
		if code == nil {
			t.Fatal("no access code")
		}
		if r := school.post("/shared", ameliaDOB(code[1])); r.url != "/shared/view" {
			t.Fatalf("opening the share landed on %s", r.url)
		}
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", s.patient(t, ameliaRef).ID)
		reads := []struct {
			who  *browser
			path string
		}{
			{nurse, "/patients/" + ameliaRef},
			{nurse, "/patients/" + ameliaRef + "/details"},
			{nurse, "/patients/" + ameliaRef + "/activation-letter"},
			{nurse, fmt.Sprintf("/patients/%s/plans/%d", ameliaRef, plan.ID)},
			{nurse, fmt.Sprintf("/patients/%s/plans/%d/edit", ameliaRef, plan.ID)},
			{nurse, fmt.Sprintf("/patients/%s/plans/%d/compare?from=1&to=1", ameliaRef, plan.ID)},
			{carer, "/passport/" + ameliaRef},
			{carer, "/passport/" + ameliaRef + "/readings"},
			{carer, "/passport/" + ameliaRef + "/emergency"},
			{carer, "/passport/" + ameliaRef + "/prescriptions"},
			{carer, "/passport/" + ameliaRef + "/shares"},
			{school, "/shared/view"},
		}
		// A person's own passport is theirs to read: nothing is audited, so
		// a broken audit log does not keep it from them.
		own := []string{"/passport", "/passport/" + ameliaRef, "/passport/" + ameliaRef + "/readings",
			"/passport/" + ameliaRef + "/emergency", "/passport/" + ameliaRef + "/prescriptions", "/passport/" + ameliaRef + "/shares"}
		for _, read := range reads {
			mustStatus(t, read.who.get(read.path), http.StatusOK)
		}

		s.breakAuditLog(t)
		for _, path := range own {
			mustStatus(t, patient.get(path), http.StatusOK)
		}
		for _, read := range reads {
			r := read.who.get(read.path)
			mustStatus(t, r, http.StatusInternalServerError)
			for _, private := range []string{"9990000018", "999 000 0018", "Clenil", "No known allergies", "07700 900123"} {
				if strings.Contains(r.body, private) {
					t.Errorf("%s showed %q without an audit entry", read.path, private)
				}
			}
		}
		// A refusal that cannot be logged does not pass as a plain refusal.
		r = nurse.get("/patients/" + priyaRef)
		mustStatus(t, r, http.StatusInternalServerError)
		mustContain(t, r, "Sorry, there is a problem with the service")
		mustStatus(t, patient.get("/passport/"+oliverRef), http.StatusInternalServerError)
	})
}
