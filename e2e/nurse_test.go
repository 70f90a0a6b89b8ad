package e2e

import (
	"fmt"
	"testing"
	"time"

	"healthpassport/models"

	"github.com/go-rod/rod"
)

// TestCaseloadSearch narrows the caseload by NHS number. With JavaScript on
// the results change as the nurse types and the count is announced; with it
// off, Enter submits the search and the query stays in the address.
func TestCaseloadSearch(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("nurse", demoPassword)
		v.at("/caseload")
		if v.js {
			v.typeInto("#q", "999 000 0026")
			v.must(v.step().Wait(rod.Eval(`() => document.querySelector("#result-count")?.textContent.trim() === "1 patient found"`)))
			v.must(v.step().Wait(rod.Eval(`() => document.querySelector("#status").textContent.trim() === "1 patient found"`)))
			res, err := v.step().Eval(`() => document.activeElement.id`)
			v.must(err)
			if res.Value.Str() != "q" {
				t.Errorf("focus left the search box for %q", res.Value.Str())
			}
		} else {
			v.typeInto("#q", "999 000 0026")
			v.submit("#q")
			v.at("/caseload?q=999+000+0026&filter=&sort=name")
		}
		v.see("Smith, Oliver")
		v.notSee("Jones, Amelia")
		v.audit()
		v.press(`a[href="/patients/demooliver0000001"]`)
		v.at("/patients/demooliver0000001")
		v.see("Oliver Smith")
		v.audit()
	})
}

// seedQueues gives the demo patient a fresh prescription request and a
// red-zone alert, so each run works its own items.
func seedQueues(t *testing.T, medicine string) (requestID, alertID uint) {
	t.Helper()
	db := store.DB()
	var amelia models.Patient
	var carer models.User
	var plan models.ActionPlan
	db.First(&amelia, "ref = ?", "demoamelia0000001")
	db.First(&carer, "username = ?", "carer")
	db.First(&plan, "patient_id = ?", amelia.ID)
	now := time.Now().UTC()
	request := models.PrescriptionRequest{PatientID: amelia.ID, PlanID: plan.ID, Medicine: medicine, Status: models.RequestRequested,
		RequestedByID: carer.ID, CreatedAt: now, UpdatedAt: now}
	reading := models.Reading{PatientID: amelia.ID, PlanID: &plan.ID, Kind: models.ReadingPeakFlow, PeakFlow: &[]int{130}[0],
		Zone: models.ZoneRed, RecordedByID: carer.ID, CreatedAt: now}
	if err := db.Create(&request).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Create(&reading).Error; err != nil {
		t.Fatal(err)
	}
	alert := models.Alert{PatientID: amelia.ID, ReadingID: reading.ID, Status: models.AlertOpen, CreatedAt: now}
	if err := db.Create(&alert).Error; err != nil {
		t.Fatal(err)
	}
	return request.ID, alert.ID
}

func TestNurseWorksTheQueues(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		medicine := "Montelukast 5 mg " + onOff(v.js)
		requestID, alertID := seedQueues(t, medicine)
		action := fmt.Sprintf(`form[action="/queues/prescriptions/%d"]`, requestID)
		v.signIn("nurse", demoPassword)
		v.press(`.nhsuk-header__navigation a[href="/queues/prescriptions"]`)
		v.see(medicine + " for Amelia Jones")
		v.audit()
		v.press(action + `:has(input[value="reject"]) button`)
		v.see("There is a problem", "Enter a reason for rejecting the request")
		v.audit()
		v.press(action + `:has(input[value="approve"]) button`)
		v.see("Approved, not ready yet")
		v.press(action + ` button`)
		v.notSee(medicine)

		note := fmt.Sprintf("#note-%d", alertID)
		v.press(`.nhsuk-header__navigation a[href="/queues/alerts"]`)
		v.see("Peak flow 130 litres a minute")
		v.audit()
		v.submit(fmt.Sprintf(`form[action="/queues/alerts/%d"] button`, alertID))
		v.see("Enter a note about what you did")
		v.audit()
		v.typeInto(note, "Phoned the family: Amelia is better after her reliever.")
		v.submit(fmt.Sprintf(`form[action="/queues/alerts/%d"] button`, alertID))
		v.notSee(note[1:])
	})
}
