package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"healthpassport/models"
)

var readingPath = regexp.MustCompile(`/passport/[a-z0-9]+/readings/(\d+)$`)

func TestRecordPeakFlowInEachZone(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("patient")
		base := "/passport/" + ameliaRef
		mustContain(t, b.get("/passport"), base+"/readings")
		mustContain(t, b.get(base+"/readings/peak-flow"), "Your best is 300. Below 240 is the amber zone. Below 150 is the red zone.")
		alerts := s.count(&models.Alert{})
		cases := []struct {
			litres string
			title  string
			steps  string
		}{
			{"280", "Green zone: keep going as you are", "Carry my reliever inhaler with me"},
			{"200", "Amber zone: your condition is getting worse", "Contact my GP or asthma nurse within 24 hours"},
			{"120", "Red zone: get help now", "Call 999 if I do not feel better"},
		}
		for _, tc := range cases {
			r := b.post(base+"/readings/peak-flow", url.Values{"litres": {tc.litres}})
			mustStatus(t, r, http.StatusOK)
			if !readingPath.MatchString(r.url) {
				t.Errorf("a %s reading landed on %s", tc.litres, r.url)
			}
			mustContain(t, r, tc.title, tc.steps, "You recorded "+tc.litres+" litres a minute")
		}
		if s.count(&models.Alert{}) != alerts+1 {
			t.Error("a red reading did not raise exactly one alert")
		}
		nurse := s.browser(t)
		nurse.signIn("nurse")
		mustContain(t, nurse.get("/queues/alerts"), "Peak flow 120 litres a minute, in the red zone")

		r := b.get(base + "/readings")
		mustContain(t, r, "<svg", "Red zone: below 150", "Amber zone: below 240", "120 litres a minute", "Amelia Jones",
			"in the red zone. Lowest 120")
	})
}

func TestPeakFlowRefusesBadNumbers(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("patient")
		path := "/passport/" + ameliaRef + "/readings/peak-flow"
		readings := s.count(&models.Reading{})
		for _, bad := range []string{"", "-50", "0", "5", "99999", "3e2", "two hundred", "<script>", "300.5", strings.Repeat("9", 40)} {
			r := b.post(path, url.Values{"litres": {bad}})
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%q answered %d", bad, r.status)
			}
			mustContain(t, r, "There is a problem", `href="#litres"`)
		}
		if s.count(&models.Reading{}) != readings {
			t.Error("a refused reading was stored")
		}
	})
}

func TestSymptomCheckIn(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", s.patient(t, ameliaRef).ID)
		b := s.browser(t)
		b.signIn("patient")
		base := "/passport/" + ameliaRef
		form := fmt.Sprintf("%s/readings/symptoms?plan=%d", base, plan.ID)
		mustContain(t, b.get(form), "Asthma check-in", "woken up at night")
		r := b.post(base+"/readings/symptoms", url.Values{"plan": {fmt.Sprint(plan.ID)}, "q0": {"no"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, `href="#q1-yes"`, `href="#q2-yes"`, `href="#q3-yes"`)
		r = b.post(base+"/readings/symptoms", url.Values{"plan": {fmt.Sprint(plan.ID)}, "q0": {"no"}, "q1": {"yes"}, "q2": {"no"}, "q3": {"no"}, "unplanned-care": {"none"}, "rcp0": {"no"}, "rcp1": {"no"}, "rcp2": {"no"}})
		mustContain(t, r, "Amber zone: your condition is getting worse")
		r = b.post(base+"/readings/symptoms", url.Values{"plan": {fmt.Sprint(plan.ID)}, "q0": {"no"}, "q1": {"no"}, "q2": {"no"}, "q3": {"no"}, "unplanned-care": {"none"}, "rcp0": {"no"}, "rcp1": {"no"}, "rcp2": {"no"}})
		mustContain(t, r, "Green zone")
		mustStatus(t, b.get(fmt.Sprintf("%s/readings/symptoms?plan=%d", base, plan.ID+999)), http.StatusNotFound)
	})
}

// TestCarersActOnlyWithPermission: a "view and act" carer records a reading
// that says who recorded it; a view-only carer sees readings but has no
// controls and the routes refuse them.
func TestCarersActOnlyWithPermission(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		base := "/passport/" + ameliaRef
		carer := s.browser(t)
		carer.signIn("carer")
		r := carer.get(base + "/readings")
		mustContain(t, r, "Amelia's readings", "Record a peak flow reading")
		r = carer.post(base+"/readings/peak-flow", url.Values{"litres": {"250"}})
		mustContain(t, r, "Green zone")
		mustContain(t, carer.get(base+"/readings"), "Sam Jones")
		var reading models.Reading
		s.db.Order("id DESC").First(&reading)
		carerUser, _ := s.store.UserByUsername(t.Context(), "carer")
		if reading.RecordedByID != carerUser.ID {
			t.Error("the reading does not say the carer recorded it")
		}
		var event models.AuditEvent
		s.db.Where("action = ?", "reading.recorded").Last(&event)
		if event.OnBehalfOf == nil || *event.ActorID != carerUser.ID {
			t.Errorf("audit entry %+v does not say who acted on whose behalf", event)
		}

		s.db.Model(&models.CarerLink{}).Where("carer_id = ?", carerUser.ID).Update("permission", models.PermissionView)
		r = carer.get(base + "/readings")
		mustStatus(t, r, http.StatusOK)
		if strings.Contains(r.body, "Record a peak flow reading") || strings.Contains(r.body, "Check in about") {
			t.Error("a view-only carer is offered controls")
		}
		readings := s.count(&models.Reading{})
		mustStatus(t, carer.get(base+"/readings/peak-flow"), http.StatusForbidden)
		mustStatus(t, carer.post(base+"/readings/peak-flow", url.Values{"litres": {"250"}}), http.StatusForbidden)
		if s.count(&models.Reading{}) != readings {
			t.Error("a view-only carer recorded a reading")
		}
	})
}

func TestReadingsRefusedForOtherPeople(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var amelias models.Reading
		s.db.First(&amelias)
		for _, role := range []string{"patient", "carer"} {
			b := s.browser(t)
			b.signIn(role)
			for _, path := range []string{"/passport/" + oliverRef + "/readings", "/passport/" + priyaRef + "/readings/peak-flow",
				fmt.Sprintf("/passport/%s/readings/%d", oliverRef, amelias.ID)} {
				mustStatus(t, b.get(path), http.StatusForbidden)
			}
			mustStatus(t, b.post("/passport/"+oliverRef+"/readings/peak-flow", url.Values{"litres": {"100"}}), http.StatusForbidden)
		}
		for _, role := range []string{"nurse", "admin", "commissioner"} {
			b := s.browser(t)
			b.signIn(role)
			mustStatus(t, b.get("/passport/"+ameliaRef+"/readings"), http.StatusForbidden)
			mustStatus(t, b.post("/passport/"+ameliaRef+"/readings/peak-flow", url.Values{"litres": {"100"}}), http.StatusForbidden)
		}
	})
}
