package handlers_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"healthpassport/models"
)

func (s *testServer) template(t *testing.T, key string) models.ConditionTemplate {
	t.Helper()
	var template models.ConditionTemplate
	if err := s.db.Where("key = ?", key).Order("version DESC").First(&template).Error; err != nil {
		t.Fatal(err)
	}
	return template
}

// asthmaPlan is a complete, valid asthma plan as the editor posts it.
func asthmaPlan(best string) url.Values {
	form := url.Values{"peak-best": {best}, "peak-amber": {""}, "peak-red": {""}, "medicine-rows": {"3"},
		"med-0-name": {"Clenil Modulite 100 micrograms"}, "med-0-form": {"Inhaler (brown)"}, "med-0-dose": {"2 puffs"},
		"med-0-frequency": {"Morning and evening"}, "med-0-purpose": {"Preventer"},
		"med-1-name": {"Salbutamol 100 micrograms"}, "med-1-dose": {"2 puffs"}, "med-1-frequency": {"When needed"}, "med-1-purpose": {"Reliever"},
		"intent": {models.VersionPublished}}
	for _, colour := range []string{"green", "amber", "red"} {
		form.Set("zone-"+colour+"-title", colour+" title")
		form.Set("zone-"+colour+"-signs", "My peak flow is below {"+map[string]string{"green": "amber", "amber": "amber", "red": "red"}[colour]+"}")
		form.Set("zone-"+colour+"-actions", "First step\nSecond step")
	}
	return form
}

var planPath = regexp.MustCompile(`/patients/[a-z0-9]+/plans/(\d+)$`)

func TestWriteEditAndCompareAPlan(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		asthma := s.template(t, "asthma")
		b := s.browser(t)
		b.signIn("nurse")
		r := b.get("/patients/" + oliverRef + "/plans/new")
		mustContain(t, r, "Add a condition", "Asthma", "Epilepsy", "Type 1 diabetes", "Anaphylaxis", "Sickle cell disorder", "Draft, not clinically approved")
		r = b.get(fmt.Sprintf("/patients/%s/plans/new?template=%d", oliverRef, asthma.ID))
		mustContain(t, r, "Write the asthma plan", "Draft, not clinically approved", `value="When my asthma gets worse"`, "Best peak flow")

		form := asthmaPlan("400")
		form.Set("template", fmt.Sprint(asthma.ID))
		r = b.post("/patients/"+oliverRef+"/plans", form)
		mustStatus(t, r, http.StatusOK)
		m := planPath.FindStringSubmatch(r.url)
		if m == nil {
			t.Fatalf("saving a new plan landed on %s", r.url)
		}
		mustContain(t, r, "Version 1, saved by Alex Morgan", "My best peak flow is 400", "Below 320", "Below 200", "My peak flow is below 200")
		edit := r.url + "/edit"

		r = b.get(edit)
		mustContain(t, r, `name="base" value="1"`, `value="400"`, "80% of 400 is 320", "Salbutamol 100 micrograms")
		if strings.Contains(r.body, `value="320"`) {
			t.Error("a derived threshold is filled in as if the nurse had set it")
		}
		form = asthmaPlan("450")
		form.Set("base", "1")
		form.Set("peak-amber", "350")
		form.Set("zone-red-actions", "Call 999")
		r = b.post(r.url[:len(r.url)-len("/edit")], form)
		mustContain(t, r, "Version 2, saved by Alex Morgan", "Below 350")

		r = b.get(strings.TrimSuffix(edit, "/edit") + "/compare?from=1&to=2")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Compare versions 1 and 2", "Best peak flow", "400", "450", "Amber zone below", "Red zone what to do", "Call 999")
		if strings.Contains(r.body, "Green zone title") {
			t.Error("an unchanged field is listed as changed")
		}
		if s.auditCount("plan.created", "") != 1 || s.auditCount("plan.saved", "") != 1 {
			t.Error("plan changes not audited")
		}

		// The patient's own passport shows the newest version.
		var plan models.ActionPlan
		s.db.First(&plan, m[1])
		if plan.SnomedCode != models.SnomedAsthma || plan.TemplateID == nil || *plan.TemplateID != asthma.ID {
			t.Errorf("plan = %+v", plan)
		}
		form.Set("template", fmt.Sprint(asthma.ID))
		mustStatus(t, b.post("/patients/"+oliverRef+"/plans", form), http.StatusConflict)
	})
}

func TestPlanEditorRefusesBadInputAndStoresNothing(t *testing.T) {
	script := `<script>alert(1)</script>`
	cases := map[string]func(url.Values){
		"script everywhere": func(f url.Values) {
			for k := range f {
				if k != "template" && k != "medicine-rows" {
					f.Set(k, script)
				}
			}
		},
		"empty zone":            func(f url.Values) { f.Set("zone-red-title", ""); f.Set("zone-red-actions", " \n ") },
		"very long line":        func(f url.Values) { f.Set("zone-amber-signs", strings.Repeat("a", 301)) },
		"too many lines":        func(f url.Values) { f.Set("zone-green-actions", strings.Repeat("step\n", 21)) },
		"best too high":         func(f url.Values) { f.Set("peak-best", "5000") },
		"best not a number":     func(f url.Values) { f.Set("peak-best", "three hundred") },
		"best negative":         func(f url.Values) { f.Set("peak-best", "-300") },
		"amber above best":      func(f url.Values) { f.Set("peak-amber", "500") },
		"red above amber":       func(f url.Values) { f.Set("peak-red", "330") },
		"red far too low":       func(f url.Values) { f.Set("peak-red", "1") },
		"medicine with no name": func(f url.Values) { f.Set("med-2-dose", "1 tablet") },
	}
	eachServer(t, func(t *testing.T, s *testServer) {
		asthma := s.template(t, "asthma")
		b := s.browser(t)
		b.signIn("nurse")
		plans, versions := s.count(&models.ActionPlan{}), s.count(&models.PlanVersion{})
		for name, spoil := range cases {
			form := asthmaPlan("400")
			form.Set("template", fmt.Sprint(asthma.ID))
			spoil(form)
			r := b.post("/patients/"+oliverRef+"/plans", form)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: answered %d; want 422", name, r.status)
				continue
			}
			mustContain(t, r, "There is a problem", "Error: Write the asthma plan")
			if strings.Contains(r.body, script) {
				t.Errorf("%s: script sent back unescaped", name)
			}
			if v := form.Get("zone-amber-signs"); !strings.Contains(r.body, escapeAttr(v)) {
				t.Errorf("%s: what was typed was not kept", name)
			}
		}
		if s.count(&models.ActionPlan{}) != plans || s.count(&models.PlanVersion{}) != versions {
			t.Error("a refused plan stored something")
		}
	})
}

var (
	summaryLink = regexp.MustCompile(`<li><a href="#([^"]+)">`)
	fieldID     = regexp.MustCompile(`<(?:input|textarea|select)[^>]* id="([^"]+)"`)
)

// TestPlanErrorSummaryFollowsTheFieldsOrder: the error summary lists the
// problems in the order their fields come on the page, though the rules
// check the zones before the peak flow and each medicine's name and dose
// before its form.
func TestPlanErrorSummaryFollowsTheFieldsOrder(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		asthma := s.template(t, "asthma")
		b := s.browser(t)
		b.signIn("nurse")
		form := asthmaPlan("5000")
		form.Set("template", fmt.Sprint(asthma.ID))
		form.Set("zone-red-title", "")
		form.Set("zone-green-actions", strings.Repeat("step\n", 21))
		form.Set("med-0-form", strings.Repeat("a", 101))
		form.Set("med-0-dose", "")
		form.Set("med-2-frequency", "Daily")
		r := b.post("/patients/"+oliverRef+"/plans", form)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		var summary []string
		for _, m := range summaryLink.FindAllStringSubmatch(r.body, -1) {
			summary = append(summary, m[1])
		}
		if len(summary) < 6 {
			t.Fatalf("the summary lists %v; want at least six problems", summary)
		}
		position := map[string]int{}
		for i, m := range fieldID.FindAllStringSubmatch(r.body, -1) {
			if _, seen := position[m[1]]; !seen {
				position[m[1]] = i
			}
		}
		last := -1
		for _, field := range summary {
			at, ok := position[field]
			if !ok {
				t.Fatalf("the summary links to #%s, which is not a field on the page", field)
			}
			if at < last {
				t.Fatalf("the summary %v is not in the fields' order on the page", summary)
			}
			last = at
		}
	})
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)

// hiddenFields are the hidden inputs of a page, as its form would send them.
func hiddenFields(r response) url.Values {
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(r.body, -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return form
}

// TestConflictingEditsAreMergedFieldByField has two nurses edit the same
// version: the second sees what each changed, chooses where both changed
// the same field, and saves a version with both nurses' changes.
func TestConflictingEditsAreMergedFieldByField(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse, _ := s.store.UserByUsername(t.Context(), "nurse")
		second := models.User{Username: "nurse2", PasswordHash: nurse.PasswordHash, Role: models.RoleNurse, DisplayName: "Bea Okoye"}
		s.db.Create(&second)
		var membership models.Membership
		s.db.First(&membership, "user_id = ?", nurse.ID)
		s.db.Create(&models.Membership{UserID: second.ID, OrganisationID: membership.OrganisationID})
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", s.patient(t, ameliaRef).ID)
		path := fmt.Sprintf("/patients/%s/plans/%d", ameliaRef, plan.ID)
		alex, bea := s.browser(t), s.browser(t)
		alex.signIn("nurse")
		bea.signIn("nurse2")
		start := asthmaPlan("300")
		start.Set("base", "1")
		mustContain(t, alex.post(path, start), "Version 2, saved by Alex Morgan")

		alexEdit, beaEdit := asthmaPlan("300"), asthmaPlan("300")
		alexEdit.Set("base", "2")
		alexEdit.Set("zone-green-title", "Alex's green")
		alexEdit.Set("zone-red-title", "Alex's red")
		beaEdit.Set("base", "2")
		beaEdit.Set("zone-amber-title", "Bea's amber")
		beaEdit.Set("zone-red-title", "Bea's red")
		mustContain(t, alex.post(path, alexEdit), "Version 3, saved by Alex Morgan")

		r := bea.post(path, beaEdit)
		mustStatus(t, r, http.StatusConflict)
		mustContain(t, r, "Alex Morgan saved version 3 of this plan while you were editing", "What Alex Morgan changed",
			"Green zone title", "Alex's green", "What you changed", "Amber zone title", "Bea's amber",
			"You both changed the same field", "Red zone title", "Keep Alex Morgan's: Alex's red", "Use yours: Bea's red")
		if n := s.count(&models.PlanVersion{}); n != 3 {
			t.Fatalf("%d versions after the refused save; want 3", n)
		}
		merge := hiddenFields(r)
		if merge.Get("base") != "3" || merge.Get("merge-from") != "2" {
			t.Fatalf("the conflict form merges version %s onto %s; want 2 onto 3", merge.Get("merge-from"), merge.Get("base"))
		}
		merge.Set("intent", models.VersionPublished)
		r = bea.post(path, merge)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "There is a problem", "Choose which to keep: Red zone title", "Alex's green")

		merge.Set("clash-0", "yours")
		mustContain(t, bea.post(path, merge), "Version 4, saved by Bea Okoye")
		var latest models.PlanVersion
		if err := s.db.Where("plan_id = ?", plan.ID).Order("number DESC").First(&latest).Error; err != nil {
			t.Fatal(err)
		}
		content, err := latest.PlanContent()
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, zone := range content.Zones {
			titles = append(titles, zone.Title)
		}
		if want := []string{"Alex's green", "Bea's amber", "Bea's red"}; !slices.Equal(titles, want) {
			t.Errorf("merged titles %q; want %q", titles, want)
		}

		// Saving what the plan already says makes no new version.
		same := asthmaPlan("300")
		same.Set("base", "4")
		same.Set("zone-green-title", "Alex's green")
		same.Set("zone-amber-title", "Bea's amber")
		same.Set("zone-red-title", "Bea's red")
		r = bea.post(path, same)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "There is a problem", "There are no changes to save", `name="base" value="4"`)
		if n := s.count(&models.PlanVersion{}); n != 4 {
			t.Errorf("%d versions after saving no change; want 4", n)
		}
	})
}

// TestTwoNursesCannotOverwriteEachOther opens the editor twice on the same
// version. The first save wins; the second is refused, shown the latest
// version and keeps what was typed.
func TestTwoNursesCannotOverwriteEachOther(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse, _ := s.store.UserByUsername(t.Context(), "nurse")
		second := models.User{Username: "nurse2", PasswordHash: nurse.PasswordHash, Role: models.RoleNurse, DisplayName: "Bea Okoye"}
		s.db.Create(&second)
		var membership models.Membership
		s.db.First(&membership, "user_id = ?", nurse.ID)
		s.db.Create(&models.Membership{UserID: second.ID, OrganisationID: membership.OrganisationID})
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", s.patient(t, ameliaRef).ID)
		path := fmt.Sprintf("/patients/%s/plans/%d", ameliaRef, plan.ID)

		alex, bea := s.browser(t), s.browser(t)
		alex.signIn("nurse")
		bea.signIn("nurse2")
		mustContain(t, alex.get(path+"/edit"), `name="base" value="1"`)
		mustContain(t, bea.get(path+"/edit"), `name="base" value="1"`)

		first := asthmaPlan("320")
		first.Set("base", "1")
		first.Set("zone-green-title", "Alex's change")
		mustContain(t, alex.post(path, first), "Version 2, saved by Alex Morgan")

		late := asthmaPlan("310")
		late.Set("base", "1")
		late.Set("zone-green-title", "Bea's change")
		r := bea.post(path, late)
		mustStatus(t, r, http.StatusConflict)
		mustContain(t, r, "Alex Morgan saved version 2 of this plan while you were editing", "Your changes have not been saved",
			"What Alex Morgan changed", "Alex's change", `value="Bea's change"`, `name="base" value="2"`)
		if s.count(&models.PlanVersion{}) != 2 {
			t.Fatal("the late save was stored")
		}
		// Having seen the latest version, Bea can save deliberately.
		late.Set("base", "2")
		mustContain(t, bea.post(path, late), "Version 3, saved by Bea Okoye")

		// Both press save at the same moment: exactly one version is made.
		statuses := make(chan int, 2)
		for _, nurse := range []*browser{alex, bea} {
			form := asthmaPlan("300")
			form.Set("base", "3")
			form.Set("csrf_token", nurse.csrfToken())
			go func() {
				req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				res, err := nurse.client.Do(req)
				if err != nil {
					statuses <- 0
					return
				}
				res.Body.Close()
				statuses <- res.StatusCode
			}()
		}
		got := map[int]int{}
		for range 2 {
			got[<-statuses]++
		}
		if got[http.StatusOK] != 1 || got[http.StatusConflict] != 1 {
			t.Errorf("simultaneous saves answered %v; want one saved and one refused", got)
		}
		if s.count(&models.PlanVersion{}) != 4 {
			t.Errorf("%d versions after simultaneous saves; want 4", s.count(&models.PlanVersion{}))
		}
	})
}

func TestPlanRoutesAreScopedToThePatient(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", s.patient(t, ameliaRef).ID)
		b := s.browser(t)
		b.signIn("nurse")
		// Amelia's plan through Oliver's record is not found.
		mustStatus(t, b.get(fmt.Sprintf("/patients/%s/plans/%d", oliverRef, plan.ID)), http.StatusNotFound)
		mustStatus(t, b.post(fmt.Sprintf("/patients/%s/plans/%d", oliverRef, plan.ID), asthmaPlan("300")), http.StatusNotFound)
		mustStatus(t, b.get(fmt.Sprintf("/patients/%s/plans/new", priyaRef)), http.StatusForbidden)
		mustStatus(t, b.get(fmt.Sprintf("/patients/%s/plans/%d/compare?from=1&to=9", ameliaRef, plan.ID)), http.StatusNotFound)
		for _, role := range []string{"patient", "carer", "admin", "commissioner"} {
			other := s.browser(t)
			other.signIn(role)
			mustStatus(t, other.get(fmt.Sprintf("/patients/%s/plans/%d/edit", ameliaRef, plan.ID)), http.StatusForbidden)
			form := asthmaPlan("300")
			form.Set("base", "1")
			mustStatus(t, other.post(fmt.Sprintf("/patients/%s/plans/%d", ameliaRef, plan.ID), form), http.StatusForbidden)
		}
		if s.count(&models.PlanVersion{}) != 1 {
			t.Error("a refused save was stored")
		}
	})
}
