package handlers_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/fhirmap"
)

// fhirRequest sends any request to the API with a token and headers, and
// reads the whole answer, which may be empty.
func (s *testServer) fhirRequest(t *testing.T, method, token, path string, header ...string) (int, http.Header, string) {
	t.Helper()
	return s.call(t, method, token, s.URL+"/fhir/"+path, header...)
}

// versionOf is a resource's meta.versionId and meta.lastUpdated.
func versionOf(t *testing.T, resource map[string]any) (string, string) {
	t.Helper()
	meta, _ := resource["meta"].(map[string]any)
	version, _ := meta["versionId"].(string)
	lastUpdated, _ := meta["lastUpdated"].(string)
	if version == "" || lastUpdated == "" {
		t.Fatalf("%s/%s has meta %v; want versionId and lastUpdated", resource["resourceType"], resource["id"], resource["meta"])
	}
	return version, lastUpdated
}

// versionedResource is a resource of each type the API serves, and a
// change that makes a new version of it (nil for records never changed).
type versionedResource struct {
	path   string
	change func()
}

func TestEveryResourceTypeIsVersionedWithConditionalReadsHistoryAndVersionReads(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		token := s.readingClient(t)
		amelia, priya := s.patient(t, ameliaRef), s.patient(t, priyaRef)
		reading := models.Reading{PatientID: amelia.ID, Kind: models.ReadingSymptoms, Answers: `{"Are you coughing at night?":true}`,
			Zone: models.ZoneAmber, RecordedByID: 1, CreatedAt: time.Now()}
		s.db.Create(&reading)
		var plan models.ActionPlan
		s.db.Where("patient_id = ?", amelia.ID).Order("id").First(&plan)
		var author models.PlanVersion
		s.db.Where("plan_id = ? AND state = ?", plan.ID, models.VersionPublished).Order("number DESC").First(&author)
		var link models.CarerLink
		s.db.Where("patient_id = ? AND revoked_at IS NULL", amelia.ID).First(&link)
		var riverside models.Organisation
		s.db.Where("ods_code = ?", "Y90001").First(&riverside)

		resources := map[string]versionedResource{
			"Patient": {"Patient/" + ameliaRef, func() {
				s.db.Model(&models.Patient{}).Where("id = ?", amelia.ID).Update("phone", "07700 900999")
			}},
			"Condition":   {"Condition/" + itoa(plan.ID), nil},
			"Observation": {"Observation/" + itoa(reading.ID), nil},
			"CarePlan":    {"CarePlan/" + itoa(plan.ID), func() { s.publish(t, plan, models.VersionPublished) }},
			"MedicationStatement": {"MedicationStatement/" + fhirmap.MedicationStatementID(plan.ID, 1), func() {
				s.publish(t, plan, models.VersionPublished)
			}},
			"RelatedPerson": {"RelatedPerson/" + itoa(link.ID), func() {
				s.db.Model(&models.CarerLink{}).Where("id = ?", link.ID).Update("relationship", "Grandparent")
			}},
			"Practitioner": {"Practitioner/" + itoa(author.AuthorID), func() {
				s.db.Model(&models.User{}).Where("id = ?", author.AuthorID).Update("display_name", "Dr Renamed")
			}},
			"Organization": {"Organization/Y90001", func() {
				s.db.Model(&models.Organisation{}).Where("id = ?", riverside.ID).Update("name", "Riverside Medical Practice")
			}},
			"Group": {"Group/Y90001", func() {
				s.db.Model(&models.Patient{}).Where("id = ?", priya.ID).Update("practice_id", riverside.ID)
			}},
		}
		for _, resourceType := range models.APIResourceTypes {
			resource, listed := resources[resourceType]
			if !listed {
				t.Errorf("no resource of type %s is tested", resourceType)
				continue
			}
			path := resource.path
			read := s.fhir(t, token, path).must(t, http.StatusOK, resourceType)
			version, lastUpdated := versionOf(t, read.body)
			etag := `W/"` + version + `"`
			updated, _ := time.Parse(time.RFC3339, lastUpdated)
			if read.header.Get("ETag") != etag || read.header.Get("Last-Modified") != updated.Format(http.TimeFormat) {
				t.Errorf("%s: ETag %q, Last-Modified %q for meta %s at %s", path, read.header.Get("ETag"), read.header.Get("Last-Modified"), version, lastUpdated)
			}

			for _, conditional := range [][]string{{"If-None-Match", etag}, {"If-None-Match", "*"}, {"If-None-Match", `W/"0", ` + etag},
				{"If-Modified-Since", read.header.Get("Last-Modified")}, {"If-Modified-Since", updated.Add(time.Hour).Format(http.TimeFormat)}} {
				status, header, body := s.fhirRequest(t, http.MethodGet, token, path, conditional...)
				if status != http.StatusNotModified || body != "" || header.Get("ETag") != etag {
					t.Errorf("%s with %s: %q answered %d, ETag %q, body %q; want 304 with no body", path, conditional[0], conditional[1], status, header.Get("ETag"), body)
				}
			}
			for _, unconditional := range [][]string{{"If-None-Match", `W/"0"`}, {"If-Modified-Since", updated.Add(-time.Hour).Format(http.TimeFormat)}} {
				if status, _, _ := s.fhirRequest(t, http.MethodGet, token, path, unconditional...); status != http.StatusOK {
					t.Errorf("%s with %s: %q answered %d; want 200", path, unconditional[0], unconditional[1], status)
				}
			}

			history := s.fhir(t, token, path+"/_history").must(t, http.StatusOK, "Bundle")
			entries, _ := history.body["entry"].([]any)
			if history.body["type"] != "history" || len(entries) == 0 {
				t.Fatalf("%s/_history: %v", path, history.body)
			}
			for _, entry := range entries {
				if fullURL := entry.(map[string]any)["fullUrl"]; fullURL != "http://passport.test/fhir/"+path {
					t.Errorf("%s/_history has an entry at %v; want the resource's address (bdl-8)", path, fullURL)
				}
			}
			if newest, _ := versionOf(t, history.entries()[0]); newest != version {
				t.Errorf("%s/_history starts at version %s; want the current %s", path, newest, version)
			}
			kept := slices.Contains(fhirmap.PastVersionsKept, resourceType)
			if !kept && len(entries) != 1 {
				t.Errorf("%s/_history has %d entries; only the current version is kept", path, len(entries))
			}
			vread := s.fhir(t, token, path+"/_history/"+version).must(t, http.StatusOK, resourceType)
			if vread.header.Get("ETag") != etag {
				t.Errorf("%s/_history/%s has ETag %q", path, version, vread.header.Get("ETag"))
			}
			s.fhir(t, token, path+"/_history/999999").must(t, http.StatusNotFound, "OperationOutcome")

			for _, method := range []string{http.MethodPut, http.MethodDelete, http.MethodPost, http.MethodPatch} {
				status, header, body := s.fhirRequest(t, method, token, path)
				var refusal map[string]any
				_ = json.Unmarshal([]byte(body), &refusal)
				if status != http.StatusMethodNotAllowed || refusal["resourceType"] != "OperationOutcome" || !strings.Contains(header.Get("Allow"), "GET") {
					t.Errorf("%s %s answered %d, Allow %q: %s; want 405 with an OperationOutcome", method, path, status, header.Get("Allow"), body)
				}
			}

			if resource.change == nil {
				if version != "1" {
					t.Errorf("%s is never changed but is at version %s", path, version)
				}
				continue
			}
			resource.change()
			status, header, body := s.fhirRequest(t, http.MethodGet, token, path, "If-None-Match", etag)
			var changed map[string]any
			_ = json.Unmarshal([]byte(body), &changed)
			if status != http.StatusOK {
				t.Fatalf("%s after a change answered %d to its old ETag", path, status)
			}
			newVersion, _ := versionOf(t, changed)
			before, _ := strconv.Atoi(version)
			if after, _ := strconv.Atoi(newVersion); after <= before || header.Get("ETag") != `W/"`+newVersion+`"` {
				t.Errorf("%s after a change: version %s (was %s), ETag %q", path, newVersion, version, header.Get("ETag"))
			}
			if kept {
				s.fhir(t, token, path+"/_history/"+version).must(t, http.StatusOK, resourceType)
			} else {
				s.fhir(t, token, path+"/_history/"+version).must(t, http.StatusNotFound, "OperationOutcome")
			}
		}
		if status, header, _ := s.fhirRequest(t, http.MethodPost, token, "Patient"); status != http.StatusMethodNotAllowed || header.Get("Allow") != "GET" {
			t.Errorf("POST /fhir/Patient answered %d, Allow %q; want 405", status, header.Get("Allow"))
		}
	})
}

// A practice's patients change its Group's version, and renaming the
// practice changes its patients' versions, whose generalPractitioner
// names it.
func TestChangesToAPracticeReachItsGroupAndPatients(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		token := s.readingClient(t)
		group, _ := versionOf(t, s.fhir(t, token, "Group/Y90001").must(t, http.StatusOK, "Group").body)
		patient, _ := versionOf(t, s.fhir(t, token, "Patient/"+ameliaRef).must(t, http.StatusOK, "Patient").body)
		s.db.Model(&models.Organisation{}).Where("ods_code = ?", "Y90001").Update("name", "Riverside Medical Practice")
		renamedGroup := s.fhir(t, token, "Group/Y90001").must(t, http.StatusOK, "Group")
		renamedPatient := s.fhir(t, token, "Patient/"+ameliaRef).must(t, http.StatusOK, "Patient")
		if v, _ := versionOf(t, renamedGroup.body); v == group || !strings.Contains(mustJSON(t, renamedGroup.body), "Riverside Medical Practice") {
			t.Errorf("renaming the practice left its Group at version %s", v)
		}
		if v, _ := versionOf(t, renamedPatient.body); v == patient || !strings.Contains(mustJSON(t, renamedPatient.body), "Riverside Medical Practice") {
			t.Errorf("renaming the practice left its patient at version %s", v)
		}
		// Writing the same name again, as a lock does, is no change.
		renamed, _ := versionOf(t, renamedGroup.body)
		s.db.Model(&models.Organisation{}).Where("ods_code = ?", "Y90001").Update("name", "Riverside Medical Practice")
		if v, _ := versionOf(t, s.fhir(t, token, "Group/Y90001").must(t, http.StatusOK, "Group").body); v != renamed {
			t.Errorf("writing the same name moved the Group from version %s to %s", renamed, v)
		}
	})
}

func TestCapabilityStatementNamesItsServerBulkDataAndWhereExportsAre(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		metadata := s.fhir(t, "", "metadata").must(t, http.StatusOK, "CapabilityStatement").body
		implementation, _ := metadata["implementation"].(map[string]any)
		if metadata["kind"] != "instance" || implementation["url"] != "http://passport.test/fhir" || implementation["description"] == "" {
			t.Errorf("kind %v with implementation %v; an instance must name its implementation (cpb-14)", metadata["kind"], metadata["implementation"])
		}
		if instantiates, _ := metadata["instantiates"].([]any); !slices.Contains(instantiates, any(fhirmap.BulkData)) {
			t.Errorf("instantiates %v; want %s", metadata["instantiates"], fhirmap.BulkData)
		}
		rest := metadata["rest"].([]any)[0].(map[string]any)
		operationsOf := func(holder map[string]any) []string {
			var named []string
			operations, _ := holder["operation"].([]any)
			for _, operation := range operations {
				operation := operation.(map[string]any)
				named = append(named, operation["name"].(string)+" "+operation["definition"].(string))
			}
			return named
		}
		if got := operationsOf(rest); !slices.Equal(got, []string{"export http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}) {
			t.Errorf("system operations %v; want the system export alone", got)
		}
		want := map[string][]string{
			"Patient": {"export http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export",
				"everything http://hl7.org/fhir/OperationDefinition/Patient-everything"},
			"Group": {"export http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"},
		}
		for _, resource := range rest["resource"].([]any) {
			resource := resource.(map[string]any)
			resourceType := resource["type"].(string)
			if got := operationsOf(resource); !slices.Equal(got, want[resourceType]) {
				t.Errorf("%s operations %v; want %v", resourceType, got, want[resourceType])
			}
			delete(want, resourceType)
			kept := slices.Contains(fhirmap.PastVersionsKept, resourceType)
			if resource["versioning"] != "versioned" || resource["readHistory"] != kept || (!kept && resource["documentation"] == nil) {
				t.Errorf("%s: versioning %v, readHistory %v, documentation %v", resourceType, resource["versioning"], resource["readHistory"], resource["documentation"])
			}
		}
		if len(want) > 0 {
			t.Errorf("the statement does not list %v", want)
		}
	})
}
