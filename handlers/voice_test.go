package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
)

// linkDemoCarer links the demo carer to a second patient.
func (s *testServer) linkDemoCarer(t *testing.T, ref string) models.Patient {
	t.Helper()
	carer, err := s.store.UserByUsername(t.Context(), "carer")
	if err != nil {
		t.Fatal(err)
	}
	patient := s.patient(t, ref)
	link := models.CarerLink{CarerID: carer.ID, PatientID: patient.ID, Relationship: "Guardian", Permission: models.PermissionAct, CreatedAt: time.Now()}
	if err := s.db.Create(&link).Error; err != nil {
		t.Fatal(err)
	}
	return patient
}

// TestReaderPagesSpeakToThePatientAndToTheCarerAboutThem reads every
// reader page as Amelia and as her carer: Amelia reads "your", the carer
// reads her name.
func TestReaderPagesSpeakToThePatientAndToTheCarerAboutThem(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", s.patient(t, ameliaRef).ID)
		base := "/passport/" + ameliaRef
		checkIn := fmt.Sprintf("%s/readings/symptoms?plan=%d", base, plan.ID)
		pages := []struct {
			path           string
			patient, carer []string
		}{
			{base, []string{"My passport"}, []string{"Amelia's passport", "People you care for"}},
			{base + "/readings", []string{"Your readings", "Back to your passport"}, []string{"Amelia's readings", "Back to Amelia's passport"}},
			{base + "/readings/peak-flow", []string{"Record your peak flow", "Blow into your peak flow meter", "Your highest peak flow", "Your best is 300"},
				[]string{"Record Amelia's peak flow", "Ask Amelia to blow into the peak flow meter", "Amelia's highest peak flow", "Amelia's best is 300"}},
			{checkIn, []string{"Have you woken up at night because of your asthma?"},
				[]string{"Answer these questions about Amelia.", "Has Amelia woken up at night because of asthma?", "Has asthma got in the way of Amelia's day?"}},
			{base + "/prescriptions", []string{"Which medicine do you need?", "Your requests", "Back to your passport"},
				[]string{"Which medicine does Amelia need?", "Amelia's requests", "Back to Amelia's passport"}},
			{base + "/shares", []string{"see your emergency page for a short time", "Nobody outside the clinic"},
				[]string{"see Amelia's emergency page for a short time", "Back to Amelia's passport"}},
			{base + "/emergency", []string{"Back to your passport"}, []string{"Back to Amelia's passport"}},
		}
		patient, carer := s.browser(t), s.browser(t)
		patient.signIn("patient")
		carer.signIn("carer")
		for _, page := range pages {
			fromPatient, fromCarer := patient.get(page.path), carer.get(page.path)
			mustStatus(t, fromPatient, http.StatusOK)
			mustStatus(t, fromCarer, http.StatusOK)
			mustContain(t, fromPatient, page.patient...)
			mustContain(t, fromCarer, page.carer...)
			for _, second := range []string{"your peak flow", "Your best", "Your requests", "do you need", "Back to your", "see your", "Have you"} {
				if strings.Contains(fromCarer.body, second) {
					t.Errorf("%s speaks to the carer as the patient: %q", page.path, second)
				}
			}
		}

		// Saving speaks the same way, errors and results alike.
		r := carer.post(base+"/readings/symptoms", url.Values{"plan": {fmt.Sprint(plan.ID)}, "q0": {"no"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Answer yes or no: Has Amelia woken up at night because of asthma?")
		r = carer.post(base+"/prescriptions", url.Values{})
		mustContain(t, r, "Select the medicine Amelia needs")
		r = carer.post(base+"/readings/peak-flow", url.Values{"litres": {"200"}})
		mustContain(t, r, "You recorded 200 litres a minute for Amelia.", "Amber zone: Amelia's condition is getting worse", "See all Amelia's readings")
		r = patient.post(base+"/readings/peak-flow", url.Values{"litres": {"200"}})
		mustContain(t, r, "You recorded 200 litres a minute.", "Amber zone: your condition is getting worse", "See all your readings")
		r = carer.post(base+"/readings/peak-flow", url.Values{"litres": {"100"}})
		mustContain(t, r, "Amelia's clinic has been told about this reading.")
	})
}

// TestCarersTellApartPeopleWithTheSameFirstName: a carer of two Amelias
// reads full names; a carer of one reads the first name.
func TestCarersTellApartPeopleWithTheSameFirstName(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		other := s.linkDemoCarer(t, oliverRef)
		carer := s.browser(t)
		carer.signIn("carer")
		r := carer.get("/passport/" + oliverRef)
		mustContain(t, r, "Oliver's passport", "Oliver's clinic has not written an action plan yet. Ask Oliver's nurse at the next visit.")
		mustContain(t, carer.get("/passport/"+ameliaRef+"/readings"), "Amelia's readings")

		s.db.Model(&other).Update("given_name", "Amelia")
		mustContain(t, carer.get("/people"), "Amelia Jones's emergency steps", "Amelia Smith's emergency steps")
		mustContain(t, carer.get("/passport/"+ameliaRef+"/readings"), "Amelia Jones's readings", "Back to Amelia Jones's passport")
		mustContain(t, carer.get("/passport/"+oliverRef+"/shares"), "see Amelia Smith's emergency page")
		mustContain(t, carer.get("/passport/"+oliverRef), "Amelia Smith's passport")
	})
}

// TestActivationLetterFollowsTheRecord: a carer who shares the patient's
// full name still gets a carer's letter, and the patient a patient's.
func TestActivationLetterFollowsTheRecord(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse := s.browser(t)
		nurse.signIn("nurse")
		r := nurse.post("/patients/"+oliverRef+"/carers", url.Values{"who": {"new"}, "carer-name": {"Oliver Smith"}, "relationship": {"Parent"}, "permission": {"act"}})
		mustContain(t, r, "Your clinic has linked you as a carer for Oliver Smith", "Type Oliver's date of birth")
		if strings.Contains(r.body, "NHS number:") {
			t.Error("a carer's letter shows the patient's NHS number")
		}
		r = nurse.post("/patients/"+oliverRef+"/activation-code", url.Values{})
		mustContain(t, r, "Your clinic has made a Health Passport for you", "Type your date of birth", "NHS number:")
	})
}
