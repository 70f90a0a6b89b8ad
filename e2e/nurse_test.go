package e2e

import (
	"fmt"
	"testing"
	"time"

	"healthpassport/models"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/input"
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
	db := st.DB()
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
	alert := models.Alert{PatientID: amelia.ID, ReadingID: reading.ID, RaisedOn: models.UKDay(now), ReadingCount: 1,
		Status: models.AlertOpen, CreatedAt: now}
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
		v.press(action + ` button[value="reject"]`)
		v.see("There is a problem", "Enter a reason for rejecting the request")
		v.audit()
		v.press(action + ` button[value="approve"]`)
		v.see("Approved, not ready yet")
		v.press(action + ` button`)
		v.see(medicine + " marked as ready to collect")
		v.notSee(medicine + " for Amelia Jones")

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

// newPatient registers a patient at the demo nurse's practice for one run.
func newPatient(t *testing.T, nhsNumber, given, family string) models.Patient {
	t.Helper()
	nurse, err := st.UserByUsername(t.Context(), "nurse")
	if err != nil {
		t.Fatal(err)
	}
	practices, err := st.PracticesOf(t.Context(), nurse.ID)
	if err != nil {
		t.Fatal(err)
	}
	patient, _, err := st.RegisterPatient(t.Context(), models.Actor{UserID: nurse.ID, Role: models.RoleNurse},
		models.NewPatient{NHSNumber: nhsNumber, GivenName: given, FamilyName: family,
			DateOfBirth: time.Date(2010, 4, 1, 0, 0, 0, 0, time.UTC), PracticeID: practices[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	return *patient
}

// TestNurseWritesEditsAndComparesAPlan writes an asthma plan from the
// template, edits it, and compares the two versions, by keyboard.
func TestNurseWritesEditsAndComparesAPlan(t *testing.T) {
	nhsNumbers := map[bool]string{true: "9990000077", false: "9990000085"}
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		patient := newPatient(t, nhsNumbers[v.js], "Leo", "Hart")
		v.signIn("nurse", demoPassword)
		v.visit("/patients/" + patient.Ref)
		v.audit()
		v.press(`a[href="/patients/` + patient.Ref + `/plans/new"]`)
		v.see("Add a condition", "Draft, not clinically approved")
		v.audit()
		var asthma models.ConditionTemplate
		v.must(st.DB().Where("key = ?", "asthma").First(&asthma).Error)
		v.focus(fmt.Sprintf(`input[name="template"][value="%d"]`, asthma.ID))
		v.must(v.page.Keyboard.Type(input.Space))
		v.press(`main form button[type="submit"]`)
		v.see("Write the asthma plan", "Draft, not clinically approved")
		v.audit()

		v.typeInto("#peak-best", "400")
		v.press(`main form button[type="submit"]`)
		v.see("There is a problem", "Enter the name of medicine 1", `value="400"`)
		v.audit()
		v.typeInto("#med-0-name", "Clenil Modulite 100 micrograms")
		v.typeInto("#med-1-name", "Salbutamol 100 micrograms")
		v.press(`main form button[type="submit"]`)
		v.see("Asthma plan", "Version 1, saved by Alex Morgan", "My peak flow is below 200")
		v.audit()

		v.press(`a[href$="/edit"]`)
		v.see(`name="base" value="1"`)
		v.audit()
		v.replaceIn("#peak-best", "450")
		v.press(`main form button[type="submit"]`)
		v.see("Version 2, saved by Alex Morgan", "Below 360")
		v.press(`form[action$="/compare"] button`)
		v.see("Compare versions 1 and 2", "Best peak flow", "400", "450")
		v.audit()

		// Another nurse saves while this one edits: the conflict page shows
		// both sets of changes and asks about the field both changed.
		var plan models.ActionPlan
		v.must(st.DB().Where("patient_id = ? AND condition_name = ?", patient.ID, "Asthma").First(&plan).Error)
		v.visit(fmt.Sprintf("/patients/%s/plans/%d/edit", patient.Ref, plan.ID))
		v.see(`name="base" value="2"`)
		var other models.PlanVersion
		v.must(st.DB().Where("plan_id = ?", plan.ID).Order("number DESC").First(&other).Error)
		content, err := other.PlanContent()
		v.must(err)
		content.Zones[0].Title = "Keep taking the preventer"
		content.Zones[2].Title = "Get help straight away"
		nurse, err := st.UserByUsername(t.Context(), "nurse")
		v.must(err)
		_, err = st.SavePlanVersion(t.Context(), &models.Principal{User: *nurse, PracticeIDs: []uint{patient.PracticeID}},
			models.Actor{UserID: nurse.ID, Role: models.RoleNurse}, &plan, 2, content, models.VersionPublished)
		v.must(err)
		v.replaceIn("#zone-amber-title", "Act now")
		v.replaceIn("#zone-red-title", "Call 999 now")
		v.press(`main form button[type="submit"]`)
		v.see("Someone else changed this plan", "What Alex Morgan changed", "Keep taking the preventer", "What you changed", "Act now",
			"Red zone title", "Get help straight away", "Call 999 now")
		v.audit()
		v.press(`main form button[type="submit"]`)
		v.see("There is a problem", "Choose which to keep: Red zone title")
		v.audit()
		v.focus("#clash-0-yours")
		v.must(v.page.Keyboard.Type(input.Space))
		v.press(`main form button[type="submit"]`)
		v.see("Version 4, saved by Alex Morgan", "Green zone: keep taking the preventer", "Amber zone: act now", "Red zone: call 999 now")

		// A second condition, with its own plan.
		var epilepsy models.ConditionTemplate
		v.must(st.DB().Where("key = ?", "epilepsy").First(&epilepsy).Error)
		v.visit("/patients/" + patient.Ref + "/plans/new")
		v.focus(fmt.Sprintf(`input[name="template"][value="%d"]`, epilepsy.ID))
		v.must(v.page.Keyboard.Type(input.Space))
		v.press(`main form button[type="submit"]`)
		v.see("Write the epilepsy plan", "For this person: what the person's seizures look like")
		v.press(`main form button[type="submit"]`)
		v.see("There is a problem", "Enter what the person's seizures look like", "Add the emergency (rescue) medicine to the medicines")
		v.audit()
		// Unfinished, it can be kept as a draft that only staff see.
		v.press(`main form button[value="draft"]`)
		v.see("Epilepsy plan", "Version 1, saved by Alex Morgan", "Draft", "To fill in before it can be published", "Call 999")
		v.audit()
		v.visit("/patients/" + patient.Ref)
		v.see("Asthma", "Epilepsy", "Not published: patients, carers and schools cannot see it yet")
	})
}

// TestNurseRecordsAReviewAndLinksACarer works the rest of a record by
// keyboard: details, a review and a new carer with their letter.
func TestNurseRecordsAReviewAndLinksACarer(t *testing.T) {
	nhsNumbers := map[bool]string{true: "9990000093", false: "9990000107"}
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		patient := newPatient(t, nhsNumbers[v.js], "Mia", "Khan")
		record := "/patients/" + patient.Ref
		v.signIn("nurse", demoPassword)
		v.visit(record)

		v.press(`a[href="` + record + `/details"]`)
		v.audit()
		v.typeInto("#phone", "07700 900 321")
		v.typeInto("#address-line-1", "4 Mill Lane")
		v.press(`main form button[type="submit"]`)
		v.see("There is a problem", "Enter the town or city of the patient's address", "Enter the postcode of the patient's address")
		v.audit()
		v.typeInto("#address-town", "Leeds")
		v.typeInto("#address-postcode", "ls6 2ab")
		v.press(`main form button[type="submit"]`)
		v.at(record)
		v.see("07700 900 321")

		v.press(`a[href="` + record + `/reviews/new"]`)
		v.audit()
		v.press(`main form button[type="submit"]`)
		v.see("There is a problem", "Select the outcome of the review", "Enter next review date")
		v.audit()
		v.focus("#outcome-no-change")
		v.must(v.page.Keyboard.Type(input.Space))
		v.tick("#unplanned-care-urgent-gp")
		next := time.Now().AddDate(1, 0, 0)
		v.typeInto("#next-review-day", fmt.Sprint(next.Day()))
		v.typeInto("#next-review-month", fmt.Sprint(int(next.Month())))
		v.typeInto("#next-review-year", fmt.Sprint(next.Year()))
		v.press(`main form button[type="submit"]`)
		v.at(record)
		v.see("No change needed", next.Format("2 January 2006"))

		v.press(`a[href="` + record + `/carers/new"]`)
		v.audit()
		v.focus("#who-new")
		v.must(v.page.Keyboard.Type(input.Space))
		v.typeInto("#carer-name", "Zara Khan")
		v.focus("#relationship")
		v.must(v.page.Keyboard.Type(input.ArrowDown))
		v.focus("#permission-act")
		v.must(v.page.Keyboard.Type(input.Space))
		v.press(`main form button[type="submit"]`)
		v.see("Dear Zara Khan", "linked you as a carer for Mia Khan")
		v.audit()
		v.visit(record)
		v.see("Zara Khan", "Parent, you can view and act")

		v.press(`main a[href$="/revoke"]`)
		v.see("Remove Zara Khan as a carer?")
		v.audit()
		v.press(`main form + p a`)
		v.at(record)
		v.press(`main a[href$="/revoke"]`)
		v.press(`main form button[type="submit"]`)
		v.at(record)
		v.see("Zara Khan is no longer a carer for Mia Khan", "No carers are linked.")
		v.audit()
	})
}
