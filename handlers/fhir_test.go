package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/fhirmap/fhirschema"
)

// allScopes grants reading and searching every resource type the API
// serves.
func allScopes() []string {
	var scopes []string
	for _, resourceType := range models.APIResourceTypes {
		scopes = append(scopes, models.ReadScope(resourceType))
	}
	return scopes
}

// readingClient is a client of Riverside, where Amelia is registered, with
// every scope.
func (s *testServer) readingClient(t *testing.T) string {
	t.Helper()
	return s.token(t, s.registerClient(t, "Y90001", allScopes()...), strings.Join(allScopes(), " "))
}

// entries are the resources of a Bundle.
func (a fhirAnswer) entries() []map[string]any {
	var resources []map[string]any
	entries, _ := a.body["entry"].([]any)
	for _, entry := range entries {
		resources = append(resources, entry.(map[string]any)["resource"].(map[string]any))
	}
	return resources
}

// next is the Bundle's next link, relative to the API's base, or empty.
func (a fhirAnswer) next(t *testing.T) string {
	t.Helper()
	links, _ := a.body["link"].([]any)
	for _, link := range links {
		if link := link.(map[string]any); link["relation"] == "next" {
			next, found := strings.CutPrefix(link["url"].(string), "http://passport.test/fhir/")
			if !found {
				t.Fatalf("next link %v is not on the API's address", link["url"])
			}
			return next
		}
	}
	return ""
}

func ids(resources []map[string]any) []string {
	var found []string
	for _, resource := range resources {
		found = append(found, resource["id"].(string))
	}
	return found
}

// walk follows a search's next links to the end and lists every entry's
// id, failing if a page holds more than count.
func (s *testServer) walk(t *testing.T, token, search string, count int) []string {
	t.Helper()
	var found []string
	for path := search; path != ""; {
		page := s.fhir(t, token, path).must(t, http.StatusOK, "Bundle")
		if len(page.entries()) > count {
			t.Fatalf("%s: %d entries on a page of %d", path, len(page.entries()), count)
		}
		found = append(found, ids(page.entries())...)
		path = page.next(t)
	}
	return found
}

func TestSearchesPageThroughEveryMatchWithNextLinks(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		token := s.readingClient(t)
		amelia := s.patient(t, ameliaRef)
		for i := range 5 {
			flow := 300 + i
			s.db.Create(&models.Reading{PatientID: amelia.ID, Kind: models.ReadingPeakFlow, PeakFlow: &flow, Zone: models.ZoneGreen,
				RecordedByID: 1, CreatedAt: time.Now()})
		}
		s.db.Create(&models.Reading{PatientID: amelia.ID, Kind: models.ReadingSymptoms, Answers: `{"Are you coughing at night?":true}`,
			Zone: models.ZoneAmber, RecordedByID: 1, CreatedAt: time.Now()})

		var readingIDs []string
		s.db.Model(&models.Reading{}).Where("patient_id = ?", amelia.ID).Order("id DESC").Pluck("CAST(id AS TEXT)", &readingIDs)
		if got := s.walk(t, token, "Observation?patient="+ameliaRef+"&_count=2", 2); !slices.Equal(got, readingIDs) {
			t.Errorf("paged observations %v; want every reading newest first %v", got, readingIDs)
		}
		first := s.fhir(t, token, "Observation?patient="+ameliaRef+"&_count=2").must(t, http.StatusOK, "Bundle")
		if _, given := first.body["total"]; given {
			t.Error("a page with more after it gave a total")
		}
		if all := s.fhir(t, token, "Observation?patient="+ameliaRef).must(t, http.StatusOK, "Bundle"); all.body["total"] != float64(len(readingIDs)) {
			t.Errorf("total %v; want %d", all.body["total"], len(readingIDs))
		}
		if !strings.Contains(mustJSON(t, first.body), `"Symptom check-in"`) {
			t.Error("the symptom check-in is not the newest observation")
		}

		var riverside []string
		s.db.Model(&models.Patient{}).Joins("JOIN organisations ON organisations.id = patients.practice_id").
			Where("organisations.ods_code = ?", "Y90001").Order("patients.id").Pluck("patients.ref", &riverside)
		if got := s.walk(t, token, "Patient?_count=1", 1); !slices.Equal(got, riverside) {
			t.Errorf("paged patients %v; want Riverside's %v", got, riverside)
		}
		for _, search := range []string{"Condition", "CarePlan", "MedicationStatement", "RelatedPerson"} {
			whole := ids(s.fhir(t, token, search+"?patient="+ameliaRef).must(t, http.StatusOK, "Bundle").entries())
			if len(whole) == 0 {
				t.Errorf("%s found nothing for Amelia", search)
			}
			if paged := s.walk(t, token, search+"?patient="+ameliaRef+"&_count=1", 1); !slices.Equal(paged, whole) {
				t.Errorf("%s paged %v; want %v", search, paged, whole)
			}
		}
	})
}

// publish adds a version to a plan as a nurse's save would, published or
// a draft.
func (s *testServer) publish(t *testing.T, plan models.ActionPlan, state string) int {
	t.Helper()
	var latest models.PlanVersion
	if err := s.db.Where("plan_id = ?", plan.ID).Order("number DESC").First(&latest).Error; err != nil {
		t.Fatal(err)
	}
	next := models.PlanVersion{PlanID: plan.ID, Number: latest.Number + 1, AuthorID: latest.AuthorID, Content: latest.Content,
		State: state, CreatedAt: time.Now()}
	if err := s.db.Create(&next).Error; err != nil {
		t.Fatal(err)
	}
	return next.Number
}

func TestCarePlanVersionsAreFHIRVersionsWithHistoryVreadAndETag(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		token := s.readingClient(t)
		amelia := s.patient(t, ameliaRef)
		var plan models.ActionPlan
		if err := s.db.Where("patient_id = ? AND condition_name = ?", amelia.ID, "Asthma").First(&plan).Error; err != nil {
			t.Fatal(err)
		}
		id := itoa(plan.ID)
		before := s.fhir(t, token, "CarePlan/"+id).must(t, http.StatusOK, "CarePlan")
		oldVersion := before.body["meta"].(map[string]any)["versionId"].(string)
		if before.header.Get("ETag") != `W/"`+oldVersion+`"` {
			t.Errorf("ETag %q for version %s", before.header.Get("ETag"), oldVersion)
		}
		body := mustJSON(t, before.body)
		for _, want := range []string{"Red zone", "L/min", `"Patient/` + ameliaRef + `"`, "Practitioner/", "UKCore-CarePlan", `"status":"active"`} {
			if !strings.Contains(body, want) {
				t.Errorf("CarePlan lacks %s: %s", want, body)
			}
		}

		draft := s.publish(t, plan, models.VersionDraft)
		published := s.publish(t, plan, models.VersionPublished)
		after := s.fhir(t, token, "CarePlan/"+id).must(t, http.StatusOK, "CarePlan")
		if after.header.Get("ETag") != `W/"`+itoa(uint(published))+`"` || after.body["meta"].(map[string]any)["versionId"] != itoa(uint(published)) {
			t.Errorf("after publishing version %d: ETag %q, meta %v", published, after.header.Get("ETag"), after.body["meta"])
		}
		old := s.fhir(t, token, "CarePlan/"+id+"/_history/"+oldVersion).must(t, http.StatusOK, "CarePlan")
		if old.header.Get("ETag") != `W/"`+oldVersion+`"` {
			t.Errorf("vread of version %s has ETag %q", oldVersion, old.header.Get("ETag"))
		}
		s.fhir(t, token, "CarePlan/"+id+"/_history/"+itoa(uint(draft))).must(t, http.StatusNotFound, "OperationOutcome")
		s.fhir(t, token, "CarePlan/"+id+"/_history/999").must(t, http.StatusNotFound, "OperationOutcome")
		s.fhir(t, token, "CarePlan/"+id+"/_history/x").must(t, http.StatusNotFound, "OperationOutcome")

		history := s.fhir(t, token, "CarePlan/"+id+"/_history").must(t, http.StatusOK, "Bundle")
		var want []string
		s.db.Model(&models.PlanVersion{}).Where("plan_id = ? AND state = ?", plan.ID, models.VersionPublished).Order("number DESC").
			Pluck("CAST(number AS TEXT)", &want)
		var got []string
		for _, version := range history.entries() {
			got = append(got, version["meta"].(map[string]any)["versionId"].(string))
		}
		if history.body["type"] != "history" || !slices.Equal(got, want) || slices.Contains(got, itoa(uint(draft))) {
			t.Errorf("history has versions %v; want the published ones %v", got, want)
		}

		if only := s.fhir(t, token, "CarePlan?patient="+ameliaRef+"&status=completed").must(t, http.StatusOK, "Bundle"); len(only.entries()) != 0 {
			t.Error("status=completed found an active plan")
		}
		if active := s.fhir(t, token, "CarePlan?patient="+ameliaRef+"&status=active,completed").must(t, http.StatusOK, "Bundle"); len(active.entries()) == 0 {
			t.Error("status=active found nothing")
		}
	})
}

func TestMedicinesCarersAndPlanAuthorsAreServed(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		token := s.readingClient(t)
		statements := s.fhir(t, token, "MedicationStatement?patient=Patient/"+ameliaRef).must(t, http.StatusOK, "Bundle").entries()
		if len(statements) == 0 {
			t.Fatal("no MedicationStatement for Amelia")
		}
		statement := s.fhir(t, token, "MedicationStatement/"+statements[0]["id"].(string)).must(t, http.StatusOK, "MedicationStatement")
		author := statement.body["informationSource"].(map[string]any)["reference"].(string)
		s.fhir(t, token, author).must(t, http.StatusOK, "Practitioner")
		s.fhir(t, token, "Organization/Y90001").must(t, http.StatusOK, "Organization")

		carers := s.fhir(t, token, "RelatedPerson?patient="+ameliaRef).must(t, http.StatusOK, "Bundle").entries()
		if len(carers) != 1 || carers[0]["name"].([]any)[0].(map[string]any)["text"] != "Sam Jones" {
			t.Fatalf("carers %v; want Sam Jones", carers)
		}
		carer := "RelatedPerson/" + carers[0]["id"].(string)
		s.fhir(t, token, carer).must(t, http.StatusOK, "RelatedPerson")
		s.db.Model(&models.CarerLink{}).Where("id = ?", carers[0]["id"]).Update("revoked_at", time.Now())
		s.fhir(t, token, carer).must(t, http.StatusGone, "OperationOutcome")
		if left := s.fhir(t, token, "RelatedPerson?patient="+ameliaRef).must(t, http.StatusOK, "Bundle"); len(left.entries()) != 0 {
			t.Error("a removed carer is still found")
		}
	})
}

func TestAPIErrorsAnswerOperationOutcomes(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		token := s.readingClient(t)
		patientOnly := s.token(t, s.registerClient(t, "Y90001", "system/Patient.rs"), "system/Patient.rs")
		priya := s.patient(t, priyaRef)
		var priyaPlan models.ActionPlan
		s.db.Where("patient_id = ?", priya.ID).First(&priyaPlan)
		var priyaReading models.Reading
		s.db.Where("patient_id = ?", priya.ID).First(&priyaReading)

		cases := map[string]int{
			"CarePlan?patient=" + ameliaRef + "&name=x":                       http.StatusBadRequest,
			"RelatedPerson?patient=" + ameliaRef + "&_sort=id":                http.StatusBadRequest,
			"Condition?patient=" + ameliaRef + "&_count=0":                    http.StatusBadRequest, // counts alone are for Patient and Observation
			"Observation?patient=" + ameliaRef + "&_count=abc":                http.StatusBadRequest,
			"Patient?_count=1001":                                             http.StatusBadRequest,
			"Patient?_count=99999999999999999999999":                          http.StatusBadRequest,
			"Patient?_after=-1":                                               http.StatusBadRequest,
			"CarePlan?patient=" + ameliaRef + "&status=sleeping":              http.StatusBadRequest,
			"MedicationStatement":                                             http.StatusBadRequest,
			"CarePlan/" + itoa(priyaPlan.ID):                                  http.StatusNotFound,
			"CarePlan/" + itoa(priyaPlan.ID) + "/_history":                    http.StatusNotFound,
			"MedicationStatement/" + itoa(priyaPlan.ID) + "-1":                http.StatusNotFound,
			"MedicationStatement/nonsense":                                    http.StatusNotFound,
			"CarePlan?patient=" + priyaRef:                                    http.StatusNotFound,
			"RelatedPerson?patient=" + priyaRef:                               http.StatusNotFound,
			"Observation/" + itoa(priyaReading.ID):                            http.StatusNotFound,
			"Organization/Y90002":                                             http.StatusNotFound,
			"Practitioner/999999":                                             http.StatusNotFound,
			"RelatedPerson/99999999999999999999999":                           http.StatusNotFound,
			"Patient/" + ameliaRef + "?_format=xml":                           http.StatusNotAcceptable,
			"CarePlan?patient=" + ameliaRef + "&_format=application/fhir+xml": http.StatusNotAcceptable,
		}
		for path, status := range cases {
			if answer := s.fhir(t, token, path); answer.status != status || answer.body["resourceType"] != "OperationOutcome" {
				t.Errorf("%s answered %d %v; want %d OperationOutcome", path, answer.status, answer.body["resourceType"], status)
			}
		}
		for _, resourceType := range []string{"CarePlan", "MedicationStatement", "RelatedPerson"} {
			s.fhir(t, patientOnly, resourceType+"?patient="+ameliaRef).must(t, http.StatusForbidden, "OperationOutcome")
			s.fhir(t, "", resourceType+"?patient="+ameliaRef).must(t, http.StatusUnauthorized, "OperationOutcome")
		}
		s.fhir(t, patientOnly, "Practitioner/1").must(t, http.StatusForbidden, "OperationOutcome")
		s.fhir(t, patientOnly, "Organization/Y90001").must(t, http.StatusForbidden, "OperationOutcome")
	})
}

// Every kind of resource the API answers with, errors included, is valid
// FHIR R4 by the official JSON schema.
func TestEveryAPIResourceValidatesAgainstTheFHIRSchema(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var resources []any
		token := s.readingClient(t)
		amelia := s.patient(t, ameliaRef)
		s.db.Create(&models.Reading{PatientID: amelia.ID, Kind: models.ReadingSymptoms, Answers: `{"Are you coughing at night?":true}`,
			Zone: models.ZoneAmber, RecordedByID: 1, CreatedAt: time.Now()})
		var plan models.ActionPlan
		s.db.Where("patient_id = ?", amelia.ID).First(&plan)
		collect := func(path string, status int) fhirAnswer {
			answer := s.fhir(t, token, path)
			if answer.status != status {
				t.Fatalf("%s answered %d; want %d", path, answer.status, status)
			}
			resources = append(resources, answer.body)
			return answer
		}
		collect("metadata", http.StatusOK)
		for _, search := range []string{"Patient?identifier=" + url.QueryEscape("https://fhir.nhs.uk/Id/nhs-number|"+amelia.NHSNumber),
			"Patient?_count=1", "Condition?patient=" + ameliaRef, "CarePlan?patient=" + ameliaRef, "MedicationStatement?patient=" + ameliaRef,
			"RelatedPerson?patient=" + ameliaRef, "Observation?patient=" + ameliaRef, "CarePlan/" + itoa(plan.ID) + "/_history"} {
			for _, entry := range collect(search, http.StatusOK).entries() {
				resources = append(resources, entry)
			}
		}
		statement := collect("MedicationStatement/"+itoa(plan.ID)+"-1", http.StatusOK)
		collect(statement.body["informationSource"].(map[string]any)["reference"].(string), http.StatusOK)
		collect("CarePlan/"+itoa(plan.ID)+"/_history/1", http.StatusOK)
		collect("Organization/Y90001", http.StatusOK)
		collect("Group/Y90001", http.StatusOK)
		for _, entry := range collect("Patient/"+ameliaRef+"/_history", http.StatusOK).entries() {
			resources = append(resources, entry)
		}
		collect("Patient/"+ameliaRef+"/_history/999", http.StatusNotFound)
		collect("Patient?name=x", http.StatusBadRequest)
		collect("Patient/nobody", http.StatusNotFound)
		collect("Patient/"+ameliaRef+"?_format=xml", http.StatusNotAcceptable)
		var link models.CarerLink
		s.db.Where("patient_id = ?", amelia.ID).First(&link)
		s.db.Model(&link).Update("revoked_at", time.Now())
		collect("RelatedPerson/"+itoa(link.ID), http.StatusGone)
		resources = append(resources, s.fhir(t, "", "Patient").must(t, http.StatusUnauthorized, "OperationOutcome").body)
		fhirschema.Validate(t, resources)
	})
}

func itoa(id uint) string { return strconv.FormatUint(uint64(id), 10) }
