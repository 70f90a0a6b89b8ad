package e2e

import (
	"testing"

	"healthpassport/models"

	"github.com/go-rod/rod/lib/input"
)

const phone = 320

// TestCarerOnABasicPhone walks a carer through everything on a 320-pixel
// screen: no page may scroll sideways, every page is checked by axe, and
// after signing out the back button shows nothing personal.
func TestCarerOnABasicPhone(t *testing.T) {
	bothWays(t, phone, func(t *testing.T, v *visitor) { walkThePassport(t, v, "carer") })
}

// TestPatientAtAKiosk is the same walk for a patient at a library kiosk.
func TestPatientAtAKiosk(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) { walkThePassport(t, v, "patient") })
}

// walkThePassport signs in, reads the passport, records a red-zone reading
// and sees the emergency steps, asks for a prescription, shares with a
// school, opens the print views, gives feedback, signs out and presses back.
func walkThePassport(t *testing.T, v *visitor, username string) {
	v.must(st.DB().Model(&models.PrescriptionRequest{}).Where("status IN ?", []string{models.RequestRequested, models.RequestApproved}).
		Update("status", models.RequestReady).Error)
	v.must(st.DB().Where("1 = 1").Delete(&models.Feedback{}).Error)
	// A carer reads about Amelia; Amelia reads about herself.
	whose, who := "Amelia's", "does Amelia"
	if username == "patient" {
		whose, who = "your", "do you"
	}
	step := func(see ...string) {
		t.Helper()
		v.see(see...)
		v.fitsWidth()
		v.audit()
	}
	v.visit("/sign-in")
	v.fitsWidth()
	v.signIn(username, demoPassword)
	if username == "carer" {
		step("People you care for")
		v.press(`a[href="/passport/demoamelia0000001"]`)
	}
	step("passport", "Red zone")

	v.press(`main a[href="/passport/demoamelia0000001/readings"]`)
	step("readings")
	v.press(`a[href="/passport/demoamelia0000001/readings/peak-flow"]`)
	step("Record " + whose + " peak flow")
	v.typeInto("#litres", "100")
	v.submit("#litres")
	step("Red zone: get help now", "Call 999", `href="tel:111"`)
	v.largeTarget(`main a.nhsuk-button[href="tel:999"]`)
	v.largeTarget(`main a.nhsuk-button[href="tel:111"]`)

	v.visit("/passport/demoamelia0000001/prescriptions")
	step("Which medicine " + who + " need?")
	v.focus("#medicine-1")
	v.must(v.page.Keyboard.Type(input.Space))
	v.press(`main form button[type="submit"]`)
	step("Asked for on")

	v.visit("/passport/demoamelia0000001/shares")
	step("Share the emergency page")
	v.typeInto("#recipient", "Hillside Academy")
	v.focus("#days-7")
	v.must(v.page.Keyboard.Type(input.Space))
	v.press(`main form[action$="/shares"] button[type="submit"]`)
	step("Give Hillside Academy this code")

	v.visit("/passport/demoamelia0000001/print")
	step("Health passport: Amelia Jones")
	v.visit("/passport/demoamelia0000001/emergency")
	step("Emergency information for Amelia Jones")
	v.largeTarget(`main a.nhsuk-button[href="tel:999"]`)
	v.largeTarget(`main a.nhsuk-button[href="tel:111"]`)
	v.visit("/feedback")
	step("How satisfied are you")
	v.focus("#score-5")
	v.must(v.page.Keyboard.Type(input.Space))
	v.press(`main form button[type="submit"]`)
	step("Thank you")
	v.visit("/help")
	step("What the zones mean")

	v.visit("/passport/demoamelia0000001")
	v.signOut()
	v.act("back", func() { v.must(v.page.NavigateBack()) })
	v.notSee("Amelia", "Salbutamol", "Sam Jones")
}
