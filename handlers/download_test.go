package handlers_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/fhirmap/fhirschema"
)

func TestPatientAndActingCarerDownloadEverythingHeld(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var bundles []any
		amelia, oliver := s.patient(t, ameliaRef), s.patient(t, oliverRef)
		staff := s.user(t, "nurse")
		s.db.Create(&models.Reading{PatientID: amelia.ID, Kind: models.ReadingSymptoms, Answers: `{"Are you coughing at night?":true}`,
			Zone: models.ZoneAmber, RecordedByID: 1, CreatedAt: time.Now()})
		s.db.Model(&amelia).Updates(map[string]any{"allergies": "Penicillin <rash>", "communication_needs": "Uses Makaton"})
		today := time.Now().UTC().Truncate(24 * time.Hour)
		revoked := time.Now().Add(-time.Hour)
		for _, patient := range []models.Patient{amelia, oliver} {
			var reading models.Reading
			s.db.Where("patient_id = ?", amelia.ID).Order("id").First(&reading)
			s.db.Create(&models.Review{PatientID: patient.ID, ReviewedOn: today, Outcome: models.OutcomeReferred, Notes: "Seen by the respiratory team",
				NextReviewOn: today.AddDate(1, 0, 0), AuthorID: staff.ID, CreatedAt: time.Now()})
			s.db.Create(&models.Alert{PatientID: patient.ID, ReadingID: reading.ID, RaisedOn: models.UKDay(time.Now()), ReadingCount: 2,
				Status: models.AlertOpen, CreatedAt: time.Now()})
			s.db.Create(&models.Share{PatientID: patient.ID, CodeHash: models.HashActivationCode(patient.Ref), Recipient: "St Mary's Primary School",
				CreatedByID: staff.ID, ExpiresAt: time.Now().AddDate(0, 0, 30), RevokedAt: &revoked, CreatedAt: time.Now().Add(-2 * time.Hour)})
		}
		patient := s.browser(t)
		patient.signIn("patient")
		mustContain(t, patient.get("/passport/"+ameliaRef), "All the data we hold")
		page := patient.get("/passport/" + ameliaRef + "/data")
		mustStatus(t, page, http.StatusOK)
		mustContain(t, page, "All the data we hold", amelia.FullName(), "Asthma action plan", "Sam Jones", "Symptom check-in", "Download it as a file",
			"Penicillin <rash>", "Uses Makaton", "Repeat prescription requests", "Salbutamol 100 micrograms",
			"Referred for more care. Next review", "Notes: Seen by the respiratory team", "1 request, newest first", "2 readings in the red zone", "Not yet seen by a nurse",
			"St Mary's Primary School", "stopped")
		if page.header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q", page.header.Get("Cache-Control"))
		}
		if s.auditCount(models.AuditPassportDataViewed, ameliaRef) != 1 {
			t.Error("reading everything held was not audited")
		}

		download := patient.get("/passport/" + ameliaRef + "/data/download")
		mustStatus(t, download, http.StatusOK)
		if !strings.HasPrefix(download.header.Get("Content-Type"), "application/fhir+json") ||
			!strings.Contains(download.header.Get("Content-Disposition"), "attachment") {
			t.Errorf("download headers %v", download.header)
		}
		var bundle map[string]any
		if err := json.Unmarshal([]byte(download.body), &bundle); err != nil {
			t.Fatal(err)
		}
		bundles = append(bundles, bundle)
		var types []string
		for _, entry := range bundle["entry"].([]any) {
			types = append(types, entry.(map[string]any)["resource"].(map[string]any)["resourceType"].(string))
		}
		for _, want := range []string{"Patient", "Organization", "Practitioner", "Condition", "CarePlan", "MedicationStatement", "RelatedPerson",
			"AllergyIntolerance"} {
			if !slices.Contains(types, want) {
				t.Errorf("the download has no %s: %v", want, types)
			}
		}
		// One resource for each row kept about Amelia, and none of Oliver's;
		// her allergies and communication needs are one resource each, so
		// Flags are her alerts and the one for her communication needs.
		for resourceType, table := range map[string]any{"Observation": &models.Reading{}, "MedicationRequest": &models.PrescriptionRequest{},
			"Encounter": &models.Review{}, "Consent": &models.Share{}, "Flag": &models.Alert{}} {
			rows := s.countWhere(table, "patient_id = ?", amelia.ID)
			if resourceType == "Flag" {
				rows++
			}
			if got := int64(len(slices.DeleteFunc(slices.Clone(types), func(t string) bool { return t != resourceType }))); rows == 0 || got != rows {
				t.Errorf("%d %s resources for %d rows", got, resourceType, rows)
			}
		}
		if s.auditCount(models.AuditPassportDownloaded, ameliaRef) != 1 {
			t.Error("the download was not audited")
		}

		carer := s.browser(t)
		carer.signIn("carer")
		mustStatus(t, carer.get("/passport/"+ameliaRef+"/data/download"), http.StatusOK)
		s.chainWaitingAudit()
		var onBehalf int64
		s.db.Model(&models.AuditEvent{}).Where("action = ? AND actor_role = ? AND on_behalf_of = ?", models.AuditPassportDownloaded, models.RoleCarer, amelia.ID).Count(&onBehalf)
		if onBehalf != 1 {
			t.Error("the carer's download was not audited on Amelia's behalf")
		}
		s.db.Model(&models.CarerLink{}).Where("patient_id = ?", amelia.ID).Update("permission", models.PermissionView)
		viewer := s.browser(t)
		viewer.signIn("carer")
		mustStatus(t, viewer.get("/passport/"+ameliaRef+"/data"), http.StatusForbidden)
		mustStatus(t, viewer.get("/passport/"+ameliaRef+"/data/download"), http.StatusForbidden)

		nurse := s.browser(t)
		nurse.signIn("nurse")
		mustStatus(t, nurse.get("/passport/"+ameliaRef+"/data/download"), http.StatusForbidden)
		fhirschema.Validate(t, bundles)
	})
}
