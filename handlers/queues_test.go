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

func (s *testServer) patient(t *testing.T, ref string) models.Patient {
	t.Helper()
	var patient models.Patient
	if err := s.db.First(&patient, "ref = ?", ref).Error; err != nil {
		t.Fatal(err)
	}
	return patient
}

func TestPrescriptionQueue(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var request models.PrescriptionRequest
		s.db.First(&request)
		path := fmt.Sprintf("/queues/prescriptions/%d", request.ID)
		b := s.browser(t)
		b.signIn("nurse")
		r := b.get("/queues/prescriptions")
		mustContain(t, r, "Salbutamol 100 micrograms for Amelia Jones", "Sam Jones", "Prescriptions (1)")

		r = b.post(path, url.Values{"decision": {"reject"}, "reason-" + fmt.Sprint(request.ID): {""}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Enter a reason for rejecting the request", fmt.Sprintf(`href="#reason-%d"`, request.ID))
		r = b.post(path, url.Values{"decision": {"reject"}, "reason-" + fmt.Sprint(request.ID): {"<b>no</b>" + strings.Repeat("!", 1000)}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.body, `&lt;b&gt;no&lt;/b&gt;!!!`) || strings.Contains(r.body, "<b>no") {
			t.Error("the reason was not kept, escaped")
		}
		mustStatus(t, b.post(path, url.Values{"decision": {"destroy"}}), http.StatusConflict)
		// Approval and rejection share a form: a reason is never dropped
		// by approving under it.
		r = b.post(path, url.Values{"decision": {"approve"}, "reason-" + fmt.Sprint(request.ID): {"Changed my mind"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Select reject to send this reason, or delete it to approve the request", "Changed my mind")

		r = b.post(path, url.Values{"decision": {"approve"}})
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Approved, not ready yet", "Mark ready to collect")
		mustStatus(t, b.post(path, url.Values{"decision": {"approve"}}), http.StatusConflict)
		r = b.post(path, url.Values{"decision": {"ready"}})
		mustContain(t, r, "no prescription requests to deal with", "Prescriptions (0)")
		s.db.First(&request, request.ID)
		if request.Status != models.RequestReady || request.DecidedByID == nil {
			t.Errorf("request = %+v", request)
		}
		if s.auditCount("prescription.approved", "") != 1 || s.auditCount("prescription.ready", "") != 1 {
			t.Error("decisions not audited")
		}
	})
}

func TestRejectingAPrescriptionKeepsTheReason(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var request models.PrescriptionRequest
		s.db.First(&request)
		b := s.browser(t)
		b.signIn("nurse")
		b.post(fmt.Sprintf("/queues/prescriptions/%d", request.ID), url.Values{"decision": {"reject"},
			"reason-" + fmt.Sprint(request.ID): {"  You had one last week. Ask at your next review.  "}})
		s.db.First(&request, request.ID)
		if request.Status != models.RequestRejected || request.Reason != "You had one last week. Ask at your next review." {
			t.Errorf("request = %+v", request)
		}
	})
}

func TestAlertQueue(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var alert models.Alert
		s.db.First(&alert)
		path := fmt.Sprintf("/queues/alerts/%d", alert.ID)
		field := fmt.Sprintf("note-%d", alert.ID)
		b := s.browser(t)
		b.signIn("nurse")
		r := b.get("/queues/alerts")
		mustContain(t, r, "Amelia Jones", "Peak flow 140 litres a minute, in the red zone", "Red-zone alerts (1)")
		r = b.post(path, url.Values{field: {"   "}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Enter a note about what you did", `href="#`+field+`"`)
		r = b.post(path, url.Values{field: {strings.Repeat("x", 1001)}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		r = b.post(path, url.Values{field: {"Phoned Amelia's dad. She is better after her reliever."}})
		mustContain(t, r, "no red-zone alerts to deal with", "Red-zone alerts (0)")
		mustStatus(t, b.post(path, url.Values{field: {"again"}}), http.StatusConflict)
		s.db.First(&alert, alert.ID)
		if alert.Status != models.AlertAcknowledged || alert.Note == "" || alert.AcknowledgedByID == nil {
			t.Errorf("alert = %+v", alert)
		}
		if s.auditCount("alert.acknowledged", "") != 1 {
			t.Error("acknowledgement not audited")
		}
	})
}

func TestQueuesRefuseOtherPracticesAndOtherRoles(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		priya := s.patient(t, priyaRef)
		nurse, _ := s.store.UserByUsername(t.Context(), "nurse")
		reading := models.Reading{PatientID: priya.ID, Kind: models.ReadingPeakFlow, Zone: models.ZoneRed, RecordedByID: nurse.ID, CreatedAt: s.db.NowFunc()}
		s.db.Create(&reading)
		alert := models.Alert{PatientID: priya.ID, ReadingID: reading.ID, Status: models.AlertOpen, CreatedAt: s.db.NowFunc()}
		s.db.Create(&alert)
		request := models.PrescriptionRequest{PatientID: priya.ID, PlanID: 1, Medicine: "Hydroxycarbamide", Status: models.RequestRequested,
			RequestedByID: nurse.ID, CreatedAt: s.db.NowFunc(), UpdatedAt: s.db.NowFunc()}
		s.db.Create(&request)

		b := s.browser(t)
		b.signIn("nurse")
		r := b.get("/queues/alerts")
		if strings.Contains(r.body, "Priya") {
			t.Error("another practice's alert is in the queue")
		}
		mustStatus(t, b.post(fmt.Sprintf("/queues/alerts/%d", alert.ID), url.Values{fmt.Sprintf("note-%d", alert.ID): {"seen"}}), http.StatusForbidden)
		mustStatus(t, b.post(fmt.Sprintf("/queues/prescriptions/%d", request.ID), url.Values{"decision": {"approve"}}), http.StatusForbidden)
		s.db.First(&request, request.ID)
		if request.Status != models.RequestRequested {
			t.Error("another practice's request was decided")
		}
		for _, role := range []string{"patient", "carer", "admin", "commissioner"} {
			other := s.browser(t)
			other.signIn(role)
			mustStatus(t, other.get("/queues/prescriptions"), http.StatusForbidden)
			mustStatus(t, other.get("/queues/alerts"), http.StatusForbidden)
			mustStatus(t, other.post("/queues/prescriptions/1", url.Values{"decision": {"approve"}}), http.StatusForbidden)
		}
	})
}

// TestADecisionComesBackToItsPageOfTheQueue decides a request on the
// second page of a filtered queue: a mistake shows that page again, with
// the error, and the decision comes back to it.
func TestADecisionComesBackToItsPageOfTheQueue(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		amelia := s.patient(t, ameliaRef)
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", amelia.ID)
		start := time.Now().Add(-time.Hour)
		for i := range models.ListPageSize + 5 {
			mustCreate(t, s, &models.PrescriptionRequest{PatientID: amelia.ID, PlanID: plan.ID, Medicine: fmt.Sprintf("Medicine %03d", i),
				Status: models.RequestRequested, RequestedByID: s.user(t, "carer").ID, CreatedAt: start.Add(time.Duration(i) * time.Second)})
		}
		var last models.PrescriptionRequest
		s.db.Order("id DESC").First(&last)
		b := s.browser(t)
		b.signIn("nurse")
		here := "?page=2&status=" + models.RequestRequested
		r := b.get("/queues/prescriptions" + here)
		mustContain(t, r, "Showing 51 to", last.Medicine+" for Amelia Jones",
			fmt.Sprintf(`action="/queues/prescriptions/%d?page=2&status=requested"`, last.ID))

		path := fmt.Sprintf("/queues/prescriptions/%d", last.ID) + here
		r = b.post(path, url.Values{"decision": {"reject"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Enter a reason for rejecting the request", "Showing 51 to", last.Medicine+" for Amelia Jones")

		r = b.post(path, url.Values{"decision": {"approve"}})
		mustStatus(t, r, http.StatusOK)
		if r.url != "/queues/prescriptions" {
			t.Errorf("the decision came back to %s", r.url)
		}
		mustContain(t, r, last.Medicine+" approved", "Showing 51 to")
	})
}
