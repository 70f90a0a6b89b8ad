package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"healthpassport/models"
)

// TestEachRoleIsRefusedWhatItMustNotSee walks every role through every
// patient route it must not use, and checks each refusal is audited.
func TestEachRoleIsRefusedWhatItMustNotSee(t *testing.T) {
	refusals := map[string][]string{
		"patient": {"/passport/" + oliverRef, "/passport/" + priyaRef, "/caseload", "/patients/" + ameliaRef,
			"/patients/" + ameliaRef + "/activation-letter", "/patients/new", "/people", "/admin", "/dashboard"},
		"carer": {"/passport/" + oliverRef, "/passport/" + priyaRef, "/passport", "/caseload", "/patients/" + ameliaRef,
			"/patients/new", "/admin", "/dashboard"},
		"nurse": {"/patients/" + priyaRef, "/patients/" + priyaRef + "/activation-letter", "/passport/" + ameliaRef,
			"/passport", "/people", "/admin", "/dashboard"},
		"admin":        {"/patients/" + ameliaRef, "/caseload", "/passport/" + ameliaRef, "/dashboard"},
		"commissioner": {"/patients/" + ameliaRef, "/caseload", "/passport/" + ameliaRef, "/admin"},
	}
	eachServer(t, func(t *testing.T, s *testServer) {
		for role, paths := range refusals {
			b := s.browser(t)
			b.signIn(role)
			for _, path := range paths {
				before := s.auditCount(models.AuditAccessRefused, "")
				r := b.get(path)
				if r.status != http.StatusForbidden {
					t.Errorf("%s GET %s answered %d; want 403", role, path, r.status)
					continue
				}
				mustContain(t, r, "You cannot see this page")
				if s.auditCount(models.AuditAccessRefused, "") != before+1 {
					t.Errorf("%s refused %s without an audit entry", role, path)
				}
			}
		}
	})
}

func TestRefusalAuditSaysWhoAndWhat(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("patient")
		mustStatus(t, b.get("/passport/"+oliverRef), http.StatusForbidden)
		var event models.AuditEvent
		s.db.Where("action = ?", models.AuditAccessRefused).Last(&event)
		patient, _ := s.store.UserByUsername("patient")
		if event.ActorID == nil || *event.ActorID != patient.ID || event.ActorRole != "patient" ||
			event.TargetID != oliverRef || event.IPAddress == "" || event.RequestID == "" {
			t.Errorf("refusal entry = %+v", event)
		}
	})
}

func TestNurseRefusedOtherPracticesChanges(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("nurse")
		codes := s.count(&models.ActivationCode{})
		mustStatus(t, b.post("/patients/"+priyaRef+"/activation-code", url.Values{}), http.StatusForbidden)
		if s.count(&models.ActivationCode{}) != codes {
			t.Error("a code was issued for another practice's patient")
		}
	})
}

func TestSignedOutPeopleAreSentToSignIn(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		for _, path := range []string{"/passport", "/passport/" + ameliaRef, "/people", "/caseload", "/patients/" + ameliaRef, "/admin", "/dashboard"} {
			if r := b.get(path); r.url != "/sign-in" || r.status != http.StatusOK {
				t.Errorf("signed-out GET %s ended at %s (%d)", path, r.url, r.status)
			}
		}
	})
}

func TestReadersSeeThePassportTheyMay(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		patient := s.browser(t)
		patient.signIn("patient")
		r := patient.get("/passport")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "My passport", "Asthma action plan",
			"nhsuk-card--care--non-urgent", "nhsuk-card--care--urgent", "nhsuk-card--care--emergency",
			"Green zone", "Amber zone", "Red zone", "Below 240", "Below 150",
			"Salbutamol 100 micrograms", "Sam Jones (Parent)", "07700 900456", "999 000 0018")

		carer := s.browser(t)
		carer.signIn("carer")
		r = carer.get("/people")
		mustContain(t, r, "Amelia Jones", "/passport/"+ameliaRef)
		if r := carer.get("/passport/" + ameliaRef); r.status != http.StatusOK {
			t.Fatalf("carer cannot open Amelia's passport: %d", r.status)
		} else {
			mustContain(t, r, "Amelia's passport", "nhsuk-card--care--emergency")
		}

		s.db.Model(&models.CarerLink{}).Where("patient_id IN (?)", s.db.Model(&models.Patient{}).Select("id").Where("ref = ?", ameliaRef)).
			Update("revoked_at", s.db.NowFunc())
		mustStatus(t, carer.get("/passport/"+ameliaRef), http.StatusForbidden)
	})
}
