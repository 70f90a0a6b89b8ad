package e2e

import "testing"

// TestSafetyOfficerReadsTheHazardLog: on a phone, the clinical safety
// officer goes from the templates to the hazard log and reads each hazard
// and the tests its controls name; an administrator reaches it from the
// overview on a desktop.
func TestSafetyOfficerReadsTheHazardLog(t *testing.T) {
	bothWays(t, phone, func(t *testing.T, v *visitor) {
		v.signIn("safety", demoPassword)
		v.at("/templates")
		v.press(`main a[href="/admin/hazard-log"]`)
		v.at("/admin/hazard-log")
		v.see("Hazard log", "H1. Wrong or stale plan shown", "H7. Notification to the wrong person",
			"Residual risk.", "handlers.TestTemplateGovernance")
		v.notSee("**", "## H")
		v.audit()
		v.fitsWidth()
	})
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("admin", demoPassword)
		v.visit("/admin")
		v.press(`main a[href="/admin/hazard-log"]`)
		v.at("/admin/hazard-log")
		v.see("H4. Red reading not seen", "models/store.TestRedZoneAlertTellsTheClinicOnce")
		v.audit()
	})
}
