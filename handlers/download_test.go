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
	var bundles []any
	eachServer(t, func(t *testing.T, s *testServer) {
		amelia := s.patient(t, ameliaRef)
		s.db.Create(&models.Reading{PatientID: amelia.ID, Kind: models.ReadingSymptoms, Answers: `{"Are you coughing at night?":true}`,
			Zone: models.ZoneAmber, RecordedByID: 1, CreatedAt: time.Now()})
		patient := s.browser(t)
		patient.signIn("patient")
		mustContain(t, patient.get("/passport/"+ameliaRef), "All the data we hold")
		page := patient.get("/passport/" + ameliaRef + "/data")
		mustStatus(t, page, http.StatusOK)
		mustContain(t, page, "All the data we hold", amelia.FullName(), "Asthma action plan", "Sam Jones", "Symptom check-in", "Download it as a file")
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
		for _, want := range []string{"Patient", "Organization", "Practitioner", "Condition", "CarePlan", "MedicationStatement", "RelatedPerson", "Observation"} {
			if !slices.Contains(types, want) {
				t.Errorf("the download has no %s: %v", want, types)
			}
		}
		var readings int64
		s.db.Model(&models.Reading{}).Where("patient_id = ?", amelia.ID).Count(&readings)
		if observations := len(slices.DeleteFunc(types, func(t string) bool { return t != "Observation" })); int64(observations) != readings {
			t.Errorf("%d observations for %d readings", observations, readings)
		}
		if s.auditCount(models.AuditPassportDownloaded, ameliaRef) != 1 {
			t.Error("the download was not audited")
		}

		carer := s.browser(t)
		carer.signIn("carer")
		mustStatus(t, carer.get("/passport/"+ameliaRef+"/data/download"), http.StatusOK)
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
	})
	fhirschema.Validate(t, bundles)
}
