package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
)

func TestPatientRecordShowsEverythingAndIsAudited(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("nurse")
		r := b.get("/patients/" + ameliaRef)
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Amelia Jones", "999 000 0018", "Millie", "Riverside Health Centre", "Asthma", "Version 1",
			"Salbutamol 100 micrograms: Waiting for a decision", "Sam Jones", "Parent, you can view and act", "Peak flow 140", "Red zone",
			"Record a review", "Link a carer", "Change details", "Activity")
		// Each tag stands apart from the words before it, here and on the
		// plan's page, and the readings are named once, by their heading.
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", s.patient(t, ameliaRef).ID)
		history := b.get(fmt.Sprintf("/patients/%s/plans/%d", ameliaRef, plan.ID))
		for _, page := range []response{r, history} {
			if regexp.MustCompile(`[^\s>]<strong class="nhsuk-tag`).MatchString(page.body) {
				t.Errorf("%s: a tag runs into the words before it", page.url)
			}
		}
		if n := strings.Count(r.body, "Recent readings"); n != 1 {
			t.Errorf("the record says Recent readings %d times", n)
		}
		if s.auditCount(models.AuditPatientViewed, ameliaRef) != 1 {
			t.Error("viewing the record was not audited")
		}
	})
}

func TestEditDetails(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("nurse")
		path := "/patients/" + oliverRef + "/details"
		mustContain(t, b.get(path), "Change details", "Riverside Health Centre")
		bad := url.Values{"phone": {"call me"}, "email": {"not an email"}, "preferred-name": {strings.Repeat("Olly", 100)},
			"allergies": {strings.Repeat("nuts ", 300)}, "practice": {"999"}}
		r := b.post(path, bad)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		for _, field := range []string{"phone", "email", "preferred-name", "allergies", "practice"} {
			mustContain(t, r, `href="#`+field+`"`)
		}
		mustContain(t, r, `value="call me"`, `value="not an email"`)
		before := s.patient(t, oliverRef)
		if before.Phone != "" || before.Email != "" {
			t.Fatal("refused details were stored")
		}
		practice := fmt.Sprint(before.PracticeID)
		r = b.post(path, url.Values{"phone": {"07700 900 982"}, "email": {"oliver@example.com"}, "preferred-name": {"Olly"},
			"communication-needs": {"Prefers phone calls"}, "allergies": {"Penicillin"}, "practice": {practice}})
		mustContain(t, r, "07700 900 982", "oliver@example.com", "Olly", "Penicillin")
		if s.auditCount("patient.updated", oliverRef) != 1 {
			t.Error("the change was not audited")
		}
		// A practice the nurse does not work at is refused.
		var hillside models.Organisation
		s.db.First(&hillside, "ods_code = ?", "Y90002")
		mustStatus(t, b.post(path, url.Values{"practice": {fmt.Sprint(hillside.ID)}}), http.StatusUnprocessableEntity)
	})
}

func reviewForm(reviewed, next time.Time, outcome string) url.Values {
	return url.Values{"reviewed-on-day": {fmt.Sprint(reviewed.Day())}, "reviewed-on-month": {fmt.Sprint(int(reviewed.Month()))},
		"reviewed-on-year": {fmt.Sprint(reviewed.Year())}, "outcome": {outcome}, "notes": {"Inhaler technique checked."},
		"next-review-day": {fmt.Sprint(next.Day())}, "next-review-month": {fmt.Sprint(int(next.Month()))}, "next-review-year": {fmt.Sprint(next.Year())},
		"unplanned-care": {models.UnplannedNone}}
}

func TestRecordAReview(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("nurse")
		path := "/patients/" + oliverRef + "/reviews"
		today := time.Now()
		mustStatus(t, b.get(path+"/new"), http.StatusOK)
		bad := []url.Values{
			{},
			reviewForm(today.AddDate(0, 0, 3), today.AddDate(1, 0, 0), models.OutcomeNoChange), // reviewed in the future
			reviewForm(today, today.AddDate(0, 0, -1), models.OutcomeNoChange),                 // next review in the past
			reviewForm(today, today.AddDate(5, 0, 0), models.OutcomeNoChange),                  // next review too far
			reviewForm(today, today.AddDate(1, 0, 0), "<script>"),                              // no such outcome
		}
		for i, form := range bad {
			r := b.post(path, form)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("bad review %d answered %d", i, r.status)
			}
			mustContain(t, r, "There is a problem")
		}
		if s.count(&models.Review{}) != 0 {
			t.Fatal("a refused review was stored")
		}
		next := today.AddDate(1, 0, 0)
		r := b.post(path, reviewForm(today, next, models.OutcomePlanUpdated))
		mustContain(t, r, "Plan updated. Inhaler technique checked.", formatDate(next))
		oliver := s.patient(t, oliverRef)
		if oliver.NextReviewOn == nil || oliver.NextReviewOn.Format("2006-01-02") != next.Format("2006-01-02") {
			t.Errorf("next review = %v", oliver.NextReviewOn)
		}
		// Oliver was overdue; now he is not due.
		if r := b.get("/caseload?filter=review-due"); strings.Contains(r.body, "Smith, Oliver") {
			t.Error("a reviewed patient is still due")
		}
	})
}

func formatDate(t time.Time) string { return t.Format("2 January 2006") }

var letterCode = regexp.MustCompile(`id="activation-code">([A-Z0-9-]+)<`)

func TestLinkInviteAndRevokeCarers(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("nurse")
		path := "/patients/" + oliverRef + "/carers"
		mustStatus(t, b.get(path+"/new"), http.StatusOK)
		r := b.post(path, url.Values{})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, `href="#who-existing"`, `href="#relationship"`, `href="#permission-view"`)
		r = b.post(path, url.Values{"who": {"existing"}, "username": {"nobody"}, "relationship": {"Parent"}, "permission": {"view"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "There is no carer account with that username", `value="nobody"`)
		r = b.post(path, url.Values{"who": {"existing"}, "username": {"nurse"}, "relationship": {"Parent"}, "permission": {"view"}})
		mustContain(t, r, "There is no carer account with that username") // staff are not carers
		r = b.post(path, url.Values{"who": {"new"}, "carer-name": {""}, "relationship": {"Friend"}, "permission": {"act"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)

		// The demo carer is linked to Oliver as well, view only.
		r = b.post(path, url.Values{"who": {"existing"}, "username": {"carer"}, "relationship": {"Other family member"}, "permission": {"view"}})
		mustContain(t, r, "Sam Jones", "Other family member, you can view")
		mustStatus(t, b.post(path, url.Values{"who": {"existing"}, "username": {"carer"}, "relationship": {"Parent"}, "permission": {"view"}}),
			http.StatusUnprocessableEntity)
		carer := s.browser(t)
		carer.signIn("carer")
		mustContain(t, carer.get("/people"), "Oliver Smith", "Amelia Jones")
		mustStatus(t, carer.get("/passport/"+oliverRef), http.StatusOK)

		// A new carer gets a letter, activates with Oliver's date of birth, and sees his passport.
		r = b.post(path, url.Values{"who": {"new"}, "carer-name": {"Grace Smith"}, "relationship": {"Partner"}, "permission": {"act"}})
		mustContain(t, r, "Dear Grace Smith", "linked you as a carer for Oliver Smith", "Oliver's date of birth")
		m := letterCode.FindStringSubmatch(r.body)
		if m == nil {
			t.Fatal("no code on the carer's letter")
		}
		grace := s.browser(t)
		r = grace.post("/activate", url.Values{"code": {m[1]}, "dob-day": {"30"}, "dob-month": {"10"}, "dob-year": {"1987"}})
		mustContain(t, r, "Hello Grace")
		r = grace.post("/activate/account", url.Values{"username": {"grace.s"}, "password": {"lantern meadow river"}})
		if r.url != "/people" {
			t.Fatalf("the new carer landed on %s", r.url)
		}
		mustContain(t, r, "Oliver Smith")
		mustStatus(t, grace.get("/passport/"+ameliaRef), http.StatusForbidden)

		// Removing a carer ends their access at their next request.
		var link models.CarerLink
		graceUser, _ := s.store.UserByUsername(t.Context(), "grace.s")
		s.db.First(&link, "carer_id = ?", graceUser.ID)
		r = b.post(fmt.Sprintf("%s/%d/revoke", path, link.ID), url.Values{})
		// The banner and the activity still name her, for what was done.
		if strings.Contains(r.body, `<dt class="nhsuk-summary-list__key">Grace Smith</dt>`) {
			t.Error("a removed carer is still listed")
		}
		mustStatus(t, grace.get("/passport/"+oliverRef), http.StatusForbidden)
		if s.auditCount("carer.linked", "") != 1 || s.auditCount("carer.invited", "") != 1 || s.auditCount("carer.revoked", "") != 1 {
			t.Error("carer changes not audited")
		}
		mustStatus(t, b.post(fmt.Sprintf("%s/%d/revoke", path, link.ID), url.Values{}), http.StatusNotFound)
	})
}

func TestEditEmergencyAndClinicContacts(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("nurse")
		path := "/patients/" + ameliaRef + "/details"
		r := b.get(path)
		mustContain(t, r, `name="emergency-0-name"`, `value="Sam Jones"`, `value="Ruth Jones"`, `value="0113 496 0000"`)
		form := url.Values{"practice": {fmt.Sprint(s.patient(t, ameliaRef).PracticeID)},
			"emergency-0-name": {"Sam Jones"}, "emergency-0-relationship": {"Parent"}, "emergency-0-phone": {"07700 900 111"},
			"emergency-1-name": {""}, "emergency-1-relationship": {"Neighbour"}, "emergency-1-phone": {"999"},
			"clinic-0-name": {"Asthma nurse"}, "clinic-0-phone": {"0113 496 0000"}}
		r = b.post(path, form)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, `href="#emergency-1-name"`, `href="#emergency-1-phone"`, `value="Neighbour"`)
		form.Set("emergency-1-relationship", "")
		form.Set("emergency-1-phone", "")
		b.post(path, form)
		patient := s.browser(t)
		patient.signIn("patient")
		r = patient.get("/passport")
		mustContain(t, r, "Sam Jones (Parent)", "07700 900 111", "Asthma nurse")
		if strings.Contains(r.body, "Ruth Jones") {
			t.Error("a removed contact is still on the passport")
		}
	})
}
