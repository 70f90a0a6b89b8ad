package e2e

import "testing"

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
