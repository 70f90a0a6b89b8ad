package fhirmap_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/fhirmap"
	"healthpassport/models/fhirmap/fhirschema"
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
		Phone: "07700 900123", Email: "amelia@example.com", UpdatedAt: updated, RecordVersion: 4,
		Practice: &models.Organisation{Name: "Riverside Health Centre", ODSCode: "Y90001"}}), "patient.json")
}

func TestDiagnosisMapsToSNOMEDCodedCondition(t *testing.T) {
	sameJSON(t, fhirmap.FromDiagnosis(models.Diagnosis{PatientRef: "demoamelia0000001", ActionPlan: models.ActionPlan{ID: 7,
		ConditionName: "Asthma", SnomedCode: "195967001", CreatedAt: updated}}), "condition.json")
}

func TestPeakFlowMapsToObservationInLitresAMinute(t *testing.T) {
	litres := 320
	sameJSON(t, fhirmap.FromPeakFlow(models.PatientReading{PatientRef: "demoamelia0000001", Reading: models.Reading{ID: 42,
		Kind: models.ReadingPeakFlow, PeakFlow: &litres, CreatedAt: updated}}), "observation.json")
}

var (
	created = time.Date(2026, 1, 10, 14, 0, 0, 0, time.UTC)
	asthma  = models.PlanContent{
		Zones: []models.Zone{
			{Colour: models.ZoneGreen, Title: "Doing well", Signs: []string{"No cough", "Sleeping well"}, Actions: []string{"Take your preventer inhaler every day"}},
			{Colour: models.ZoneAmber, Title: "Getting worse", Signs: []string{"Coughing at night"}, Actions: []string{"Take your reliever inhaler", "Book a GP appointment"}},
			{Colour: models.ZoneRed, Title: "Emergency", Signs: []string{"Too breathless to speak"}, Actions: []string{"Call 999"}},
		},
		Medicines: []models.Medicine{{Name: "Salbutamol", Form: "inhaler", Dose: "2 puffs", Frequency: "when needed", Purpose: "reliever"}},
		PeakFlow:  &models.PeakFlow{PersonalBest: 400, AmberBelow: 320, RedBelow: 200},
	}
	publishedAsthma = models.PublishedPlan{ActionPlan: models.ActionPlan{ID: 7, ConditionName: "Asthma", SnomedCode: "195967001", CreatedAt: created},
		PatientRef: "demoamelia0000001", AuthorName: "Nina Patel", Content: asthma,
		Version: models.PlanVersion{Number: 3, AuthorID: 3, State: models.VersionPublished, CreatedAt: updated}}
)

func TestPublishedPlanMapsToCarePlanVersionedByItsNumber(t *testing.T) {
	sameJSON(t, fhirmap.FromPlan(publishedAsthma), "careplan.json")
}

func TestPlanMedicinesMapToMedicationStatements(t *testing.T) {
	statements := fhirmap.FromMedicines(publishedAsthma)
	if len(statements) != 1 {
		t.Fatalf("%d statements for one medicine", len(statements))
	}
	sameJSON(t, statements[0], "medicationstatement.json")
}

func TestPlanVersionsMapToAHistoryBundle(t *testing.T) {
	version := func(number int, at time.Time) fhirmap.CarePlan {
		return fhirmap.FromPlan(models.PublishedPlan{ActionPlan: models.ActionPlan{ID: 7, ConditionName: "Epilepsy", CreatedAt: created},
			PatientRef: "demoamelia0000001", AuthorName: "Nina Patel", Version: models.PlanVersion{Number: number, AuthorID: 3, CreatedAt: at}})
	}
	sameJSON(t, fhirmap.History("http://passport.test/fhir", "http://passport.test/fhir/CarePlan/7/_history",
		[]fhirmap.Versioned{version(3, updated), version(1, created)}), "careplan-history.json")
}

func TestSymptomCheckInMapsToObservationWithAnAnswerPerQuestion(t *testing.T) {
	sameJSON(t, fhirmap.FromReading(models.PatientReading{PatientRef: "demoamelia0000001", Reading: models.Reading{ID: 43,
		Kind: models.ReadingSymptoms, Zone: models.ZoneAmber, CreatedAt: updated,
		Answers: `{"Are you too breathless to speak?":false,"Are you coughing at night?":true}`}}), "observation-checkin.json")
}

func TestRevokedCarerMapsToInactiveRelatedPerson(t *testing.T) {
	revoked := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	sameJSON(t, fhirmap.FromCarer(models.Carer{DisplayName: "Sarah Jones", PatientRef: "demoamelia0000001", CarerLink: models.CarerLink{ID: 5,
		Relationship: "Mother", Permission: models.PermissionAct, CreatedAt: updated, RevokedAt: &revoked,
		RecordVersion: 2, RecordChangedAt: &revoked}}), "relatedperson-revoked.json")
}

func TestPlanAuthorMapsToPractitionerWithNameOnly(t *testing.T) {
	sameJSON(t, fhirmap.FromPractitioner(models.User{ID: 3, DisplayName: "Nina Patel", Username: "nina", Email: "nina@nhs.example",
		Role: models.RoleNurse, UpdatedAt: updated, RecordVersion: 2}), "practitioner.json")
}

func TestPracticeMapsToOrganizationByODSCode(t *testing.T) {
	sameJSON(t, fhirmap.FromOrganisation(models.Organisation{ID: 2, Kind: models.OrganisationPractice, Name: "Riverside Health Centre",
		ODSCode: "Y90001", CreatedAt: updated, RecordVersion: 1}), "organization.json")
}

func TestPracticeMapsToAGroupOfItsPatients(t *testing.T) {
	sameJSON(t, fhirmap.FromGroup(models.Group{MemberRefs: []string{"demoamelia0000001", "demoben00000002"},
		Practice: models.Organisation{ID: 2, Kind: models.OrganisationPractice, Name: "Riverside Health Centre", ODSCode: "Y90001",
			CreatedAt: created, CohortVersion: 5, CohortChangedAt: &updated}}), "group.json")
}

// Every hand-written expected resource is valid FHIR R4, so the mapping
// tests hold the mapping to valid resources.
func TestExpectedResourcesValidateAgainstTheFHIRSchema(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatal("no expected resources", err)
	}
	var resources []any
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var resource any
		if err := json.Unmarshal(text, &resource); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		resources = append(resources, resource)
	}
	fhirschema.Validate(t, resources)
}

func TestPassportRecordMapsToACollectionBundle(t *testing.T) {
	practice := models.Organisation{Kind: models.OrganisationPractice, Name: "Riverside Health Centre", ODSCode: "Y90001", CreatedAt: updated,
		RecordVersion: 1}
	record := models.PassportRecord{
		Patient: models.Patient{Ref: "demoamelia0000001", NHSNumber: "9990000018", GivenName: "Amelia", FamilyName: "Jones",
			DateOfBirth: time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: updated, RecordVersion: 4, Practice: &practice, Allergies: "Penicillin"},
		Practice: practice,
		Contacts: []models.Contact{{Kind: models.ContactEmergency, Name: "Sam Jones", Relationship: "Parent", Phone: "07700 900456"},
			{Kind: models.ContactClinic, Name: "Asthma nurse", Phone: "0300 123 4567"}},
		Carers: []models.Carer{{DisplayName: "Sam Jones", PatientRef: "demoamelia0000001", CarerLink: models.CarerLink{ID: 5,
			Relationship: "Parent", Permission: models.PermissionAct, CreatedAt: updated, RecordVersion: 1}}},
		Reviews: []models.Review{{ID: 2, ReviewedOn: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), Outcome: models.OutcomeNoChange,
			NextReviewOn: time.Date(2027, 3, 4, 0, 0, 0, 0, time.UTC), CreatedAt: updated}},
	}
	sameJSON(t, fhirmap.PassportBundle("http://passport.test/fhir", record), "passport-bundle.json")
}

func TestFreeTextAllergiesMapToOneAllergyIntoleranceNamedByTheText(t *testing.T) {
	sameJSON(t, fhirmap.FromAllergies(models.Patient{Ref: "demoamelia0000001", Allergies: "Penicillin, peanuts", UpdatedAt: updated}),
		"allergyintolerance.json")
}

func TestCommunicationNeedsMapToAFlag(t *testing.T) {
	sameJSON(t, fhirmap.FromCommunicationNeeds(models.Patient{Ref: "demoamelia0000001", CommunicationNeeds: "Uses Makaton & needs <large> print",
		UpdatedAt: updated}), "flag-communication.json")
}

func TestAcknowledgedAlertMapsToInactiveClinicalFlag(t *testing.T) {
	acknowledged := updated.Add(2 * time.Hour)
	sameJSON(t, fhirmap.FromAlert("demoamelia0000001", models.Alert{ID: 4, RaisedOn: "2026-03-04", ReadingCount: 2,
		Status: models.AlertAcknowledged, AcknowledgedAt: &acknowledged, CreatedAt: updated}), "flag-alert.json")
}

func TestPrescriptionRequestsMapToMedicationRequestsByTheirState(t *testing.T) {
	request := models.PrescriptionRequest{ID: 8, Medicine: "Clenil Modulite 100 micrograms", Purpose: "Preventer",
		CreatedAt: updated, UpdatedAt: updated.Add(time.Hour)}
	for _, test := range []struct{ status, reason, wantStatus, wantIntent string }{
		{models.RequestRequested, "", "active", "proposal"},
		{models.RequestApproved, "", "active", "order"},
		{models.RequestReady, "", "completed", "order"},
		{models.RequestRejected, "Due for a review first", "cancelled", "proposal"},
	} {
		request.Status, request.Reason = test.status, test.reason
		got := fhirmap.FromPrescriptionRequest("demoamelia0000001", request)
		if got.Status != test.wantStatus || got.Intent != test.wantIntent {
			t.Errorf("%s: status %q intent %q, want %q %q", test.status, got.Status, got.Intent, test.wantStatus, test.wantIntent)
		}
	}
	sameJSON(t, fhirmap.FromPrescriptionRequest("demoamelia0000001", request), "medicationrequest-rejected.json")
}

func TestReviewMapsToFinishedEncounterWithItsNotesAsText(t *testing.T) {
	score := 1
	sameJSON(t, fhirmap.FromReview("demoamelia0000001", models.Review{ID: 3, ReviewedOn: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC),
		Outcome: models.OutcomePlanUpdated, Notes: "Inhaler technique <checked>", UnplannedCare: "none", RCPScore: &score,
		NextReviewOn: time.Date(2027, 3, 4, 0, 0, 0, 0, time.UTC), CreatedAt: updated}), "encounter-review.json")
}

func TestShareMapsToPrivacyConsentEndingWhenRevoked(t *testing.T) {
	revoked := updated.AddDate(0, 0, 3)
	share := models.Share{ID: 6, Recipient: "St Mary's Primary School", ExpiresAt: updated.AddDate(0, 0, 30), RevokedAt: &revoked, CreatedAt: updated}
	sameJSON(t, fhirmap.FromShare("demoamelia0000001", share, updated.AddDate(0, 0, 10)), "consent-share-revoked.json")
	share.RevokedAt = nil
	if consent := fhirmap.FromShare("demoamelia0000001", share, updated.AddDate(0, 0, 10)); consent.Status != "active" ||
		consent.Provision.Period.End != "2026-04-03T09:30:15Z" {
		t.Errorf("a share still in force: %s until %s", consent.Status, consent.Provision.Period.End)
	}
	if consent := fhirmap.FromShare("demoamelia0000001", share, updated.AddDate(0, 0, 30)); consent.Status != "inactive" {
		t.Errorf("an expired share is %s", consent.Status)
	}
}
