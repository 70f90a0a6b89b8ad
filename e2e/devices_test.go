package e2e

import (
	"testing"

	"github.com/go-rod/rod/lib/proto"
)

// TestDevicesAreToldApartOnAPhone: a carer on a small phone sees each
// device they are signed in on by browser and system, with when it first
// signed in and was last used.
func TestDevicesAreToldApartOnAPhone(t *testing.T) {
	bothWays(t, phone, func(t *testing.T, v *visitor) {
		v.must(proto.NetworkSetUserAgentOverride{UserAgent: "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 " +
			"(KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36"}.Call(v.page))
		v.signIn("carer", demoPassword)
		v.at("/people")
		v.visit("/account/devices")
		v.see("This device", "Samsung Internet on Android", "First signed in", "Last used")
		v.fitsWidth()
		v.audit()
		v.signOut()
	})
}

// TestRegisteringAKnownPatientLeadsToTheirRecord: a nurse who types the
// NHS number of a patient already on their practice's list is led to that
// patient's record instead of being left at the error.
func TestRegisteringAKnownPatientLeadsToTheirRecord(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("nurse", demoPassword)
		v.at("/caseload")
		v.visit("/patients/new")
		v.typeInto("#nhs-number", "999 000 0018")
		v.typeInto("#given-name", "Amelia")
		v.typeInto("#family-name", "Jones")
		v.typeInto("#date-of-birth-day", "12")
		v.typeInto("#date-of-birth-month", "5")
		v.typeInto("#date-of-birth-year", "2014")
		v.submit("#date-of-birth-year")
		v.see("There is a problem", "Amelia Jones is already registered with this NHS number", "Go to Amelia Jones")
		v.audit()
		v.press(`main a[href^="/patients/demoamelia"]`)
		v.at("/patients/demoamelia0000001")
		v.audit()
		v.signOut()
	})
}
