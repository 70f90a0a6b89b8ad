package e2e

import (
	"fmt"
	"testing"

	"healthpassport/models"
)

// TestAdministratorAddsClosesAndEmptiesAPractice: an administrator adds a
// practice, renames it, closes it and moves its patient to an open one.
func TestAdministratorAddsClosesAndEmptiesAPractice(t *testing.T) {
	codes := map[bool]string{true: "A81001", false: "A81002"}
	nhsNumbers := map[bool]string{true: "9990000115", false: "9990000123"}
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		name := "Valley Surgery " + onOff(v.js)
		v.signIn("admin", demoPassword)
		v.press(`.nhsuk-header a[href="/organisations"]`)
		v.at("/organisations")
		v.see("Organisations", "Riverside Health Centre", "Y90001")
		v.audit()
		v.press(`a[href="/organisations/new"]`)
		v.at("/organisations/new")
		v.audit()
		v.typeInto("#name", name)
		v.typeInto("#ods-code", "12345")
		v.submit("#ods-code")
		v.see("There is a problem", "Choose whether it is a GP practice or a clinic", `value="`+name+`"`)
		v.audit()
		v.tick("#kind")
		v.submit("#ods-code")
		v.see("There is a problem", "a letter then 5 numbers, like A81001")
		v.replaceIn("#ods-code", codes[v.js])
		v.submit("#ods-code")
		v.see(name+" added", codes[v.js])
		v.audit()

		var practice models.Organisation
		st.DB().Where("ods_code = ?", codes[v.js]).Take(&practice)
		page := fmt.Sprintf("/organisations/%d", practice.ID)
		v.at(page)
		v.replaceIn("#name", name+" Medical Practice")
		v.submit(`form[action="` + page + `/name"] button`)
		v.see("Renamed " + name + " Medical Practice")

		// The phone number and return address its letters print.
		v.typeInto("#phone", "0113 496 0000")
		v.typeInto("#address-line-1", "2 Valley Road")
		v.typeInto("#address-town", "Leeds")
		v.typeInto("#address-postcode", "LS1 4A")
		v.submit(`form[action="` + page + `/contact"] button`)
		v.see("There is a problem", "Enter a real postcode, like LS1 4AP", `value="2 Valley Road"`)
		v.audit()
		v.replaceIn("#address-postcode", "ls1 4ap")
		v.submit(`form[action="` + page + `/contact"] button`)
		v.see("Saved the phone number and address of "+name+" Medical Practice", `value="LS1 4AP"`)

		// A patient registered there, whom the practice's closing strands.
		patient := newPatient(t, nhsNumbers[v.js], "Ivy", "Chen "+onOff(v.js))
		st.DB().Model(&models.Patient{}).Where("id = ?", patient.ID).Update("practice_id", practice.ID)
		v.press(`a[href="` + page + `/close"]`)
		v.at(page + "/close")
		v.audit()
		v.press("#confirm")
		v.at(page)
		v.see("is closed", "Move patients", "Ivy Chen "+onOff(v.js))
		v.audit()
		v.submit(`form[action="` + page + `/move"] button`)
		v.at(page)
		v.see("1 patient moved", "It has no patients")
		v.audit()
		var moved models.Patient
		st.DB().Take(&moved, patient.ID)
		if moved.PracticeID == practice.ID {
			t.Error("the patient was not moved")
		}
	})
}

// TestPatientSeesWhoHasSeenTheirPassport: a nurse looks at a patient's
// record, and the patient finds that under "who has seen your passport".
func TestPatientSeesWhoHasSeenTheirPassport(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		nurse := newVisitor(t, v.js, desktop)
		nurse.signIn("nurse", demoPassword)
		nurse.visit("/patients/demoamelia0000001")
		nurse.see("Amelia Jones")

		v.signIn("patient", demoPassword)
		v.visit("/passport")
		v.press(`a[href="/passport/demoamelia0000001/seen"]`)
		v.at("/passport/demoamelia0000001/seen")
		v.see("Who has seen your passport", "Today", "Nurse Alex Morgan looked at your record at")
		v.notSee("You looked", "You recorded")
		v.audit()

		// The carer's page leaves out the carer's and Amelia's own doings.
		carer := newVisitor(t, v.js, phone)
		carer.signIn("carer", demoPassword)
		carer.visit("/passport/demoamelia0000001/seen")
		carer.see("Who has seen Amelia's passport", "What you and Amelia do is not listed.", "Nurse Alex Morgan looked at Amelia's record at")
		carer.notSee("Sam Jones (carer)", "Amelia Jones (patient)")
		carer.fitsWidth()
		carer.audit()
	})
}
