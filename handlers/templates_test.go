package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"

	"gorm.io/gorm"
)

// variantValues is the variant form as it first shows for a template
// version: its shared wording, questions, required medicines and
// percentages.
func variantValues(t *testing.T, template models.ConditionTemplate) url.Values {
	t.Helper()
	content, err := template.Decode()
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{}
	for _, zone := range content.Zones {
		var signs, actions []string
		for _, line := range zone.Signs {
			if line.Blank == nil {
				signs = append(signs, line.Text)
			}
		}
		for _, line := range zone.Actions {
			if line.Blank == nil {
				actions = append(actions, line.Text)
			}
		}
		form.Set("zone-"+zone.Colour+"-title", zone.Title)
		form.Set("zone-"+zone.Colour+"-signs", strings.Join(signs, "\n"))
		form.Set("zone-"+zone.Colour+"-actions", strings.Join(actions, "\n"))
	}
	for i, q := range content.SymptomQuestions {
		form.Set(models.QuestionField(i, "text"), q.Text)
		form.Set(models.QuestionField(i, "about"), q.AboutThem)
		form.Set(models.QuestionField(i, "zone"), q.Zone)
	}
	for i, r := range content.RequiredMedicines {
		form.Set(models.RequiredField(i, "purpose"), r.Purpose)
		form.Set(models.RequiredField(i, "description"), r.Description)
	}
	if content.PeakFlow != nil {
		form.Set("peak-amber", fmt.Sprint(content.PeakFlow.AmberPercent))
		form.Set("peak-red", fmt.Sprint(content.PeakFlow.RedPercent))
	}
	return form
}

// TestTemplateGovernance: an administrator makes a local variant, which
// waits for approval; bad input comes back with the NHS error pattern;
// only a clinical safety officer approves, with a statement and a safety
// case reference, or retires; and plans made from a retired version are
// marked on the caseload and the record. Every change is audited.
func TestTemplateGovernance(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		asthma := s.template(t, "asthma")
		s.addUser(t, "officer", models.RoleSafetyOfficer, nil)
		admin, officer, nurse := s.browser(t), s.browser(t), s.browser(t)
		admin.signIn("admin")
		if r := officer.signIn("officer"); r.url != "/templates" {
			t.Errorf("a clinical safety officer lands on %s; want the templates", r.url)
		}
		nurse.signIn("nurse")
		base := fmt.Sprintf("/templates/%d", asthma.ID)

		r := admin.get("/templates")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Asthma version 3", "Awaiting approval", "Standard template")
		r = admin.get(base + "/variant")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Make a local variant", "Take my preventer inhaler every day, even when I feel well", `value="80"`)

		// Bad input keeps what was typed and says what to mend.
		bad := variantValues(t, asthma)
		bad.Set("zone-green-title", "Every day\x00")
		bad.Set("peak-red", "85")
		bad.Set(models.QuestionField(3, "zone"), models.ZoneAmber)
		bad.Set("zone-amber-signs", "Wheezy \xff")
		before := s.count(&models.ConditionTemplate{})
		r = admin.post(base+"/variant", bad)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "There is a problem", `<a href="#peak-red">Red zone percentage must be lower than the amber zone percentage</a>`,
			`<a href="#question-0-zone">At least one check-in question must be a red-zone sign</a>`, `value="85"`)
		if strings.Index(r.body, `href="#peak-red"`) > strings.Index(r.body, `href="#question-0-zone"`) {
			t.Error("the error summary does not follow the form's order")
		}
		if n := s.count(&models.ConditionTemplate{}); n != before {
			t.Fatalf("a refused variant saved %d versions", n-before)
		}

		good := variantValues(t, asthma)
		good.Set("zone-green-title", "Every day at Riverside")
		good.Set("peak-amber", "75")
		r = admin.post(base+"/variant", good)
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Asthma version 4 is saved. It is awaiting approval by your clinical safety officer", "Awaiting approval", "Made from")
		var variant models.ConditionTemplate
		s.db.Where("key = ? AND version = ?", "asthma", 4).First(&variant)
		if variant.ID == 0 || variant.Approved || variant.CreatedByID == nil {
			t.Fatalf("variant = %+v", variant)
		}
		variantPath := fmt.Sprintf("/templates/%d", variant.ID)

		// Compare and preview, for both who govern templates.
		for _, b := range []*browser{admin, officer} {
			r = b.get(fmt.Sprintf("/templates/compare?from=%d&to=%d", asthma.ID, variant.ID))
			mustStatus(t, r, http.StatusOK)
			mustContain(t, r, "2 changes", "Green zone title", "Every day at Riverside", "Amber zone below (% of best peak flow)", "75")
			r = b.get(variantPath + "/preview")
			mustStatus(t, r, http.StatusOK)
			mustContain(t, r, "Not approved for use with patients", "Green zone: every day at Riverside", "My peak flow is 300 or more",
				"app-zone--red")
		}
		mustStatus(t, admin.get("/templates/compare?from=abc&to=1"), http.StatusNotFound)
		mustStatus(t, admin.get(fmt.Sprintf("/templates/compare?from=%d&to=99999999999999999999", asthma.ID)), http.StatusNotFound)

		// Nobody but the clinical safety officer approves or retires.
		approval := url.Values{"statement": {"Reviewed against BTS/SIGN 2024 by the respiratory team"}, "safety-case": {"ICB-CSC-2026-014"}}
		for _, username := range []string{"admin", "nurse", "commissioner", "patient", "carer"} {
			b := s.browser(t)
			b.signIn(username)
			mustStatus(t, b.post(variantPath+"/approve", approval), http.StatusForbidden)
			mustStatus(t, b.post(base+"/retire", url.Values{}), http.StatusForbidden)
			if username != "admin" {
				mustStatus(t, b.get("/templates"), http.StatusForbidden)
				mustStatus(t, b.post(base+"/variant", good), http.StatusForbidden)
			}
		}
		mustStatus(t, officer.post(base+"/variant", good), http.StatusForbidden)
		if s.auditCount(models.AuditTemplateApproved, "") != 0 || s.auditCount(models.AuditTemplateRetired, "") != 0 {
			t.Fatal("a refused approval or retirement was recorded")
		}

		// An approval needs a statement and a safety case reference.
		r = officer.post(variantPath+"/approve", url.Values{"statement": {"  "}, "safety-case": {"ICB\x00"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, `<a href="#statement">Enter your clinical safety statement</a>`, `<a href="#safety-case">`)
		r = officer.post(variantPath+"/approve", approval)
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Asthma version 4 is approved for use with patients", "Approved by", "officer, on", "ICB-CSC-2026-014",
			"Reviewed against BTS/SIGN 2024")
		r = officer.post(variantPath+"/approve", approval)
		mustStatus(t, r, http.StatusConflict)
		mustContain(t, r, `<a href="#state">This version was approved already</a>`, `id="state"`)
		if n := s.auditCount(models.AuditTemplateApproved, "Asthma version 4"); n != 1 {
			t.Errorf("%d approvals audited", n)
		}
		if strings.Contains(officer.get(variantPath+"/preview").body, "Not approved for use with patients") {
			t.Error("an approved version's preview says it is not approved")
		}

		// Amelia's plan came from version 3: retiring it marks her plan.
		mustContain(t, nurse.get("/caseload?filter="+models.FilterPlanReview), "No patients found")
		r = officer.get(base + "/retire")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Retire Asthma version 3?", "1 plan made from it")
		r = officer.post(base+"/retire", url.Values{})
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Asthma version 3 is retired", "Retired by", "officer, on")
		if n := s.auditCount(models.AuditTemplateRetired, "Asthma version 3"); n != 1 {
			t.Errorf("%d retirements audited", n)
		}
		r = nurse.get("/caseload?filter=" + models.FilterPlanReview)
		mustContain(t, r, "Jones, Amelia", "Review the plan: its template has changed")
		if strings.Contains(r.body, "Smith, Oliver") {
			t.Error("a patient with no plan from the retired version is marked")
		}
		mustContain(t, nurse.get("/patients/"+ameliaRef), "Review the plan: its template has changed")

		// The nurse now starts plans from the approved variant only.
		r = nurse.get("/patients/" + oliverRef + "/plans/new")
		mustContain(t, r, fmt.Sprintf(`value="%d"`, variant.ID))
		if strings.Contains(r.body, fmt.Sprintf(`value="%d"`, asthma.ID)) {
			t.Error("a retired version is offered")
		}
		mustStatus(t, nurse.get(fmt.Sprintf("/patients/%s/plans/new?template=%d", oliverRef, asthma.ID)), http.StatusUnprocessableEntity)
		mustStatus(t, nurse.post("/patients/"+oliverRef+"/plans", templateForm(t, asthma, true, models.VersionPublished)), http.StatusUnprocessableEntity)
		planForm := templateForm(t, variant, true, models.VersionPublished)
		planForm.Set("peak-best", "400")
		r = nurse.post("/patients/"+oliverRef+"/plans", planForm)
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Asthma plan", "Below 300 is the amber zone")
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", s.patient(t, oliverRef).ID)
		if plan.TemplateID == nil || *plan.TemplateID != variant.ID {
			t.Errorf("Oliver's plan came from template %v; want the variant %d", plan.TemplateID, variant.ID)
		}
	})
}

// TestRetiredVersionsStartNoPlanOutsideTheDemo: on a live database an
// approved version that has since been retired is neither offered nor
// accepted.
func TestRetiredVersionsStartNoPlanOutsideTheDemo(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, nurse, patient := startLiveServer(t, db)
		anaphylaxis := s.template(t, "anaphylaxis")
		if _, err := s.store.ApproveTemplate(t.Context(), "anaphylaxis", anaphylaxis.Version, "Dr Ada Okafor"); err != nil {
			t.Fatal(err)
		}
		base := "/patients/" + patient.Ref + "/plans"
		mustContain(t, nurse.get(base+"/new"), "Anaphylaxis")
		db.Model(&models.ConditionTemplate{}).Where("id = ?", anaphylaxis.ID).Update("retired_at", time.Now())
		r := nurse.get(base + "/new")
		mustContain(t, r, "No condition template has been approved yet")
		mustStatus(t, nurse.post(base, templateForm(t, anaphylaxis, true, models.VersionPublished)), http.StatusUnprocessableEntity)
		if n := s.count(&models.ActionPlan{}); n != 0 {
			t.Fatalf("%d plans from a retired version", n)
		}
	})
}
