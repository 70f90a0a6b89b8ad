package fhirmap_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/fhirmap"
)

// sameJSON fails unless resource, as JSON, equals the hand-written file.
func sameJSON(t *testing.T, resource any, file string) {
	t.Helper()
	got, err := json.Marshal(resource)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var gotValue, wantValue any
	if err := json.Unmarshal(got, &gotValue); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &wantValue); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	gotText, _ := json.MarshalIndent(gotValue, "", "  ")
	wantText, _ := json.MarshalIndent(wantValue, "", "  ")
	if string(gotText) != string(wantText) {
		t.Errorf("%s differs:\ngot  %s\nwant %s", file, gotText, wantText)
	}
}

var updated = time.Date(2026, 3, 4, 9, 30, 15, 0, time.UTC)

func TestPatientMapsToUKCorePatient(t *testing.T) {
	sameJSON(t, fhirmap.FromPatient(models.Patient{Ref: "demoamelia0000001", NHSNumber: "9990000018", GivenName: "Amelia",
		FamilyName: "Jones", PreferredName: "Millie", DateOfBirth: time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC),
		Phone: "07700 900123", Email: "amelia@example.com", UpdatedAt: updated,
		Practice: &models.Organisation{Name: "Riverside Health Centre", ODSCode: "Y90001"}}), "patient.json")
}

func TestDiagnosisMapsToSNOMEDCodedCondition(t *testing.T) {
	sameJSON(t, fhirmap.FromDiagnosis(models.Diagnosis{PatientRef: "demoamelia0000001", ActionPlan: models.ActionPlan{ID: 7,
		ConditionName: "Asthma", SnomedCode: "195967001", CreatedAt: updated}}), "condition.json")
}

func TestPeakFlowMapsToObservationInLitresAMinute(t *testing.T) {
	litres := 320
	sameJSON(t, fhirmap.FromPeakFlow(models.PeakFlowReading{PatientRef: "demoamelia0000001", Reading: models.Reading{ID: 42,
		Kind: models.ReadingPeakFlow, PeakFlow: &litres, CreatedAt: updated}}), "observation.json")
}
