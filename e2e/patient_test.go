package e2e

import (
	"regexp"
	"testing"
	"time"

	"healthpassport/models"

	"github.com/go-rod/rod/lib/input"
)

// TestPatientRecordsARedReading: at a kiosk, a patient records a red-zone
// peak flow and is shown the emergency steps at once; the chart and table
// show it.
func TestPatientRecordsARedReading(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("patient", demoPassword)
		v.press(`a[href="/passport/demoamelia0000001/readings"]`)
		v.see("Readings", "<svg", "Red zone: below 150")
		v.audit()
		v.press(`a[href="/passport/demoamelia0000001/readings/peak-flow"]`)
		v.audit()
		v.typeInto("#litres", "2000")
		v.submit("#litres")
		v.see("There is a problem", "Peak flow must be between")
		v.audit()
		v.replaceIn("#litres", "110")
		v.submit("#litres")
		v.see("Red zone: get help now", "Call 999 if I do not feel better", "Your clinic has been told")
		v.audit()
		v.press(`main a[href="/passport/demoamelia0000001/readings"]`)
		v.see("110 litres a minute")
	})
}

// TestStatusAtAGlance: on a phone, the top of "My passport" says how it
// stands: after a red reading, the call buttons and the red zone's steps
// come first; a day later it asks for a new reading instead; a
// prescription made ready is there to collect. The carer's list shows the
// same for each person.
func TestStatusAtAGlance(t *testing.T) {
	bothWays(t, phone, func(t *testing.T, v *visitor) {
		step := func(see ...string) {
			t.Helper()
			v.see(see...)
			v.fitsWidth()
			v.audit()
		}
		v.signIn("patient", demoPassword)
		step("At a glance", "Latest reading", "Prescription requests", "Next review")
		v.press(`main a[href="/passport/demoamelia0000001/readings"]`)
		v.press(`a[href="/passport/demoamelia0000001/readings/peak-flow"]`)
		v.typeInto("#litres", "105")
		v.submit("#litres")
		v.see("Red zone: get help now")

		v.visit("/passport")
		step("At a glance", "Red zone: get help now", "Your last reading, ", "was in the red zone", "Call 999 if I do not feel better")
		v.largeTarget(`.app-glance__now a.nhsuk-button[href="tel:999"]`)
		v.largeTarget(`.app-glance__now a.nhsuk-button[href="tel:111"]`)
		v.notSee("What needs doing")

		// A day on, the red reading may no longer say how Amelia is: every
		// reading of the last day is moved back a day, and put back after.
		var lastDay []models.Reading
		v.must(st.DB().Where("patient_id = (SELECT id FROM patients WHERE ref = ?) AND created_at > ?", "demoamelia0000001", time.Now().Add(-24*time.Hour)).Find(&lastDay).Error)
		moveBy := func(d time.Duration) {
			for _, reading := range lastDay {
				v.must(st.DB().Model(&models.Reading{}).Where("id = ?", reading.ID).Update("created_at", reading.CreatedAt.Add(d)).Error)
			}
		}
		moveBy(-25 * time.Hour)
		v.must(st.DB().Model(&models.PrescriptionRequest{}).Where("status IN ?", []string{models.RequestRequested, models.RequestApproved}).
			Updates(map[string]any{"status": models.RequestReady, "updated_at": time.Now().UTC()}).Error)
		v.visit("/passport")
		step("What needs doing", "was in the red zone", "Record a new reading", "ready to collect", "None waiting")
		v.notSee("Red zone: get help now")
		v.signOut()

		v.signIn("carer", demoPassword)
		step("People you care for", "Amelia Jones's passport", "What needs doing", "Amelia's last reading", "ready to collect")
		moveBy(0)
		v.visit("/people")
		step("Red zone: get help now", "What to do now: Amelia's red zone steps")
		v.largeTarget(`.app-glance__now a.nhsuk-button[href="tel:999"]`)
	})
}

// TestCarerAsksForARepeatPrescription: a "view and act" carer asks for a
// medicine on the plan and sees the request waiting.
func TestCarerAsksForARepeatPrescription(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		// Finish any earlier request so this run can ask afresh.
		v.must(st.DB().Model(&models.PrescriptionRequest{}).Where("status IN ?", []string{models.RequestRequested, models.RequestApproved}).
			Update("status", models.RequestReady).Error)
		v.signIn("carer", demoPassword)
		v.visit("/passport/demoamelia0000001")
		v.press(`a[href="/passport/demoamelia0000001/prescriptions"]`)
		v.see("Repeat prescriptions", "Which medicine does Amelia need?")
		v.audit()
		v.press(`main form button[type="submit"]`)
		v.see("There is a problem", "Select the medicine Amelia needs")
		v.audit()
		v.focus("#medicine-0")
		v.must(v.page.Keyboard.Type(input.Space))
		v.press(`main form button[type="submit"]`)
		v.see("Asked for on", "by Sam Jones")
		v.notSee("There is a problem")
	})
}

// TestEmergencyStepsAndPrint: the emergency steps are one key press from
// the navigation, and both print views are accessible.
func TestEmergencyStepsAndPrint(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("patient", demoPassword)
		v.press(`.nhsuk-header__navigation a[href="/emergency"]`)
		v.at("/passport/demoamelia0000001/emergency")
		v.see("Emergency information for Amelia Jones", `In an emergency, call <a href="tel:999">999</a>`)
		v.audit()
		v.press(`a[href="/passport/demoamelia0000001/emergency/print"]`)
		v.see("Printed on")
		v.audit()
		v.visit("/passport/demoamelia0000001/print")
		v.see("Health passport: Amelia Jones", "Green zone")
		v.audit()
	})
}

var accessCode = regexp.MustCompile(`id="access-code">([A-Z0-9-]+)<`)

// TestShareWithASchool: a patient makes an access code; the school uses it
// with the child's date of birth and sees only the emergency page.
func TestShareWithASchool(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("patient", demoPassword)
		v.press(`a[href="/passport/demoamelia0000001/shares"]`)
		v.audit()
		v.typeInto("#recipient", "Riverside Primary School")
		v.focus("#days-30")
		v.must(v.page.Keyboard.Type(input.Space))
		v.press(`main form[action$="/shares"] button[type="submit"]`)
		v.see("Give Riverside Primary School this code")
		v.audit()
		m := accessCode.FindStringSubmatch(v.html())
		if m == nil {
			t.Fatal("no access code shown")
		}
		v.signOut()

		school := newVisitor(t, v.js, desktop)
		school.visit("/shared")
		school.audit()
		school.typeInto("#code", m[1])
		school.typeInto("#dob-day", "12")
		school.typeInto("#dob-month", "5")
		school.typeInto("#dob-year", "2014")
		school.submit("#dob-year")
		school.at("/shared/view")
		school.see("Emergency information for Amelia Jones", "Shared with Riverside Primary School")
		school.see(`href="tel:999"`, `href="tel:111"`)
		school.notSee("Repeat prescriptions", "Sign out")
		school.audit()

		v.signIn("patient", demoPassword)
		v.visit("/passport/demoamelia0000001/shares")
		v.press(`main a[href$="/revoke"]`)
		v.see("Stop sharing with Riverside Primary School?")
		v.audit()
		v.press(`main form button[type="submit"]`)
		v.at("/passport/demoamelia0000001/shares")
		v.see("Riverside Primary School can no longer see the emergency page", "Nobody outside the clinic can see it.")
		v.audit()
	})
}

// TestIdleWarning: the no-JavaScript warning page and the JavaScript
// banner are both accessible, and "Stay signed in" goes back to the page.
func TestIdleWarning(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("patient", demoPassword)
		if v.js {
			// Show the banner as the timer would, then check it.
			_, err := v.step().Eval(`() => document.getElementById("idle-warning").replaceChildren(
				document.getElementById("idle-warning-template").content.cloneNode(true))`)
			v.must(err)
			v.see("You will be signed out in 1 minute")
			v.audit()
			v.press(`#idle-warning button[type="submit"]`)
			v.at("/passport")
			res, err := v.step().Eval(`() => document.getElementById("idle-warning").childElementCount`)
			v.must(err)
			if res.Value.Int() != 0 {
				t.Error("the warning stayed after staying signed in")
			}
		}
		v.visit("/session/warning?return=%2Fpassport")
		v.see("You will be signed out soon")
		v.audit()
		v.press(`form[action="/session/extend"] button`)
		v.at("/passport")
	})
}

// TestHelpAndFeedback: help is a link away from every page; a carer gives
// feedback once.
func TestHelpAndFeedback(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.must(st.DB().Where("1 = 1").Delete(&models.Feedback{}).Error)
		v.signIn("carer", demoPassword)
		v.press(`.nhsuk-footer a[href="/help"]`)
		v.see("What the zones mean")
		v.audit()
		v.press(`.nhsuk-footer a[href="/feedback"]`)
		v.audit()
		v.press(`main form button[type="submit"]`)
		v.see("Select how satisfied you are")
		v.audit()
		v.focus("#score-4")
		v.must(v.page.Keyboard.Type(input.Space))
		v.press(`main form button[type="submit"]`)
		v.see("Thank you. You told us what you think")
		v.audit()
	})
}

// TestAccountPages: the account, password and devices pages, by keyboard.
func TestAccountPages(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("carer", demoPassword)
		v.press(`a.nhsuk-header__account-link`)
		v.at("/account")
		v.audit()
		v.press(`a[href="/account/password"]`)
		v.audit()
		v.typeInto("#current-password", "not my password")
		v.typeInto("#new-password", "orange bicycle lamp")
		v.submit("#new-password")
		v.see("Your current password is not right")
		v.notSee("orange bicycle lamp")
		v.audit()
		v.visit("/account/devices")
		v.see("This device")
		v.audit()
	})
}
