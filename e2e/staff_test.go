package e2e

import (
	"fmt"
	"testing"
	"time"

	"healthpassport/models"

	"github.com/go-rod/rod/lib/input"
)

// tick ticks a checkbox or chooses a radio button, as Space does.
func (v *visitor) tick(selector string) {
	v.t.Helper()
	v.focus(selector)
	v.must(v.page.Keyboard.Type(input.Space))
}

// TestAdministratorInvitesANurseAndSwitchesThemOff: an administrator
// invites a nurse, who sets up their account and signs in; the
// administrator makes a local variant of a condition template, a clinical
// safety officer approves it, and the nurse writes a plan from it; when
// the officer retires it, the plan is marked for review. The administrator
// then switches the nurse's account off, the nurse's open session ends,
// and the administrator finds it all in the audit log.
func TestAdministratorInvitesANurseAndSwitchesThemOff(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		name, email := "Dr Rosa Diaz "+onOff(v.js), "rosa.diaz."+onOff(v.js)+"@nhs.net"
		v.signIn("admin", demoPassword)
		v.at("/admin")
		v.press(`.nhsuk-header a[href="/staff"]`)
		v.at("/staff")
		v.see("Staff", "Alex Morgan")
		v.audit()
		v.press(`a[href="/staff/new"]`)
		v.at("/staff/new")
		v.audit()
		v.typeInto("#name", name)
		v.submit("#name")
		v.see("There is a problem", "Enter their work email address", "Choose a role", "Choose where they work", `value="`+name+`"`)
		v.audit()
		v.typeInto("#email", email)
		v.tick("#role")
		v.tick("#organisations-3")
		v.submit("#email")
		v.see("Set up your Health Passport staff account", "Dear "+name, "Private and confidential: by hand", `class="app-letter__sender"`, `class="app-letter__date"`)
		v.notSee("No postal address")
		v.audit()
		// The staff letter is laid out as every other letter: one A4 page.
		if pages := v.pdfPages(); pages != 1 {
			t.Errorf("the staff letter printed on %d pages; want 1", pages)
		}
		m := activationCode.FindStringSubmatch(v.html())
		if m == nil {
			t.Fatal("the letter shows no activation code")
		}
		v.press(`p.app-no-print a`)
		v.see(name, "Invited, not set up yet", "Make a new activation code")
		v.audit()

		nurse := newVisitor(t, v.js, desktop)
		nurse.visit("/activate/staff")
		nurse.audit()
		nurse.typeInto("#code", m[1])
		nurse.typeInto("#email", "someone.else@nhs.net")
		nurse.submit("#email")
		nurse.see("The activation code or work email address is not right")
		nurse.audit()
		nurse.replaceIn("#email", email)
		nurse.submit("#email")
		nurse.at("/activate/staff/account")
		nurse.see("Hello Rosa")
		nurse.notSee("Hello Dr")
		nurse.audit()
		nurse.typeInto("#username", "rosa.diaz."+onOff(v.js))
		nurse.typeInto("#password", "violet harbour tractor")
		nurse.submit("#password")
		nurse.at("/caseload")
		nurse.see("Jones, Amelia")

		variant := v.makeLocalVariant(t, map[bool]string{true: "sickle-cell", false: "type-1-diabetes"}[v.js])
		approveAsSafetyOfficer(t, v.js, variant)
		nurseWritesAPlanFrom(t, nurse, variant, map[bool]string{true: "9990000158", false: "9990000166"}[v.js])

		var invited models.User
		st.DB().Where("email = ?", email).Take(&invited)
		page := fmt.Sprintf("/staff/%d", invited.ID)
		v.visit(page)
		v.see(name, "Active", "First signed in", "Last used")
		v.audit()
		v.press(`a[href="` + page + `/disable"]`)
		v.at(page + "/disable")
		v.audit()
		v.press("#confirm")
		v.at(page)
		v.see("signed out everywhere", "Switched off")
		v.audit()

		nurse.visit("/caseload")
		nurse.at("/sign-in")

		v.press(`.nhsuk-header a[href="/audit"]`)
		v.at("/audit")
		v.audit()
		v.typeInto("#staff", "rosa.diaz."+onOff(v.js))
		v.submit("#staff")
		v.see("Signed in", "Dr Rosa Diaz "+onOff(v.js)+", nurse")
		v.audit()
		v.typeInto("#nhs-number", "12345")
		v.submit("#nhs-number")
		v.see("There is a problem", "NHS number must be 10 digits")
		v.audit()
		v.press(`form[action="/audit/check"] button`)
		v.at("/audit")
		v.see("The audit log has not been changed")
		v.audit()
	})
}

// makeLocalVariant has the administrator change the green zone's title of
// a template's newest version, mending a mistake on the way, then preview
// the variant and compare it with the version it came from.
func (v *visitor) makeLocalVariant(t *testing.T, key string) models.ConditionTemplate {
	t.Helper()
	var base models.ConditionTemplate
	v.must(st.DB().Where("key = ?", key).Order("version DESC").First(&base).Error)
	title := "Every day at Riverside " + onOff(v.js)
	v.press(`.nhsuk-header a[href="/templates"]`)
	v.at("/templates")
	v.see("Condition templates", base.Label())
	v.audit()
	v.press(fmt.Sprintf(`main a[href="/templates/%d"]`, base.ID))
	v.see(base.Label(), "Make a local variant", "What the template says")
	v.audit()
	v.press(fmt.Sprintf(`a[href="/templates/%d/variant"]`, base.ID))
	v.see("Make a local variant", "Your variant becomes a new version")
	v.audit()
	v.replaceIn("#zone-green-title", " ")
	v.submit("#zone-green-title")
	v.see("There is a problem", "Enter a title for the green zone")
	v.audit()
	v.replaceIn("#zone-green-title", title)
	v.submit("#zone-green-title")
	v.see("is saved. It is awaiting approval by your clinical safety officer", "Awaiting approval", "Made from", title)
	v.audit()
	var variant models.ConditionTemplate
	v.must(st.DB().Where("key = ?", key).Order("version DESC").First(&variant).Error)
	if variant.Version != base.Version+1 || variant.Approved {
		t.Fatalf("variant %+v; want version %d awaiting approval", variant, base.Version+1)
	}
	variantPath := fmt.Sprintf("/templates/%d", variant.ID)
	v.at(variantPath)
	v.press(`a[href="` + variantPath + `/preview"]`)
	v.see("as a patient would see it", "Not approved for use with patients", "Green zone: every day at Riverside")
	v.audit()
	v.visit(variantPath)
	v.press(`main form[action="/templates/compare"] button`)
	v.see("1 change", "Green zone title", title)
	v.audit()
	return variant
}

// approveAsSafetyOfficer has a clinical safety officer approve a version,
// once they have added the statement they left out.
func approveAsSafetyOfficer(t *testing.T, js bool, template models.ConditionTemplate) {
	t.Helper()
	username := "safety.officer." + onOff(js)
	hash, err := models.HashPassword(t.Context(), demoPassword)
	if err != nil {
		t.Fatal(err)
	}
	officer := models.User{Username: username, PasswordHash: hash, Role: models.RoleSafetyOfficer, DisplayName: "Dr Ada Okafor",
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.DB().Create(&officer).Error; err != nil {
		t.Fatal(err)
	}
	o := newVisitor(t, js, desktop)
	o.signIn(username, demoPassword)
	o.at("/templates")
	o.see("Condition templates", template.Label(), "Awaiting approval")
	o.audit()
	path := fmt.Sprintf("/templates/%d", template.ID)
	o.press(`main a[href="` + path + `"]`)
	o.see("Approve this version", "Retire this version")
	o.audit()
	o.typeInto("#safety-case", "ICB-CSC-2026-014")
	o.press(`form[action="` + path + `/approve"] button`)
	o.see("There is a problem", "Enter your clinical safety statement", `value="ICB-CSC-2026-014"`)
	o.audit()
	o.typeInto("#statement", "Reviewed with the haematology and diabetes teams against the hazard log.")
	o.press(`form[action="` + path + `/approve"] button`)
	o.at(path)
	o.see("is approved for use with patients", "Approved by", "Dr Ada Okafor, on", "ICB-CSC-2026-014")
	o.notSee("Approve this version")
	o.audit()
}

// nurseWritesAPlanFrom has the nurse start a plan from an approved variant
// for a new patient and keep it as a draft; a clinical safety officer then
// retires the variant, and the nurse's caseload and the patient's record
// say the plan needs review.
func nurseWritesAPlanFrom(t *testing.T, nurse *visitor, template models.ConditionTemplate, nhsNumber string) {
	t.Helper()
	patient := newPatient(t, nhsNumber, "Maya", "Quinn "+onOff(nurse.js))
	nurse.visit("/patients/" + patient.Ref + "/plans/new")
	nurse.focus(fmt.Sprintf(`input[name="template"][value="%d"]`, template.ID))
	nurse.must(nurse.page.Keyboard.Type(input.Space))
	nurse.press(`main form button[type="submit"]`)
	nurse.see(`value="Every day at Riverside `)
	nurse.notSee("Draft, not clinically approved")
	nurse.press(`main form button[value="draft"]`)
	nurse.see(template.Name+" plan", "Version 1, saved by Dr Rosa Diaz", "Draft")
	nurse.audit()
	var plan models.ActionPlan
	nurse.must(st.DB().Where("patient_id = ?", patient.ID).First(&plan).Error)
	if plan.TemplateID == nil || *plan.TemplateID != template.ID {
		t.Fatalf("the plan came from template %v; want the variant %d", plan.TemplateID, template.ID)
	}

	officer := newVisitor(t, nurse.js, desktop)
	officer.signIn("safety.officer."+onOff(nurse.js), demoPassword)
	path := fmt.Sprintf("/templates/%d", template.ID)
	officer.visit(path)
	officer.press(`a[href="` + path + `/retire"]`)
	officer.at(path + "/retire")
	officer.see("1 plan made from it")
	officer.audit()
	officer.press(`main form button`)
	officer.at(path)
	officer.see("is retired", "Retired by")
	officer.audit()

	nurse.visit("/caseload?filter=plan-review")
	nurse.see("Quinn "+onOff(nurse.js)+", Maya", "Review the plan: its template has changed")
	nurse.audit()
	nurse.visit("/patients/" + patient.Ref)
	nurse.see("Review the plan: its template has changed")
	nurse.audit()
}

// TestTemplatePagesFitAPhone: the governance pages read on a 320-pixel
// screen without scrolling sideways.
func TestTemplatePagesFitAPhone(t *testing.T) {
	bothWays(t, phone, func(t *testing.T, v *visitor) {
		var asthma, epilepsy models.ConditionTemplate
		v.must(st.DB().Where("key = ?", "asthma").Order("version").First(&asthma).Error)
		v.must(st.DB().Where("key = ?", "epilepsy").Order("version").First(&epilepsy).Error)
		path := fmt.Sprintf("/templates/%d", asthma.ID)
		v.signIn("admin", demoPassword)
		for _, page := range []string{"/templates", path, path + "/variant", path + "/preview",
			fmt.Sprintf("/templates/compare?from=%d&to=%d", asthma.ID, epilepsy.ID)} {
			v.visit(page)
			v.see("Asthma version")
			v.fitsWidth()
			v.audit()
		}
	})
}
