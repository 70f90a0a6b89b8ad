package handlers_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// templateForm is a template's plan as the editor posts it: left as the
// template has it, or with every blank answered and every medicine named.
func templateForm(t *testing.T, template models.ConditionTemplate, filled bool, intent string) url.Values {
	t.Helper()
	content, err := template.Decode()
	if err != nil {
		t.Fatal(err)
	}
	plan := content.NewPlan()
	form := url.Values{"template": {fmt.Sprint(template.ID)}, "intent": {intent}, "medicine-rows": {fmt.Sprint(len(plan.Medicines) + 1)}}
	for _, zone := range plan.Zones {
		form.Set("zone-"+zone.Colour+"-title", zone.Title)
		form.Set("zone-"+zone.Colour+"-signs", strings.Join(zone.Signs, "\n"))
		form.Set("zone-"+zone.Colour+"-actions", strings.Join(zone.Actions, "\n"))
	}
	for i, m := range plan.Medicines {
		field := func(name string) string { return fmt.Sprintf("med-%d-%s", i, name) }
		form.Set(field("form"), m.Form)
		form.Set(field("purpose"), m.Purpose)
		form.Set(field("name"), m.Name)
		form.Set(field("dose"), m.Dose)
		form.Set(field("frequency"), m.Frequency)
		if filled {
			form.Set(field("name"), fmt.Sprintf("Named medicine %d", i+1))
			form.Set(field("dose"), "1 dose")
			form.Set(field("frequency"), "As the plan says")
		}
	}
	for i := range plan.Blanks {
		if filled {
			form.Set(fmt.Sprintf("blank-%d", i), fmt.Sprintf("filled answer %d", i))
		}
	}
	return form
}

// readerPages are every page a patient, a carer and a school see of
// Amelia's plans.
func readerPages(t *testing.T, s *testServer) []response {
	t.Helper()
	base := "/passport/" + ameliaRef
	var pages []response
	for _, username := range []string{"patient", "carer"} {
		b := s.browser(t)
		b.signIn(username)
		for _, path := range []string{"", "/emergency", "/emergency/print", "/print", "/readings", "/prescriptions"} {
			r := b.get(base + path)
			mustStatus(t, r, http.StatusOK)
			pages = append(pages, r)
		}
	}
	carer := s.browser(t)
	carer.signIn("carer")
	m := accessCode.FindStringSubmatch(carer.post(base+"/shares", url.Values{"recipient": {"Riverside Primary School"}, "days": {"7"}}).body)
	if m == nil {
		t.Fatal("no access code")
	}
	school := s.browser(t)
	school.post("/shared", ameliaDOB(m[1]))
	r := school.get("/shared/view")
	mustContain(t, r, "Emergency information for Amelia Jones")
	return append(pages, r)
}

// TestNoReaderSeesTemplateBlanks: a plan from any standard template, left
// as the template has it, stays a draft that patients, carers and schools
// never see; filled in, it publishes and they read the nurse's words with
// no blank left.
func TestNoReaderSeesTemplateBlanks(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse := s.browser(t)
		nurse.signIn("nurse")
		var blanks []models.Blank
		for _, key := range []string{"epilepsy", "type-1-diabetes", "anaphylaxis", "sickle-cell"} {
			template := s.template(t, key)
			content, _ := template.Decode()
			blanks = append(blanks, content.NewPlan().Blanks...)
			r := nurse.post("/patients/"+ameliaRef+"/plans", templateForm(t, template, false, models.VersionDraft))
			mustStatus(t, r, http.StatusOK)
			mustContain(t, r, template.Name+" plan", "Draft", "This plan is a draft that only staff can see", "To fill in before it can be published")
		}
		mustContain(t, nurse.get("/patients/"+ameliaRef), "Not published: patients, carers and schools cannot see it yet")
		for _, page := range readerPages(t, s) {
			body := html.UnescapeString(page.body)
			for _, condition := range []string{"Epilepsy", "Type 1 diabetes", "Anaphylaxis", "Sickle cell disorder"} {
				if strings.Contains(body, condition+" action plan") || strings.Contains(body, "<h2>"+condition+"</h2>") {
					t.Errorf("%s shows the draft %s plan", page.url, condition)
				}
			}
		}

		var plans []models.ActionPlan
		s.db.Where("patient_id = ? AND snomed_code <> ?", s.patient(t, ameliaRef).ID, models.SnomedAsthma).Find(&plans)
		for _, plan := range plans {
			var template models.ConditionTemplate
			s.db.First(&template, *plan.TemplateID)
			form := templateForm(t, template, true, models.VersionPublished)
			form.Set("base", "1")
			r := nurse.post(fmt.Sprintf("/patients/%s/plans/%d", ameliaRef, plan.ID), form)
			mustStatus(t, r, http.StatusOK)
			mustContain(t, r, "Version 2, saved by Alex Morgan", "Published")
		}
		for _, page := range readerPages(t, s) {
			body := html.UnescapeString(page.body)
			for _, blank := range blanks {
				if strings.Contains(body, blank.Label) {
					t.Errorf("%s shows the blank %q", page.url, blank.Label)
				}
				if i := strings.Index(body, blank.Lead); i >= 0 && !strings.HasPrefix(body[i+len(blank.Lead):], " filled answer") {
					t.Errorf("%s shows %q with no answer", page.url, blank.Lead)
				}
			}
		}
		r := s.browser(t)
		r.signIn("patient")
		mustContain(t, r.get("/passport/"+ameliaRef+"/emergency"), "Use my adrenaline auto-injector without delay: filled answer",
			"Anaphylaxis", "Named medicine 1")
	})
}

// TestPublishIsRefusedWithEveryProblemListed: publishing a plan left as
// the template has it is refused with one error for each blank and each
// missing medicine, keeps what was typed, and stores nothing.
func TestPublishIsRefusedWithEveryProblemListed(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse := s.browser(t)
		nurse.signIn("nurse")
		form := templateForm(t, s.template(t, "anaphylaxis"), false, models.VersionPublished)
		form.Set("blank-1", "EpiPen 300 micrograms")
		r := nurse.post("/patients/"+oliverRef+"/plans", form)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "There is a problem",
			`<a href="#blank-0">Enter what the person is allergic to</a>`,
			`<a href="#med-0-name">Add the adrenaline auto-injector to the medicines`,
			`value="EpiPen 300 micrograms"`, "For this person: what the person is allergic to")
		if strings.Contains(r.body, "Enter the auto-injector") {
			t.Error("an answered blank is listed as a problem")
		}
		if n := s.count(&models.ActionPlan{}); n != 1 {
			t.Errorf("%d plans; the refused one was stored", n)
		}

		// Saved as a draft, the same plan is kept; publishing it later is
		// refused in the same way until it is complete.
		form.Set("intent", models.VersionDraft)
		r = nurse.post("/patients/"+oliverRef+"/plans", form)
		mustStatus(t, r, http.StatusOK)
		m := planPath.FindStringSubmatch(r.url)
		if m == nil {
			t.Fatalf("saving a draft landed on %s", r.url)
		}
		edit := nurse.get(r.url + "/edit")
		mustContain(t, edit, `id="blank-0"`, "Use my adrenaline auto-injector without delay: EpiPen 300 micrograms")
		if strings.Contains(edit.body, `id="blank-1"`) {
			t.Error("an answered blank is asked again")
		}
		again := url.Values{"base": {"1"}, "intent": {models.VersionPublished}, "medicine-rows": {"1"}}
		for _, field := range []string{"zone-green-title", "zone-green-signs", "zone-green-actions", "zone-amber-title", "zone-amber-signs",
			"zone-amber-actions", "zone-red-title", "zone-red-signs", "zone-red-actions"} {
			again.Set(field, html.UnescapeString(textOf(edit.body, field)))
		}
		r = nurse.post(r.url, again)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, `<a href="#blank-0">Enter what the person is allergic to</a>`, "Add the adrenaline auto-injector to the medicines")
		var versions int64
		s.db.Model(&models.PlanVersion{}).Where("plan_id = ?", m[1]).Count(&versions)
		if versions != 1 {
			t.Errorf("%d versions; the refused publish was stored", versions)
		}
	})
}

// textOf is what an editor field holds: an input's value or a textarea's
// text.
func textOf(body, field string) string {
	if i := strings.Index(body, `name="`+field+`"`); i >= 0 {
		rest := body[i:]
		if j := strings.Index(rest, `value="`); j >= 0 && j < strings.Index(rest, ">") {
			rest = rest[j+len(`value="`):]
			return rest[:strings.Index(rest, `"`)]
		}
		rest = rest[strings.Index(rest, ">")+1:]
		return rest[:strings.Index(rest, "</textarea>")]
	}
	return ""
}

// startLiveServer serves a database created for real use, as behind HTTPS,
// with one practice, a nurse and a patient.
func startLiveServer(t *testing.T, db *gorm.DB) (*testServer, *browser, models.Patient) {
	t.Helper()
	cfg := app.Config{PublicURL: "https://passport.test"}
	if err := app.Prepare(db, cfg); err != nil {
		t.Fatal(err)
	}
	handler, err := app.Handler(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewTLSServer(handler)
	t.Cleanup(server.Close)
	s := &testServer{Server: server, db: db, store: store.NewStore(db)}

	practice := models.Organisation{Kind: models.OrganisationPractice, Name: "Live Practice", ODSCode: "Y99999"}
	db.Create(&practice)
	hash, err := models.HashPassword(t.Context(), demoPassword)
	if err != nil {
		t.Fatal(err)
	}
	nurse := models.User{Username: "nurse", PasswordHash: hash, Role: models.RoleNurse, DisplayName: "Kim Nurse"}
	db.Create(&nurse)
	db.Create(&models.Membership{UserID: nurse.ID, OrganisationID: practice.ID})
	patient := models.Patient{Ref: "livepatient000001", NHSNumber: "9990000042", GivenName: "Lee", FamilyName: "Live",
		DateOfBirth: time.Date(2010, time.June, 1, 0, 0, 0, 0, time.UTC), PracticeID: practice.ID}
	db.Create(&patient)

	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, server: s, client: &http.Client{Jar: jar, Transport: server.Client().Transport}}
	b.signIn("nurse")
	return s, b, patient
}

// TestUnapprovedTemplatesAreRefusedOutsideTheDemo: on a live database the
// nurse is offered only approved template versions, and a plan cannot be
// started from any other, by the editor or by a posted form.
func TestUnapprovedTemplatesAreRefusedOutsideTheDemo(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, nurse, patient := startLiveServer(t, db)
		anaphylaxis, asthma := s.template(t, "anaphylaxis"), s.template(t, "asthma")
		base := "/patients/" + patient.Ref + "/plans"
		r := nurse.get(base + "/new")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "No condition template has been approved yet")

		r = nurse.get(fmt.Sprintf("%s/new?template=%d", base, anaphylaxis.ID))
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, `<a href="#template">Choose a template your clinical safety officer has approved</a>`)
		filled := templateForm(t, anaphylaxis, true, models.VersionPublished)
		mustStatus(t, nurse.post(base, filled), http.StatusUnprocessableEntity)
		if n := s.count(&models.ActionPlan{}); n != 0 {
			t.Fatalf("%d plans from an unapproved template", n)
		}

		if _, err := s.store.ApproveTemplate(t.Context(), "anaphylaxis", anaphylaxis.Version, "Dr Ada Okafor"); err != nil {
			t.Fatal(err)
		}
		r = nurse.get(base + "/new")
		mustContain(t, r, "Anaphylaxis")
		if strings.Contains(r.body, "Asthma") || strings.Contains(r.body, "Draft, not clinically approved") {
			t.Error("an unapproved template is offered on a live database")
		}
		mustContain(t, nurse.get(fmt.Sprintf("%s/new?template=%d", base, anaphylaxis.ID)), "Write the anaphylaxis plan")
		if strings.Contains(nurse.get(fmt.Sprintf("%s/new?template=%d", base, anaphylaxis.ID)).body, "Draft, not clinically approved") {
			t.Error("an approved template is called a draft")
		}
		mustStatus(t, nurse.post(base, templateForm(t, asthma, true, models.VersionPublished)), http.StatusUnprocessableEntity)
		r = nurse.post(base, filled)
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Anaphylaxis plan", "Published")
	})
}

// TestRedCheckInAnswersReachTheRedZone: a yes to a red-zone sign gives a
// red result with the emergency steps and an alert, however the other
// questions are answered.
func TestRedCheckInAnswersReachTheRedZone(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", s.patient(t, ameliaRef).ID)
		b := s.browser(t)
		b.signIn("patient")
		alerts := s.count(&models.Alert{})
		r := b.post("/passport/"+ameliaRef+"/readings/symptoms", url.Values{"plan": {fmt.Sprint(plan.ID)},
			"q0": {"no"}, "q1": {"no"}, "q2": {"no"}, "q3": {"yes"}, "unplanned-care": {"none"}, "rcp0": {"no"}, "rcp1": {"no"}, "rcp2": {"no"}})
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Red zone: get help now", "app-zone--red", "Call 999 if I do not feel better", "Your clinic has been told",
			`href="tel:999">Call 999</a>`, `href="tel:111">Call 111</a>`)
		var reading models.Reading
		s.db.Order("id DESC").First(&reading)
		if reading.Zone != models.ZoneRed || s.count(&models.Alert{}) != alerts+1 {
			t.Errorf("reading in the %s zone; %d new alerts", reading.Zone, s.count(&models.Alert{})-alerts)
		}
	})
}

// TestRedReadingsOfADayRaiseOneAlert: six red readings sent at the same
// instant raise one open alert that counts six, and the nurse's queue says
// so; once acknowledged, the next red reading raises a new one.
func TestRedReadingsOfADayRaiseOneAlert(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		amelia := s.patient(t, ameliaRef)
		before := s.count(&models.Alert{})
		browsers := make([]*browser, 6)
		for i := range browsers {
			browsers[i] = s.browser(t)
			browsers[i].signIn("patient")
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		statuses := make([]int, len(browsers))
		for i, b := range browsers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				token := b.csrfToken()
				<-start
				statuses[i] = b.postRaw("/passport/"+ameliaRef+"/readings/peak-flow", url.Values{"litres": {"100"}, "csrf_token": {token}}).status
			}()
		}
		close(start)
		wg.Wait()
		for i, status := range statuses {
			if status != http.StatusOK {
				t.Errorf("reading %d answered %d", i, status)
			}
		}
		var open []models.Alert
		s.db.Where("patient_id = ? AND raised_on = ? AND status = ?", amelia.ID, models.UKDay(time.Now()), models.AlertOpen).Find(&open)
		if len(open) != 1 || open[0].ReadingCount != 6 || s.count(&models.Alert{}) != before+1 {
			t.Fatalf("open alerts today: %+v; %d new alerts", open, s.count(&models.Alert{})-before)
		}
		nurse := s.browser(t)
		nurse.signIn("nurse")
		mustContain(t, nurse.get("/queues/alerts"), "6 red-zone readings that day. The latest: peak flow 100 litres a minute")

		mustStatus(t, nurse.post(fmt.Sprintf("/queues/alerts/%d", open[0].ID), url.Values{fmt.Sprintf("note-%d", open[0].ID): {"Phoned: feeling better"}}), http.StatusOK)
		browsers[0].post("/passport/"+ameliaRef+"/readings/peak-flow", url.Values{"litres": {"100"}})
		if s.count(&models.Alert{}) != before+2 {
			t.Error("a red reading after the alert was acknowledged raised no new alert")
		}
	})
}

// TestReadersAreToldWhenAPlanIsNotClinicallyApproved: every page a patient,
// carer or school reads says when a plan comes from a template no clinical
// safety officer has approved, as the demo's do, and stops saying so once
// that template version is approved.
func TestReadersAreToldWhenAPlanIsNotClinicallyApproved(t *testing.T) {
	const notice = "Example plan, not clinically approved"
	eachServer(t, func(t *testing.T, s *testServer) {
		for _, page := range readerPages(t, s) {
			if page.url == "/passport/"+ameliaRef+"/readings" || page.url == "/passport/"+ameliaRef+"/prescriptions" {
				continue // these show no plan
			}
			mustContain(t, page, notice)
		}
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = (?)", s.db.Model(&models.Patient{}).Select("id").Where("ref = ?", ameliaRef))
		var template models.ConditionTemplate
		s.db.First(&template, plan.TemplateID)
		if _, err := s.store.ApproveTemplate(t.Context(), template.Key, template.Version, "Dr Ada Okafor"); err != nil {
			t.Fatal(err)
		}
		for _, page := range readerPages(t, s) {
			if strings.Contains(page.body, notice) {
				t.Errorf("%s still says the plan is not approved", page.url)
			}
		}
	})
}
