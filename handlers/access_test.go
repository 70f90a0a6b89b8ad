package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

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

// TestAPassportPageWithoutItsPassportIsNotFound: "/passport/readings",
// typed without the passport's reference, is a page that does not exist,
// not a refusal of someone else's record.
func TestAPassportPageWithoutItsPassportIsNotFound(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		for _, username := range []string{"patient", "carer"} {
			b := s.browser(t)
			b.signIn(username)
			for _, path := range []string{"/passport/readings", "/passport/emergency", "/passport/seen", "/passport/readings/peak-flow"} {
				r := b.get(path)
				mustStatus(t, r, http.StatusNotFound)
				mustContain(t, r, "Page not found")
			}
			mustStatus(t, b.get("/passport/"+oliverRef), http.StatusForbidden)
		}
	})
}

func TestRefusalAuditSaysWhoAndWhat(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("patient")
		mustStatus(t, b.get("/passport/"+oliverRef), http.StatusForbidden)
		s.chainWaitingAudit()
		var event models.AuditEvent
		s.db.Where("action = ?", models.AuditAccessRefused).Last(&event)
		patient, _ := s.store.UserByUsername(t.Context(), "patient")
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
			"app-zone--green", "app-zone--amber", "app-zone--red",
			"Green zone", "Amber zone", "Red zone", "Below 240", "Below 150",
			"Salbutamol 100 micrograms", "Sam Jones (Parent)", "07700 900456", "999 000 0018")

		carer := s.browser(t)
		carer.signIn("carer")
		r = carer.get("/people")
		mustContain(t, r, "Amelia Jones", "/passport/"+ameliaRef)
		if r := carer.get("/passport/" + ameliaRef); r.status != http.StatusOK {
			t.Fatalf("carer cannot open Amelia's passport: %d", r.status)
		} else {
			mustContain(t, r, "Amelia's passport", "app-zone--red")
		}

		s.db.Model(&models.CarerLink{}).Where("patient_id IN (?)", s.db.Model(&models.Patient{}).Select("id").Where("ref = ?", ameliaRef)).
			Update("revoked_at", s.db.NowFunc())
		mustStatus(t, carer.get("/passport/"+ameliaRef), http.StatusForbidden)
	})
}

// nurseRoutes is every route that reads or changes one patient's record.
func nurseRoutes(s *testServer, t *testing.T, ref string) (gets, posts []string) {
	patient := s.patient(t, ref)
	var plan models.ActionPlan
	s.db.Where("patient_id = ?", patient.ID).First(&plan)
	var link models.CarerLink
	s.db.Where("patient_id = ?", patient.ID).First(&link)
	p := "/patients/" + ref
	gets = []string{p, p + "/details", p + "/reviews/new", p + "/carers/new", p + "/activation-letter", p + "/plans/new",
		fmt.Sprintf("%s/plans/%d", p, plan.ID), fmt.Sprintf("%s/plans/%d/edit", p, plan.ID),
		fmt.Sprintf("%s/plans/%d/compare?from=1&to=1", p, plan.ID), fmt.Sprintf("%s/carers/%d/letter", p, link.ID)}
	posts = []string{p + "/details", p + "/reviews", p + "/carers", p + "/activation-code", p + "/plans",
		fmt.Sprintf("%s/plans/%d", p, plan.ID), fmt.Sprintf("%s/carers/%d/revoke", p, link.ID),
		fmt.Sprintf("%s/carers/%d/activation-code", p, link.ID)}
	return gets, posts
}

// TestEveryNurseRouteRefusesThoseWhoMustNotUseIt: a nurse of another
// practice, a patient, a carer, an administrator and a commissioner are each
// refused every nurse route for a patient they must not see, and nothing
// changes.
func TestEveryNurseRouteRefusesThoseWhoMustNotUseIt(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		// Give Priya (Hillside) a plan and a carer, so every route has a target.
		priya := s.patient(t, priyaRef)
		nurse, _ := s.store.UserByUsername(t.Context(), "nurse")
		carer, _ := s.store.UserByUsername(t.Context(), "carer")
		plan := models.ActionPlan{PatientID: priya.ID, ConditionName: "Asthma", SnomedCode: models.SnomedAsthma, CreatedAt: time.Now()}
		s.db.Create(&plan)
		s.db.Create(&models.PlanVersion{PlanID: plan.ID, Number: 1, AuthorID: nurse.ID, Content: "{}", CreatedAt: time.Now()})
		s.db.Create(&models.CarerLink{CarerID: carer.ID, PatientID: priya.ID, Relationship: "Friend", Permission: "view", CreatedAt: time.Now()})
		before := map[string]int64{"patients": s.count(&models.Patient{}), "versions": s.count(&models.PlanVersion{}),
			"links": s.count(&models.CarerLink{}), "codes": s.count(&models.ActivationCode{}), "reviews": s.count(&models.Review{})}

		cases := map[string]string{"nurse": priyaRef, "patient": ameliaRef, "carer": ameliaRef, "admin": ameliaRef, "commissioner": ameliaRef}
		for role, ref := range cases {
			b := s.browser(t)
			b.signIn(role)
			gets, posts := nurseRoutes(s, t, ref)
			for _, path := range gets {
				if r := b.get(path); r.status != http.StatusForbidden {
					t.Errorf("%s GET %s answered %d; want 403", role, path, r.status)
				}
			}
			for _, path := range posts {
				refused := s.auditCount(models.AuditAccessRefused, "")
				if r := b.post(path, url.Values{"who": {"new"}, "carer-name": {"X"}, "relationship": {"Friend"}, "permission": {"act"}}); r.status != http.StatusForbidden {
					t.Errorf("%s POST %s answered %d; want 403", role, path, r.status)
				}
				if s.auditCount(models.AuditAccessRefused, "") != refused+1 {
					t.Errorf("%s POST %s refused without an audit entry", role, path)
				}
			}
		}
		after := map[string]int64{"patients": s.count(&models.Patient{}), "versions": s.count(&models.PlanVersion{}),
			"links": s.count(&models.CarerLink{}), "codes": s.count(&models.ActivationCode{}), "reviews": s.count(&models.Review{})}
		for k := range before {
			if before[k] != after[k] {
				t.Errorf("refused requests changed %s: %d then %d", k, before[k], after[k])
			}
		}
	})
}
