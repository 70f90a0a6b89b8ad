package handlers_test

import (
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/fhirmap"
	"healthpassport/models/fhirmap/fhirschema"
)

// exported fetches every file of an export's manifest, by type, in the
// order listed, checking each file's count.
func (s *exportServer) exported(t *testing.T, token string, m manifest) map[string][]map[string]any {
	t.Helper()
	byType := map[string][]map[string]any{}
	for _, output := range m.Output {
		lines := s.ndjson(t, token, output.URL)
		if int64(len(lines)) != output.Count {
			t.Fatalf("%s has %d lines; the manifest says %d", output.URL, len(lines), output.Count)
		}
		for _, line := range lines {
			if line["resourceType"] != output.Type {
				t.Fatalf("a %v in the %s file %s", line["resourceType"], output.Type, output.URL)
			}
		}
		byType[output.Type] = append(byType[output.Type], lines...)
	}
	return byType
}

func outputTypes(m manifest) []string {
	var types []string
	for _, output := range m.Output {
		if !slices.Contains(types, output.Type) {
			types = append(types, output.Type)
		}
	}
	return types
}

// addReadings records peak flow readings and symptom check-ins for a
// demo patient, one of each kind in turn.
func (s *exportServer) addReadings(t *testing.T, ref string, n int) {
	t.Helper()
	patient := s.patient(t, ref)
	for i := range n {
		reading := models.Reading{PatientID: patient.ID, Kind: models.ReadingSymptoms, Answers: `{"Are you coughing at night?":true}`,
			Zone: models.ZoneAmber, RecordedByID: 1, CreatedAt: time.Now()}
		if i%2 == 0 {
			flow := 400 + i
			reading = models.Reading{PatientID: patient.ID, Kind: models.ReadingPeakFlow, PeakFlow: &flow, Zone: models.ZoneGreen, RecordedByID: 1, CreatedAt: time.Now()}
		}
		if err := s.db.Create(&reading).Error; err != nil {
			t.Fatal(err)
		}
	}
}

func reference(value any) string {
	reference, _ := value.(map[string]any)["reference"].(string)
	return reference
}

// Every type the API serves but Group is exported, and each resource exported is
// the resource the API reads at its address.
func TestBulkExportWritesEveryTypeAsTheAPIReadsIt(t *testing.T) {
	eachExportServer(t, func(t *testing.T, s *exportServer) {
		s.startExports(t)
		s.addReadings(t, ameliaRef, 4)
		client := s.registerClient(t, "Y90001", allScopes()...)
		token := s.token(t, client, strings.Join(allScopes(), " "))

		m := s.awaitManifest(t, token, s.kickOff(t, token, "Group/Y90001/$export"))
		exportTypes := []string{"Patient", "Condition", "Observation", "CarePlan", "MedicationStatement", "RelatedPerson", "Practitioner", "Organization"}
		// A Group is what an export is asked of, not a record written in it.
		served := slices.DeleteFunc(slices.Clone(models.APIResourceTypes), func(t string) bool { return t == "Group" })
		if types := outputTypes(m); !slices.Equal(types, exportTypes) || !slices.Equal(slices.Sorted(slices.Values(types)), slices.Sorted(slices.Values(served))) {
			t.Fatalf("output types %v; want every type the API serves, in order %v", types, exportTypes)
		}
		byType := s.exported(t, token, m)
		var resources []any
		for _, resourceType := range exportTypes {
			lines := byType[resourceType]
			if len(lines) == 0 {
				t.Errorf("no %s exported", resourceType)
			}
			for _, line := range lines {
				read := s.fhir(t, token, resourceType+"/"+line["id"].(string)).must(t, http.StatusOK, resourceType)
				if !reflect.DeepEqual(read.body, line) {
					t.Errorf("%s/%s exported as\n%v\nread as\n%v", resourceType, line["id"], line, read.body)
				}
				resources = append(resources, line)
			}
		}
		fhirschema.Validate(t, resources)

		// A group's export holds the practitioners and organisations its
		// resources point at, and no others.
		wantPractitioners, wantOrganisations := map[string]bool{}, map[string]bool{}
		for _, plan := range byType["CarePlan"] {
			wantPractitioners[reference(plan["author"])] = true
		}
		for _, statement := range byType["MedicationStatement"] {
			wantPractitioners[reference(statement["informationSource"])] = true
		}
		for _, patient := range byType["Patient"] {
			for _, practice := range patient["generalPractitioner"].([]any) {
				wantOrganisations[reference(practice)] = true
			}
		}
		for resourceType, want := range map[string]map[string]bool{"Practitioner": wantPractitioners, "Organization": wantOrganisations} {
			got := map[string]bool{}
			for _, line := range byType[resourceType] {
				got[resourceType+"/"+line["id"].(string)] = true
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s exported %v; the group's resources point at %v", resourceType, got, want)
			}
		}
	})
}

// _type picks several types, _since leaves out what has not changed since,
// _typeFilter narrows a type as the API's search does, and a token gets
// only the types it grants.
func TestBulkExportHonoursTypesSinceTypeFilterAndScopes(t *testing.T) {
	eachExportServer(t, func(t *testing.T, s *exportServer) {
		s.startExports(t)
		s.addReadings(t, ameliaRef, 4)
		client := s.registerClient(t, "Y90001", allScopes()...)
		token := s.token(t, client, strings.Join(allScopes(), " "))
		var riverside models.Organisation
		s.db.Where("ods_code = ?", "Y90001").Take(&riverside)
		ofRiverside := "patient_id IN (SELECT id FROM patients WHERE practice_id = ?)"

		m := s.awaitManifest(t, token, s.kickOff(t, token, "$export?_type=Practitioner,CarePlan&_type=MedicationStatement"))
		if types := outputTypes(m); !slices.Equal(types, []string{"CarePlan", "MedicationStatement", "Practitioner"}) {
			t.Errorf("_type of three types gave %v", types)
		}

		// Everything was last changed two days ago but one plan, published
		// again now, and one patient, changed now.
		twoDaysAgo := time.Now().Add(-48 * time.Hour)
		s.db.Exec("UPDATE plan_versions SET created_at = ?", twoDaysAgo)
		s.db.Exec("UPDATE patients SET updated_at = ?", twoDaysAgo)
		s.db.Exec("UPDATE readings SET created_at = ?", twoDaysAgo)
		amelia := s.patient(t, ameliaRef)
		s.db.Model(&models.Patient{}).Where("id = ?", amelia.ID).Update("updated_at", time.Now())
		var plan models.ActionPlan
		s.db.Where("patient_id = ? AND condition_name = ?", amelia.ID, "Asthma").Take(&plan)
		s.publish(t, plan, models.VersionPublished)
		yesterday := url.QueryEscape(time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339))
		m = s.awaitManifest(t, token, s.kickOff(t, token, "Group/Y90001/$export?_type=Patient,CarePlan,MedicationStatement,Observation&_since="+yesterday))
		byType := s.exported(t, token, m)
		if len(byType["Patient"]) != 1 || byType["Patient"][0]["id"] != ameliaRef {
			t.Errorf("_since gave patients %v; want only %s", byType["Patient"], ameliaRef)
		}
		if len(byType["CarePlan"]) != 1 || byType["CarePlan"][0]["id"] != itoa(plan.ID) {
			t.Errorf("_since gave plans %v; want only %d", byType["CarePlan"], plan.ID)
		}
		if len(byType["MedicationStatement"]) == 0 || len(byType["Observation"]) != 0 {
			t.Errorf("_since gave %d medicines and %d observations", len(byType["MedicationStatement"]), len(byType["Observation"]))
		}
		for _, statement := range byType["MedicationStatement"] {
			if reference(statement["basedOn"].([]any)[0]) != "CarePlan/"+itoa(plan.ID) {
				t.Errorf("_since gave a medicine of another plan: %v", statement)
			}
		}

		var peakFlows, checkIns, plans int64
		s.db.Model(&models.Reading{}).Where(ofRiverside+" AND kind = ?", riverside.ID, models.ReadingPeakFlow).Count(&peakFlows)
		s.db.Model(&models.Reading{}).Where(ofRiverside+" AND kind = ?", riverside.ID, models.ReadingSymptoms).Count(&checkIns)
		s.db.Model(&models.ActionPlan{}).Where(ofRiverside, riverside.ID).
			Where("id IN (SELECT plan_id FROM plan_versions WHERE state = ?)", models.VersionPublished).Count(&plans)
		if peakFlows == 0 || checkIns == 0 || plans == 0 {
			t.Fatalf("the demo practice has %d peak flows, %d check-ins and %d plans", peakFlows, checkIns, plans)
		}
		filtered := map[string]struct {
			resourceType string
			want         int64
		}{
			"Observation?category=vital-signs":                                               {"Observation", peakFlows},
			"Observation?code=" + url.QueryEscape(fhirmap.SNOMED+"|"+fhirmap.PeakFlowSNOMED): {"Observation", peakFlows},
			"Observation?category=survey":                                                    {"Observation", checkIns},
			"Observation?category=survey&code=" + fhirmap.PeakFlowLOINC:                      {"Observation", 0},
			"Observation?category=survey,Observation?code=" + fhirmap.PeakFlowLOINC:          {"Observation", peakFlows + checkIns},
			"CarePlan?status=completed":                                                      {"CarePlan", 0},
			"CarePlan?status=completed,active":                                               {"CarePlan", plans},
		}
		for filter, want := range filtered {
			m := s.awaitManifest(t, token, s.kickOff(t, token, "$export?_type="+want.resourceType+"&_typeFilter="+url.QueryEscape(filter)))
			lines := s.exported(t, token, m)[want.resourceType]
			if int64(len(lines)) != want.want {
				t.Errorf("_typeFilter=%s gave %d %s; want %d", filter, len(lines), want.resourceType, want.want)
			}
			for _, line := range lines {
				category := line["category"].([]any)[0].(map[string]any)
				if strings.Contains(filter, "vital-signs") && !strings.Contains(mustJSON(t, category), "vital-signs") {
					t.Errorf("_typeFilter=%s gave %v", filter, line)
				}
			}
		}

		refused := map[string]int{
			"$export?_typeFilter=" + url.QueryEscape("Observation?status=final"):             http.StatusBadRequest,
			"$export?_typeFilter=" + url.QueryEscape("Patient?name=Smith"):                   http.StatusBadRequest,
			"$export?_typeFilter=" + url.QueryEscape("CarePlan?status=finished"):             http.StatusBadRequest,
			"$export?_typeFilter=" + url.QueryEscape("CarePlan"):                             http.StatusBadRequest,
			"$export?_typeFilter=" + url.QueryEscape("Observation?category="):                http.StatusBadRequest,
			"$export?_type=Patient&_typeFilter=" + url.QueryEscape("CarePlan?status=active"): http.StatusBadRequest,
			"$export?_type=Organization,Foo":                                                 http.StatusBadRequest,
		}
		for path, want := range refused {
			status, header, body := s.call(t, http.MethodGet, token, s.URL+"/fhir/"+path, "Prefer", "respond-async")
			if status != want || !strings.Contains(body, `"OperationOutcome"`) || header.Get("Content-Location") != "" {
				t.Errorf("%s answered %d: %s; want %d", path, status, body, want)
			}
		}

		// A token gets only the types it grants, and is refused the others.
		plansOnly := s.registerClient(t, "Y90001", "system/CarePlan.rs", "system/Practitioner.rs")
		plansToken := s.token(t, plansOnly, "system/CarePlan.rs system/Practitioner.rs")
		m = s.awaitManifest(t, plansToken, s.kickOff(t, plansToken, "Patient/$export"))
		if types := outputTypes(m); !slices.Equal(types, []string{"CarePlan", "Practitioner"}) {
			t.Errorf("a token for plans and practitioners exported %v", types)
		}
		for _, path := range []string{"$export?_type=Organization", "$export?_type=CarePlan,MedicationStatement",
			"$export?_typeFilter=" + url.QueryEscape("Observation?category=survey")} {
			status, _, body := s.call(t, http.MethodGet, plansToken, s.URL+"/fhir/"+path, "Prefer", "respond-async")
			if status != http.StatusForbidden || !strings.Contains(body, `"OperationOutcome"`) {
				t.Errorf("%s without its scope answered %d: %s", path, status, body)
			}
		}
	})
}

// With a lowered limit a type is split into several files, listed in
// order, whose counts add up to the whole.
func TestBulkExportSplitsATypeIntoFilesOfAtMostTheLimit(t *testing.T) {
	eachExportServer(t, func(t *testing.T, s *exportServer) {
		const limit = 2
		s.fileLimit = limit
		s.startExports(t)
		s.addReadings(t, ameliaRef, 4)
		client := s.registerClient(t, "Y90001", allScopes()...)
		token := s.token(t, client, strings.Join(allScopes(), " "))
		m := s.awaitManifest(t, token, s.kickOff(t, token, "$export?_type=Patient,Observation"))

		var riverside models.Organisation
		s.db.Where("ods_code = ?", "Y90001").Take(&riverside)
		want := map[string]int64{}
		var patients, readings int64
		s.db.Model(&models.Patient{}).Where("practice_id = ?", riverside.ID).Count(&patients)
		s.db.Model(&models.Reading{}).Where("patient_id IN (SELECT id FROM patients WHERE practice_id = ?)", riverside.ID).Count(&readings)
		want["Patient"], want["Observation"] = patients, readings
		if readings <= 2*limit || patients == 0 {
			t.Fatalf("the demo practice has %d patients and %d readings: too few to split", patients, readings)
		}

		counts, files, urls := map[string]int64{}, map[string]int{}, map[string]bool{}
		var order []string
		for _, output := range m.Output {
			if output.Count > limit || urls[output.URL] {
				t.Errorf("file %s holds %d resources, or is listed twice", output.URL, output.Count)
			}
			urls[output.URL] = true
			if len(order) == 0 || order[len(order)-1] != output.Type {
				order = append(order, output.Type)
			}
			counts[output.Type] += output.Count
			files[output.Type]++
		}
		if !slices.Equal(order, []string{"Patient", "Observation"}) {
			t.Errorf("files are listed by type in the order %v", order)
		}
		for resourceType, n := range want {
			if counts[resourceType] != n || int64(files[resourceType]) != (n+limit-1)/limit {
				t.Errorf("%s: %d files holding %d; want %d resources in %d files", resourceType, files[resourceType], counts[resourceType], n, (n+limit-1)/limit)
			}
		}
		byType := s.exported(t, token, m)
		var resources []any
		ids := map[string]bool{}
		for resourceType, lines := range byType {
			for _, line := range lines {
				ids[resourceType+"/"+line["id"].(string)] = true
				resources = append(resources, line)
			}
		}
		if int64(len(ids)) != patients+readings {
			t.Errorf("%d distinct resources across the files; want %d", len(ids), patients+readings)
		}
		fhirschema.Validate(t, resources)
	})
}
