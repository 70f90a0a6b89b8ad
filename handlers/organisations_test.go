package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
)

func organisationForm(kind, name, code string) url.Values {
	return url.Values{"kind": {kind}, "name": {name}, "ods-code": {code}}
}

func TestOnlyAdministratorsManageOrganisations(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		riverside := s.organisation(t, "Y90001")
		for _, username := range []string{"nurse", "commissioner", "patient", "carer"} {
			b := s.browser(t)
			b.signIn(username)
			mustStatus(t, b.get("/organisations"), http.StatusForbidden)
			mustStatus(t, b.post("/organisations/new", organisationForm("practice", "Mallory Surgery", "A81001")), http.StatusForbidden)
			mustStatus(t, b.post(fmt.Sprintf("/organisations/%d/close", riverside.ID), url.Values{}), http.StatusForbidden)
		}
		if n := s.countWhere(&models.Organisation{}, "ods_code = ?", "A81001"); n != 0 {
			t.Error("someone who is not an administrator added a practice")
		}
		if s.organisation(t, "Y90001").ClosedAt != nil {
			t.Error("someone who is not an administrator closed a practice")
		}
	})
}

func TestAnAdministratorAddsPracticesAndClinicsWithValidUniqueODSCodes(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin := s.browser(t)
		admin.signIn("admin")
		mustContain(t, admin.get("/organisations"), "Riverside Health Centre", "Y90001", "Hillside Surgery", "NHS Demo Integrated Care Board")

		for _, bad := range []struct {
			name    string
			form    url.Values
			message string
		}{
			{"nothing", organisationForm("", "", ""), "Choose whether it is a GP practice or a clinic"},
			{"no name", organisationForm("practice", "", "A81001"), "Enter the organisation's name"},
			{"a clinic's code for a practice", organisationForm("practice", "Valley Surgery", "RJ122"), "a letter then 5 numbers, like A81001"},
			{"too short", organisationForm("practice", "Valley Surgery", "A8100"), "a letter then 5 numbers"},
			{"an ICB code for a clinic", organisationForm("clinic", "Valley Clinic", "QWE"), "5 characters starting with R or N"},
			{"an ICB kind", organisationForm("icb", "Another ICB", "QWE"), "Choose whether it is a GP practice or a clinic"},
			{"taken", organisationForm("practice", "Another Riverside", "y90001"), "Another organisation already has this ODS code"},
			{"NUL byte", organisationForm("practice", "Valley\x00 Surgery", "A81001"), "hidden characters"},
			{"invalid UTF-8", organisationForm("practice", "Valley Surgery", "A8\xff1001"), "hidden characters"},
		} {
			r := admin.post("/organisations/new", bad.form)
			mustStatus(t, r, http.StatusUnprocessableEntity)
			mustContain(t, r, "There is a problem", bad.message, `value="`+s.keptName(bad.form)+`"`)
		}
		if n := s.countWhere(&models.Organisation{}, "name LIKE ?", "Valley%"); n != 0 {
			t.Fatalf("bad input added %d organisations", n)
		}

		r := admin.post("/organisations/new", organisationForm("practice", "  Valley   Surgery ", " a81001 "))
		mustContain(t, r, "Valley Surgery added", "A81001")
		valley := s.organisation(t, "A81001")
		if valley.Name != "Valley Surgery" || valley.Kind != models.OrganisationPractice || valley.ParentID == nil {
			t.Errorf("added %+v", valley)
		}
		if r.url != fmt.Sprintf("/organisations/%d", valley.ID) || s.auditCount(models.AuditOrganisationCreated, "A81001") != 1 {
			t.Errorf("adding landed on %s; audited %d times", r.url, s.auditCount(models.AuditOrganisationCreated, "A81001"))
		}
		for _, code := range []string{"RJ122", "NT401", "Y02735"} {
			r := admin.post("/organisations/new", organisationForm("clinic", "Clinic "+code, code))
			mustContain(t, r, "Clinic "+code+" added")
		}
		r = admin.post("/organisations/new", organisationForm("clinic", "Another Valley", "A81001"))
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Another organisation already has this ODS code")

		// A new practice is one the ICB's staff reach: a nurse can be placed there.
		mustContain(t, admin.get("/staff/new"), "Valley Surgery", "Clinic RJ122")

		r = admin.post(fmt.Sprintf("/organisations/%d/name", valley.ID), url.Values{"name": {""}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Enter the organisation's name")
		r = admin.post(fmt.Sprintf("/organisations/%d/name", valley.ID), url.Values{"name": {"Valley Medical Practice"}})
		mustContain(t, r, "Renamed Valley Medical Practice")
		if s.organisation(t, "A81001").Name != "Valley Medical Practice" || s.auditCount(models.AuditOrganisationRenamed, strconv.Itoa(int(valley.ID))) != 1 {
			t.Error("the new name was not saved and audited")
		}
	})
}

// keptName is the name a refused form shows again: what was typed, with
// what cannot be read taken out.
func (s *testServer) keptName(form url.Values) string {
	return strings.ReplaceAll(form.Get("name"), "\x00", "")
}

func TestAClosedPracticeKeepsItsRecordsToReadAndChangesNone(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin, nurse, patient := s.browser(t), s.browser(t), s.browser(t)
		admin.signIn("admin")
		nurse.signIn("nurse")
		patient.signIn("patient")
		riverside, icb := s.organisation(t, "Y90001"), s.organisation(t, "QDM")

		mustContain(t, admin.get(fmt.Sprintf("/organisations/%d/close", riverside.ID)), "Close Riverside Health Centre")
		r := admin.post(fmt.Sprintf("/organisations/%d/close", riverside.ID), url.Values{})
		mustContain(t, r, "Riverside Health Centre is closed", "Move patients")
		if s.organisation(t, "Y90001").ClosedAt == nil || s.auditCount(models.AuditOrganisationClosed, strconv.Itoa(int(riverside.ID))) != 1 {
			t.Fatal("closing was not saved and audited")
		}
		r = admin.post(fmt.Sprintf("/organisations/%d/close", riverside.ID), url.Values{})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "is closed already")
		r = admin.post(fmt.Sprintf("/organisations/%d/close", icb.ID), url.Values{})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "You cannot close the ICB")
		r = admin.post(fmt.Sprintf("/organisations/%d/name", riverside.ID), url.Values{"name": {"Riverside Two"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "This practice is closed")

		// Nurses there still read the records.
		mustContain(t, nurse.get("/patients/"+ameliaRef), "Amelia Jones", "Riverside Health Centre is closed", "This record can be read but not changed")
		mustStatus(t, patient.get("/passport/"+ameliaRef), http.StatusOK)
		reviews, readings, patients := s.count(&models.Review{}), s.count(&models.Reading{}), s.count(&models.Patient{})
		today := time.Now()
		// A full review of Amelia's asthma, so that only the closure refuses it.
		review := reviewForm(today, today.AddDate(1, 0, 0), models.OutcomeNoChange)
		for _, q := range []string{"rcp0", "rcp1", "rcp2"} {
			review.Set(q, "no")
		}
		for _, write := range []struct {
			b    *browser
			path string
			form url.Values
		}{
			{nurse, "/patients/" + ameliaRef + "/reviews", review},
			{nurse, "/patients/" + oliverRef + "/activation-code", url.Values{}},
			{nurse, "/patients/new", registration("999 000 0042", "Nia", "Okafor", "1", "2", "2000")},
			{patient, "/passport/" + ameliaRef + "/readings/peak-flow", url.Values{"litres": {"280"}}},
			{patient, "/passport/" + ameliaRef + "/shares", url.Values{"recipient": {"Riverside School"}, "days": {"30"}}},
		} {
			r := write.b.post(write.path, write.form)
			mustStatus(t, r, http.StatusConflict)
			mustContain(t, r, "This practice is closed", "can be read but not changed")
		}
		if s.count(&models.Review{}) != reviews || s.count(&models.Reading{}) != readings || s.count(&models.Patient{}) != patients {
			t.Error("a closed practice's records changed")
		}
	})
}

func TestMovingAClosedPracticesPatientsIsAuditedForEachPatient(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin, nurse := s.browser(t), s.browser(t)
		admin.signIn("admin")
		nurse.signIn("nurse")
		riverside, hillside := s.organisation(t, "Y90001"), s.organisation(t, "Y90002")
		riversidePath := fmt.Sprintf("/organisations/%d", riverside.ID)

		// Only a closed practice's patients move.
		r := admin.post(riversidePath+"/move", url.Values{"patient": {"all"}, "to": {strconv.Itoa(int(hillside.ID))}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		if s.patient(t, ameliaRef).PracticeID != riverside.ID {
			t.Fatal("a patient of an open practice was moved")
		}
		admin.post(riversidePath+"/close", url.Values{})
		r = admin.get(riversidePath)
		mustContain(t, r, "Who to move", "Amelia Jones", "Hillside Surgery (Y90002)")

		r = admin.post(riversidePath+"/move", url.Values{"patient": {"all"}, "to": {strconv.Itoa(int(riverside.ID))}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Choose an open practice or clinic from the list")
		r = admin.post(riversidePath+"/move", url.Values{"patient": {priyaRef}, "to": {strconv.Itoa(int(hillside.ID))}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Choose who to move from the list")

		r = admin.post(riversidePath+"/move", url.Values{"patient": {ameliaRef}, "to": {strconv.Itoa(int(hillside.ID))}})
		mustContain(t, r, "1 patient moved")
		amelia := s.patient(t, ameliaRef)
		if amelia.PracticeID != hillside.ID || s.auditCount(models.AuditPatientMoved, ameliaRef) != 1 {
			t.Fatalf("Amelia is at %d; audited %d times", amelia.PracticeID, s.auditCount(models.AuditPatientMoved, ameliaRef))
		}
		// Riverside's nurse no longer reaches her; her record can change again.
		mustStatus(t, nurse.get("/patients/"+ameliaRef), http.StatusForbidden)
		patient := s.browser(t)
		patient.signIn("patient")
		mustStatus(t, patient.post("/passport/"+ameliaRef+"/readings/peak-flow", url.Values{"litres": {"280"}}), http.StatusOK)

		left := s.countWhere(&models.Patient{}, "practice_id = ?", riverside.ID)
		if left == 0 {
			t.Fatal("the demo has no one else at Riverside")
		}
		moves := s.auditCount(models.AuditPatientMoved, "")
		r = admin.post(riversidePath+"/move", url.Values{"patient": {"all"}, "to": {strconv.Itoa(int(hillside.ID))}})
		mustContain(t, r, "moved")
		if n := s.countWhere(&models.Patient{}, "practice_id = ?", riverside.ID); n != 0 {
			t.Errorf("%d patients left at the closed practice", n)
		}
		if got := s.auditCount(models.AuditPatientMoved, "") - moves; got != left {
			t.Errorf("%d moves audited for %d patients", got, left)
		}
		var oliver models.AuditEvent
		s.db.Where("action = ? AND target_id = ?", models.AuditPatientMoved, oliverRef).Take(&oliver)
		if oliver.PatientID == nil || oliver.Detail != "Riverside Health Centre to Hillside Surgery" {
			t.Errorf("Oliver's move was audited as %+v", oliver)
		}
	})
}

func clinicContactForm(phone, line1, town, postcode string) url.Values {
	return url.Values{"phone": {phone}, "address-line-1": {line1}, "address-line-2": {""}, "address-town": {town}, "address-postcode": {postcode}}
}

func TestAnAdministratorSetsTheClinicDetailsItsLettersPrint(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		riverside := s.organisation(t, "Y90001")
		path := fmt.Sprintf("/organisations/%d/contact", riverside.ID)
		admin := s.browser(t)
		admin.signIn("admin")
		mustContain(t, admin.get(fmt.Sprintf("/organisations/%d", riverside.ID)), "Phone number and address", `value="01632 960 001"`, `value="LS1 4AP"`)

		for _, bad := range []struct {
			name    string
			form    url.Values
			message string
		}{
			{"no phone", clinicContactForm("", "2 Bridge Street", "Leeds", "LS1 4AP"), "Enter the clinic's phone number"},
			{"bad phone", clinicContactForm("call us", "2 Bridge Street", "Leeds", "LS1 4AP"), "Enter a phone number, like 01632 960 001"},
			{"short phone", clinicContactForm("0113 496", "2 Bridge Street", "Leeds", "LS1 4AP"), "Enter a phone number, like 01632 960 001"},
			{"bad postcode", clinicContactForm("01632 960 555", "2 Bridge Street", "Leeds", "LS1 4A"), "Enter a real postcode, like LS1 4AP"},
			{"not a postcode", clinicContactForm("01632 960 555", "2 Bridge Street", "Leeds", "12345"), "Enter a real postcode, like LS1 4AP"},
			{"no postcode", clinicContactForm("01632 960 555", "2 Bridge Street", "Leeds", ""), "Enter the postcode of the clinic's address"},
			{"no first line", clinicContactForm("01632 960 555", "", "Leeds", "LS1 4AP"), "Enter the first line of the clinic's address"},
			{"no town", clinicContactForm("01632 960 555", "2 Bridge Street", "", "LS1 4AP"), "Enter the town or city of the clinic's address"},
		} {
			r := admin.post(path, bad.form)
			mustStatus(t, r, http.StatusUnprocessableEntity)
			mustContain(t, r, "There is a problem", bad.message, `nhsuk-error-summary`)
		}
		if got := s.organisation(t, "Y90001"); got.Phone != "01632 960 001" || got.Address.Postcode != "LS1 4AP" {
			t.Fatalf("bad input changed the clinic's details to %+v", got)
		}

		r := admin.post(path, clinicContactForm(" 0113 496 0000 ", " 2  Bridge Street ", "Leeds", "ls11 5qr"))
		mustContain(t, r, "Saved the phone number and address of Riverside Health Centre")
		got := s.organisation(t, "Y90001")
		if got.Phone != "0113 496 0000" || got.Address != (models.PostalAddress{Line1: "2 Bridge Street", Town: "Leeds", Postcode: "LS11 5QR"}) {
			t.Errorf("saved %q %+v", got.Phone, got.Address)
		}
		if s.auditCount(models.AuditOrganisationContact, strconv.Itoa(int(riverside.ID))) != 1 {
			t.Error("changing the clinic's details was not audited")
		}

		nurse := s.browser(t)
		nurse.signIn("nurse")
		mustStatus(t, nurse.post(path, clinicContactForm("0113 496 0001", "3 Bridge Street", "Leeds", "LS1 4AP")), http.StatusForbidden)
	})
}
