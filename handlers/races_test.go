package handlers_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/modelstest"

	"gorm.io/gorm"
)

// sameMoment is how many identical requests a race test sends at once.
const sameMoment = 10

// submission is one form a browser posts.
type submission struct {
	browser *browser
	path    string
	form    url.Values
}

// atOnce posts every submission at the same instant: each request waits,
// fully prepared, until a barrier releases them all together. Redirects are
// not followed, so a saved form answers 303 itself.
func atOnce(t *testing.T, submissions ...submission) []response {
	t.Helper()
	requests := make([]*http.Request, len(submissions))
	clients := make([]*http.Client, len(submissions))
	for i, sub := range submissions {
		form := url.Values{}
		for name, values := range sub.form {
			form[name] = values
		}
		form.Set("csrf_token", sub.browser.csrfToken())
		requests[i], _ = http.NewRequest(http.MethodPost, sub.browser.server.URL+sub.path, strings.NewReader(form.Encode()))
		requests[i].Header.Set("Content-Type", "application/x-www-form-urlencoded")
		clients[i] = &http.Client{Jar: sub.browser.client.Jar, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	responses := make([]response, len(submissions))
	failures := make([]error, len(submissions))
	release := make(chan struct{})
	var done sync.WaitGroup
	for i := range submissions {
		done.Go(func() {
			<-release
			res, err := clients[i].Do(requests[i])
			if err != nil {
				failures[i] = err
				return
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			responses[i] = response{status: res.StatusCode, header: res.Header, body: string(body), url: requests[i].URL.Path}
		})
	}
	close(release)
	done.Wait()
	for _, err := range failures {
		if err != nil {
			t.Fatal(err)
		}
	}
	return responses
}

// repeated is the same submission sent n times.
func repeated(n int, sub submission) []submission {
	subs := make([]submission, n)
	for i := range subs {
		subs[i] = sub
	}
	return subs
}

// mustWinOnce checks that exactly one of the simultaneous answers is the
// redirect of a saved form and every other one is the refused page with
// the given status and message.
func mustWinOnce(t *testing.T, responses []response, refused int, message string) {
	t.Helper()
	tally := map[int]int{}
	for _, r := range responses {
		tally[r.status]++
		if r.status == refused {
			mustContain(t, r, message)
		}
	}
	if tally[http.StatusSeeOther] != 1 || tally[refused] != len(responses)-1 {
		t.Errorf("%d simultaneous requests answered %v; want one %d and the rest %d", len(responses), tally, http.StatusSeeOther, refused)
	}
}

func (s *testServer) countWhere(model any, query string, args ...any) int64 {
	var n int64
	if err := s.db.Model(model).Where(query, args...).Count(&n).Error; err != nil {
		panic(err)
	}
	return n
}

// TestSimultaneousPlanSavesMakeOneVersion has two nurses save from the same
// version at the same instant, again and again: each time one save makes
// the next version and the other is shown the conflict page.
func TestSimultaneousPlanSavesMakeOneVersion(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		hash, _ := models.HashPassword(t.Context(), demoPassword)
		s.db.Create(&models.User{Username: "nurse2", PasswordHash: hash, Role: models.RoleNurse, DisplayName: "Bea Okoye"})
		nurse, _ := s.store.UserByUsername(t.Context(), "nurse")
		bea, _ := s.store.UserByUsername(t.Context(), "nurse2")
		var membership models.Membership
		s.db.First(&membership, "user_id = ?", nurse.ID)
		s.db.Create(&models.Membership{UserID: bea.ID, OrganisationID: membership.OrganisationID})
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", s.patient(t, ameliaRef).ID)
		path := fmt.Sprintf("/patients/%s/plans/%d", ameliaRef, plan.ID)

		alexBrowser, beaBrowser := s.browser(t), s.browser(t)
		alexBrowser.signIn("nurse")
		beaBrowser.signIn("nurse2")
		const pairs = 20
		savedTwice := 0
		for range pairs {
			var latest models.PlanVersion
			if err := s.db.Where("plan_id = ?", plan.ID).Order("number DESC").First(&latest).Error; err != nil {
				t.Fatal(err)
			}
			base := fmt.Sprint(latest.Number)
			alexForm, beaForm := asthmaPlan("300"), asthmaPlan("310")
			alexForm.Set("base", base)
			beaForm.Set("base", base)
			// Each pair changes the plan, so neither save is one of no change.
			alexForm.Set("zone-green-title", "Alex's version "+base)
			beaForm.Set("zone-green-title", "Bea's version "+base)
			responses := atOnce(t, submission{alexBrowser, path, alexForm}, submission{beaBrowser, path, beaForm})
			if responses[0].status == http.StatusSeeOther && responses[1].status == http.StatusSeeOther {
				savedTwice++
				continue
			}
			mustWinOnce(t, responses, http.StatusConflict, "while you were editing. Your changes have not been saved")
		}
		if savedTwice > 0 {
			t.Errorf("%d of %d simultaneous pairs were both saved from the same version", savedTwice, pairs)
		}
		if versions := s.countWhere(&models.PlanVersion{}, "plan_id = ?", plan.ID); versions != pairs+1 {
			t.Errorf("%d versions after %d pairs of saves; want %d", versions, pairs, pairs+1)
		}
	})
}

// TestSimultaneousCarerLinksMakeOneLink links the same carer ten times at
// once: one active link is made, so revoking it ends the carer's access.
func TestSimultaneousCarerLinksMakeOneLink(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse := s.browser(t)
		nurse.signIn("nurse")
		link := url.Values{"who": {"existing"}, "username": {"carer"}, "relationship": {"Parent"}, "permission": {"view"}}
		responses := atOnce(t, repeated(sameMoment, submission{nurse, "/patients/" + oliverRef + "/carers", link})...)
		mustWinOnce(t, responses, http.StatusUnprocessableEntity, "That carer is already linked to Oliver")
		carer, _ := s.store.UserByUsername(t.Context(), "carer")
		oliver := s.patient(t, oliverRef)
		if links := s.countWhere(&models.CarerLink{}, "carer_id = ? AND patient_id = ? AND revoked_at IS NULL", carer.ID, oliver.ID); links != 1 {
			t.Errorf("%d active links of one carer to one patient; want 1", links)
		}
	})
}

// TestSimultaneousNewPlansMakeOnePlan starts the same condition's plan ten
// times at once: the patient gets one plan for the condition.
func TestSimultaneousNewPlansMakeOnePlan(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		asthma := s.template(t, "asthma")
		nurse := s.browser(t)
		nurse.signIn("nurse")
		form := asthmaPlan("400")
		form.Set("template", fmt.Sprint(asthma.ID))
		responses := atOnce(t, repeated(sameMoment, submission{nurse, "/patients/" + oliverRef + "/plans", form})...)
		mustWinOnce(t, responses, http.StatusConflict, "Oliver Smith already has a plan for asthma. Edit that plan instead")
		if plans := s.countWhere(&models.ActionPlan{}, "patient_id = ? AND snomed_code = ?", s.patient(t, oliverRef).ID, asthma.SnomedCode); plans != 1 {
			t.Errorf("%d asthma plans for one patient; want 1", plans)
		}
	})
}

// TestSimultaneousPrescriptionRequestsMakeOneRequest asks for the same
// medicine ten times at once: one request is open.
func TestSimultaneousPrescriptionRequestsMakeOneRequest(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		amelia := s.patient(t, ameliaRef)
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", amelia.ID)
		patient := s.browser(t)
		patient.signIn("patient")
		ask := url.Values{"medicine": {fmt.Sprintf("%d:Clenil Modulite 100 micrograms", plan.ID)}}
		responses := atOnce(t, repeated(sameMoment, submission{patient, "/passport/" + ameliaRef + "/prescriptions", ask})...)
		mustWinOnce(t, responses, http.StatusConflict, "You have already asked for Clenil Modulite 100 micrograms")
		if open := s.countWhere(&models.PrescriptionRequest{}, "patient_id = ? AND medicine = ? AND status IN ?", amelia.ID,
			"Clenil Modulite 100 micrograms", []string{models.RequestRequested, models.RequestApproved}); open != 1 {
			t.Errorf("%d open requests for one medicine; want 1", open)
		}
	})
}

// TestSimultaneousFeedbackIsStoredOnce sends the same feedback ten times at
// once: one is kept for the month.
func TestSimultaneousFeedbackIsStoredOnce(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		patient := s.browser(t)
		patient.signIn("patient")
		feedback := url.Values{"score": {"4"}, "comment": {"Quick to find my plan."}}
		responses := atOnce(t, repeated(sameMoment, submission{patient, "/feedback", feedback})...)
		mustWinOnce(t, responses, http.StatusConflict, "Thank you. You told us what you think on")
		if stored := s.count(&models.Feedback{}); stored != 1 {
			t.Errorf("%d feedback entries from one person in a month; want 1", stored)
		}
	})
}

// TestSimultaneousRegistrationsMakeOnePatient registers the same NHS number
// ten times at once: one patient is registered.
func TestSimultaneousRegistrationsMakeOnePatient(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse := s.browser(t)
		nurse.signIn("nurse")
		register := registration("999 000 0042", "Nia", "Okafor", "3", "2", "2001")
		responses := atOnce(t, repeated(sameMoment, submission{nurse, "/patients/new", register})...)
		mustWinOnce(t, responses, http.StatusUnprocessableEntity, "Nia Okafor is already registered with this NHS number")
		if patients := s.countWhere(&models.Patient{}, "nhs_number = ?", "9990000042"); patients != 1 {
			t.Errorf("%d patients with one NHS number; want 1", patients)
		}
	})
}

// TestSimultaneousActivationsTakeAUsernameOnce has ten people set up their
// accounts with the same username at once: one gets it, the others are
// asked to choose another.
func TestSimultaneousActivationsTakeAUsernameOnce(t *testing.T) {
	// Each activation hashes its password: on both databases at once they
	// would wait for one another's hashes too, and could be told the
	// service is busy.
	modelstest.EachInTurn(t, func(t *testing.T, db *gorm.DB) {
		s := startServer(t, db, app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: "http://passport.test"})
		nurse, _ := s.store.UserByUsername(t.Context(), "nurse")
		var membership models.Membership
		s.db.First(&membership, "user_id = ?", nurse.ID)
		actor := models.Actor{UserID: nurse.ID, Role: nurse.Role}
		birthday := time.Date(2001, 2, 3, 0, 0, 0, 0, time.UTC)
		var people []submission
		for i := range sameMoment {
			_, code, err := s.store.RegisterPatient(t.Context(), actor, models.NewPatient{NHSNumber: nhsNumberFor(i), GivenName: "Nia",
				FamilyName: fmt.Sprint("Okafor ", i), DateOfBirth: birthday, PracticeID: membership.OrganisationID})
			if err != nil {
				t.Fatal(err)
			}
			person := s.browser(t)
			r := person.post("/activate", url.Values{"code": {code}, "dob-day": {"3"}, "dob-month": {"2"}, "dob-year": {"2001"}})
			if r.url != "/activate/account" {
				t.Fatalf("activation landed on %s", r.url)
			}
			people = append(people, submission{person, "/activate/account", url.Values{"username": {"nia.o"}, "password": {"purple kettle garden"}}})
		}
		responses := atOnce(t, people...)
		mustWinOnce(t, responses, http.StatusUnprocessableEntity, "That username is taken")
		if accounts := s.countWhere(&models.User{}, "username = ?", "nia.o"); accounts != 1 {
			t.Errorf("%d accounts with one username; want 1", accounts)
		}
	})
}

// nhsNumberFor makes the i-th valid test NHS number in the 999 range, which
// is never issued to a real person.
func nhsNumberFor(i int) string {
	for n := 999_100_000 + i*100; ; n++ {
		digits := fmt.Sprint(n)
		sum := 0
		for j, d := range digits {
			sum += int(d-'0') * (10 - j)
		}
		if check := (11 - sum%11) % 11; check != 10 {
			return digits + fmt.Sprint(check)
		}
	}
}
