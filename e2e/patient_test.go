package e2e

import (
	"testing"

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
		v.see("Red zone: get help now", "Immediate action required", "Call 999 if I do not feel better", "Your clinic has been told")
		v.audit()
		v.press(`main a[href="/passport/demoamelia0000001/readings"]`)
		v.see("110 litres a minute")
	})
}

// TestCarerAsksForARepeatPrescription: a "view and act" carer asks for a
// medicine on the plan and sees the request waiting.
func TestCarerAsksForARepeatPrescription(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		// Finish any earlier request so this run can ask afresh.
		v.must(store.DB().Model(&models.PrescriptionRequest{}).Where("status IN ?", []string{models.RequestRequested, models.RequestApproved}).
			Update("status", models.RequestReady).Error)
		v.signIn("carer", demoPassword)
		v.visit("/passport/demoamelia0000001")
		v.press(`a[href="/passport/demoamelia0000001/prescriptions"]`)
		v.see("Repeat prescriptions", "Which medicine do you need?")
		v.audit()
		v.press(`main form button[type="submit"]`)
		v.see("There is a problem", "Select the medicine you need")
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
		v.see("Emergency information for Amelia Jones", "In an emergency, call 999")
		v.audit()
		v.press(`a[href="/passport/demoamelia0000001/emergency/print"]`)
		v.see("Printed on")
		v.audit()
		v.visit("/passport/demoamelia0000001/print")
		v.see("Health passport: Amelia Jones", "Green zone")
		v.audit()
	})
}
