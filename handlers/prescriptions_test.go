package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"healthpassport/models"
)

func TestPatientAsksForARepeatPrescription(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", s.patient(t, ameliaRef).ID)
		clenil := fmt.Sprintf("%d:Clenil Modulite 100 micrograms", plan.ID)
		salbutamol := fmt.Sprintf("%d:Salbutamol 100 micrograms", plan.ID)
		path := "/passport/" + ameliaRef + "/prescriptions"
		b := s.browser(t)
		b.signIn("patient")
		r := b.get(path)
		mustContain(t, r, "Which medicine do you need?", "Clenil Modulite 100 micrograms", "Salbutamol 100 micrograms", "Asked for on", "by Sam Jones")

		// The demo carer's request for salbutamol is still open.
		r = b.post(path, url.Values{"medicine": {salbutamol}})
		mustStatus(t, r, http.StatusConflict)
		mustContain(t, r, "You have already asked for Salbutamol 100 micrograms")
		for _, bad := range []string{"", "Clenil Modulite 100 micrograms", "999:Clenil Modulite 100 micrograms", "<script>", fmt.Sprintf("%d:Morphine", plan.ID)} {
			r = b.post(path, url.Values{"medicine": {bad}})
			mustStatus(t, r, http.StatusUnprocessableEntity)
			mustContain(t, r, "Select the medicine you need", `href="#medicine-0"`)
		}
		requests := s.count(&models.PrescriptionRequest{})
		r = b.post(path, url.Values{"medicine": {clenil}})
		mustContain(t, r, "Clenil Modulite 100 micrograms", "Asked for on", "by Amelia Jones")
		if s.count(&models.PrescriptionRequest{}) != requests+1 {
			t.Fatal("the request was not stored once")
		}

		// The nurse rejects it with a reason the patient then reads.
		var request models.PrescriptionRequest
		s.db.Order("id DESC").First(&request)
		nurse := s.browser(t)
		nurse.signIn("nurse")
		nurse.post(fmt.Sprintf("/queues/prescriptions/%d", request.ID), url.Values{"decision": {"reject"},
			fmt.Sprintf("reason-%d", request.ID): {"You collected one last week."}})
		mustContain(t, b.get(path), "Not approved", "Reason: You collected one last week.")
		// Once finished, the medicine can be asked for again.
		mustStatus(t, b.post(path, url.Values{"medicine": {clenil}}), http.StatusOK)
	})
}

func TestViewOnlyCarersCannotAskForPrescriptions(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		carerUser, _ := s.store.UserByUsername(t.Context(), "carer")
		s.db.Model(&models.CarerLink{}).Where("carer_id = ?", carerUser.ID).Update("permission", models.PermissionView)
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", s.patient(t, ameliaRef).ID)
		path := "/passport/" + ameliaRef + "/prescriptions"
		carer := s.browser(t)
		carer.signIn("carer")
		r := carer.get(path)
		mustStatus(t, r, http.StatusOK)
		if strings.Contains(r.body, "Which medicine do you need?") {
			t.Error("a view-only carer is offered the request form")
		}
		requests := s.count(&models.PrescriptionRequest{})
		mustStatus(t, carer.post(path, url.Values{"medicine": {fmt.Sprintf("%d:Clenil Modulite 100 micrograms", plan.ID)}}), http.StatusForbidden)
		patient := s.browser(t)
		patient.signIn("patient")
		mustStatus(t, patient.post("/passport/"+oliverRef+"/prescriptions", url.Values{"medicine": {"1:x"}}), http.StatusForbidden)
		if s.count(&models.PrescriptionRequest{}) != requests {
			t.Error("a refused request was stored")
		}
	})
}
