package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"healthpassport/models"

	"github.com/go-rod/rod/lib/input"
)

const desktop = 1280

func (v *visitor) signIn(username, password string) {
	v.t.Helper()
	v.visit("/sign-in")
	v.audit()
	v.typeInto("#username", username)
	v.typeInto("#password", password)
	v.submit("#password")
}

func (v *visitor) signOut() {
	v.t.Helper()
	v.press(".nhsuk-header__account-button")
	v.at("/signed-out")
	v.see("You have signed out")
	v.audit()
}

// TestTheSweepCatchesViolations proves each checker of the sweep can fail:
// both accessibility engines, and the console with an inline style the
// Content-Security-Policy refuses. (The HTML checker proves itself on a
// control page in the same run as the pages.)
func TestTheSweepCatchesViolations(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.visit("/")
		v.must(v.page.SetDocumentContent(`<html><body><img src="/x.png"><a href="/"></a><p style="color: red">Styled</p></body></html>`))
		found := map[string]bool{}
		for _, f := range append(v.accessibilityFindings(), v.console.take()...) {
			found[f.Engine+" "+f.Rule] = true
		}
		for _, want := range []string{"axe image-alt", "axe link-name", "axe html-has-lang",
			engineIBM + " img_alt_valid", engineIBM + " a_text_purpose", engineIBM + " html_lang_exists", engineConsole + " security"} {
			if !found[want] {
				t.Errorf("the sweep missed %s; found %v", want, found)
			}
		}
	})
}

func TestPublicPages(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.visit("/")
		v.see("Health Passport", "Sign in")
		v.audit()

		// The skip link is the first thing the keyboard reaches.
		v.must(v.page.Keyboard.Press(input.Tab))
		if v.js {
			res, err := v.step().Eval(`() => document.activeElement.className`)
			v.must(err)
			if !strings.Contains(res.Value.Str(), "nhsuk-skip-link") {
				t.Errorf("first Tab reached %q, not the skip link", res.Value.Str())
			}
		}

		v.press(`a[href="/activate"]`)
		v.at("/activate")
		v.audit()
		v.visit("/no-such-page")
		v.see("Page not found")
		v.audit()
		v.press(`.nhsuk-footer a[href="/accessibility"]`)
		v.at("/accessibility")
		v.see("Accessibility statement for Health Passport")
		v.fitsWidth()
		v.audit()
	})
}

func TestSignInErrors(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("patient", "not the password")
		v.see("There is a problem", "Enter a correct username and password", `value="patient"`)
		v.notSee("not the password")
		v.audit()
		if v.js {
			res, err := v.step().Eval(`() => document.activeElement.classList.contains("nhsuk-error-summary")`)
			v.must(err)
			if !res.Value.Bool() {
				t.Error("focus did not move to the error summary")
			}
			res, err = v.step().Eval(`() => document.title`)
			v.must(err)
			if !strings.HasPrefix(res.Value.Str(), "Error: Sign in") {
				t.Errorf("title after a failed sign-in is %q", res.Value.Str())
			}
		}
	})
}

var activationCode = regexp.MustCompile(`id="activation-code">([A-Z0-9-]+)<`)

// TestNurseRegistersAndPatientActivates is the foundation journey, by
// keyboard: a nurse registers a patient and prints the letter; the patient
// activates with the code and sees their passport.
func TestNurseRegistersAndPatientActivates(t *testing.T) {
	nhsNumbers := map[bool]string{true: "999 000 0050", false: "999 000 0069"}
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("nurse", demoPassword)
		v.at("/caseload")
		v.see("Caseload", "Jones, Amelia")
		v.notSee("Patel")
		v.audit()

		v.press(`.nhsuk-main-wrapper a[href="/patients/new"]`)
		v.at("/patients/new")
		v.audit()
		v.submit(`#nhs-number`)
		v.see("There is a problem", "Enter an NHS number", `href="#date-of-birth-day"`)
		v.audit()

		v.typeInto("#nhs-number", "943 476 5918")
		v.typeInto("#given-name", "Kai")
		v.typeInto("#family-name", "Brown")
		v.typeInto("#date-of-birth-day", "7")
		v.typeInto("#date-of-birth-month", "9")
		v.typeInto("#date-of-birth-year", "2012")
		v.typeInto("#address-line-1", "7 Mill Road")
		v.typeInto("#address-town", "Leeds")
		v.typeInto("#address-postcode", "ls2 9jt")
		v.submit("#date-of-birth-year")
		v.see("Enter a valid NHS number", `value="Kai"`, `value="2012"`, `value="7 Mill Road"`)
		v.audit()
		v.replaceIn("#nhs-number", nhsNumbers[v.js])
		v.submit("#nhs-number")
		// The letter goes to the address given at registration.
		v.see("Set up your Health Passport", "Dear Kai Brown", "7 Mill Road", "LS2 9JT")
		v.notSee("No postal address")
		v.audit()
		m := activationCode.FindStringSubmatch(v.html())
		if m == nil {
			t.Fatal("the letter shows no activation code")
		}
		v.signOut()

		p := newVisitor(t, v.js, desktop)
		p.visit("/activate")
		p.typeInto("#code", m[1])
		p.typeInto("#dob-day", "7")
		p.typeInto("#dob-month", "9")
		p.typeInto("#dob-year", "2012")
		p.submit("#dob-year")
		p.at("/activate/account")
		p.see("Hello Kai")
		p.audit()
		username := "kai.brown." + onOff(v.js)
		p.typeInto("#username", username)
		p.typeInto("#password", "qwerty12345")
		p.submit("#password")
		p.see("too common")
		p.audit()
		p.replaceIn("#password", "orange bicycle lamp")
		p.submit("#password")
		p.at("/passport")
		p.see("My passport", "Kai Brown", "not written an action plan yet")
		p.audit()
	})
}

func TestPatientReadsPassportAndSignsOut(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("patient", demoPassword)
		v.at("/passport")
		v.see("My passport", "Asthma action plan", "app-zone--red", "Red zone", "Amber zone", "Green zone",
			"Below 240", "Salbutamol 100 micrograms", "Sam Jones (Parent)")
		v.audit()

		v.visit("/passport/demooliver0000001")
		v.see("You cannot see this page")
		v.notSee("Oliver")
		v.audit()

		v.visit("/passport")
		v.signOut()
		// Back must not bring the passport back from any cache.
		v.act("back", func() { v.must(v.page.NavigateBack()) })
		v.notSee("Asthma action plan", "Salbutamol")
	})
}

func TestCarerSeesOnlyThePersonTheyCareFor(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("carer", demoPassword)
		v.at("/people")
		v.see("People you care for", "Amelia Jones")
		v.audit()
		v.press(`a[href="/passport/demoamelia0000001"]`)
		v.at("/passport/demoamelia0000001")
		v.see("Amelia's passport", "Red zone")
		v.audit()
		v.visit("/passport/demopriya00000001")
		v.see("You cannot see this page")
		v.audit()
		v.visit("/caseload")
		v.see("You cannot see this page")
	})
}

func TestOversightPages(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("admin", demoPassword)
		v.at("/admin")
		v.see("Overview", "Audit log")
		v.audit()
		v.signOut()
		v.signIn("commissioner", demoPassword)
		v.at("/dashboard")
		v.see("Riverside Health Centre", "Hillside Surgery", "fewer than 8")
		v.notSee("Amelia", "Jones", "100%")
		v.audit()
		v.visit("/dashboard?condition=195967001&age=5-11&period=3")
		v.see("Last 3 months", "Registrations and accounts set up", "Readings, check-ins and shares")
		v.audit()
		v.visit("/dashboard?period=5")
		v.see("There is a problem", "Select a period from the list")
		v.audit()
	})
}

// TestOutcomePages visits every outcomes page, for a commissioner and for
// a nurse, by month and by week, and the monthly reports, and sweeps each;
// a patient's check-in asks the new questions.
func TestOutcomePages(t *testing.T) {
	bothWays(t, phone, func(t *testing.T, v *visitor) {
		v.signIn("commissioner", demoPassword)
		v.at("/dashboard")
		v.see("Registrations and accounts set up", "Asthma medication ratio", "Satisfaction", "Download Asthma control as a spreadsheet (CSV)")
		v.audit()
		v.visit("/dashboard?period=3&by=week")
		v.see("Week of ", "People using their passport")
		v.audit()
		v.press(`a[href="/dashboard/report"]`)
		v.at("/dashboard/report")
		v.see("Headline figures", "Change")
		v.notSee("Amelia", "Jones")
		v.audit()
		v.visit("/dashboard/report?month=2020-01")
		v.see("There is a problem", "Month must be within the last 5 years")
		v.audit()
		v.signOut()
		v.signIn("nurse", demoPassword)
		v.at("/caseload")
		v.press(`a[href="/outcomes"]`)
		v.at("/outcomes")
		v.see("counted exactly", "Repeat prescriptions")
		v.audit()
		v.visit("/outcomes/report")
		v.see("Outcomes report for", "Headline figures")
		v.audit()
		v.signOut()
		v.signIn("patient", demoPassword)
		var plan models.ActionPlan
		v.must(st.DB().Where("patient_id = (SELECT id FROM patients WHERE ref = ?) AND snomed_code = ?", "demoamelia0000001", models.SnomedAsthma).First(&plan).Error)
		v.visit(fmt.Sprintf("/passport/demoamelia0000001/readings/symptoms?plan=%d", plan.ID))
		v.see("have you needed urgent care because of your asthma", "difficulty sleeping because of your asthma symptoms")
		v.audit()
	})
}
