package handlers_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
)

func at(t *testing.T, text string) time.Time {
	t.Helper()
	moment, err := time.Parse(time.RFC3339, text)
	if err != nil {
		t.Fatal(err)
	}
	return moment
}

// searchIDs answers a search's entries' ids, failing unless it answers a
// Bundle whose entries are all matches.
func (s *testServer) searchIDs(t *testing.T, token, search string) []string {
	t.Helper()
	page := s.fhir(t, token, search).must(t, http.StatusOK, "Bundle")
	entries, _ := page.body["entry"].([]any)
	for _, entry := range entries {
		if mode := entry.(map[string]any)["search"].(map[string]any)["mode"]; mode != "match" {
			t.Errorf("%s: an entry's search mode is %v", search, mode)
		}
	}
	return ids(page.entries())
}

// setPatient sets a patient's names, birth date and when their record last
// changed, as the tests below search for them.
func (s *testServer) setPatient(t *testing.T, ref, given, family, born, updated string) {
	t.Helper()
	err := s.db.Model(&models.Patient{}).Where("ref = ?", ref).UpdateColumns(map[string]any{"given_name": given, "family_name": family,
		"preferred_name": "", "date_of_birth": at(t, born+"T00:00:00Z"), "updated_at": at(t, updated)}).Error
	if err != nil {
		t.Fatal(err)
	}
}

func TestPatientSearchParametersFindExactlyTheirMatches(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		token := s.readingClient(t)
		if err := s.db.Model(&models.Patient{}).Where("1 = 1").UpdateColumn("updated_at", at(t, "2020-06-01T00:00:00Z")).Error; err != nil {
			t.Fatal(err)
		}
		s.setPatient(t, ameliaRef, "Amelia", "Quill", "2014-05-12", "2026-02-10T12:00:00Z")
		s.setPatient(t, oliverRef, "Oliver", "quillon", "2016-09-01", "2026-03-15T08:30:00Z")
		// Priya, of another practice, matches every search Amelia does.
		s.setPatient(t, priyaRef, "Amelia", "Quill", "2014-05-12", "2026-02-10T12:00:00Z")
		// Riverside's other patients, by id, last changed at one moment in
		// 2020, so that sorting by it falls back on their ids.
		others := []string{"searchother000001", "searchother000002", "searchother000003"}
		for i, ref := range others {
			other := models.Patient{Ref: ref, NHSNumber: "999000000" + strconv.Itoa(i), GivenName: "Other", FamilyName: "Patient",
				DateOfBirth: at(t, "1990-01-01T00:00:00Z"), PracticeID: s.patient(t, ameliaRef).PracticeID, UpdatedAt: at(t, "2020-06-01T00:00:00Z")}
			if err := s.db.Create(&other).Error; err != nil {
				t.Fatal(err)
			}
		}
		both := []string{ameliaRef, oliverRef} // Amelia's record was made first
		tests := []struct {
			search string
			want   []string
		}{
			{"_id=" + oliverRef + "," + ameliaRef, both},
			{"_id=" + priyaRef, nil},
			{"family=QUILL", both},
			{"family=quillo", []string{oliverRef}},
			{"family=quill&given=am", []string{ameliaRef}},
			{"given=%25", nil}, // a per cent sign is a letter, not a wildcard
			{"identifier=https://fhir.nhs.uk/Id/nhs-number|" + s.patient(t, ameliaRef).NHSNumber, []string{ameliaRef}},
			{"family=quill&birthdate=2014", []string{ameliaRef}},
			{"family=quill&birthdate=2014-05", []string{ameliaRef}},
			{"family=quill&birthdate=2014-05-12", []string{ameliaRef}},
			{"family=quill&birthdate=gt2014-05-12", []string{oliverRef}},
			{"family=quill&birthdate=le2016-09-01", both},
			{"_lastUpdated=2026", both},
			{"_lastUpdated=eq2026-02", []string{ameliaRef}},
			{"_lastUpdated=2026-02-10", []string{ameliaRef}},
			{"_lastUpdated=2026-02-10T12:00:00Z", []string{ameliaRef}},
			{"_lastUpdated=2026-02-10T13:00:00%2B01:00", []string{ameliaRef}},
			{"_lastUpdated=2026-02-10T12:00:01Z", nil},
			{"_lastUpdated=ne2020", both},
			{"_lastUpdated=gt2026-02-10", []string{oliverRef}},
			{"_lastUpdated=sa2026-02", []string{oliverRef}},
			{"_lastUpdated=ge2026-02-10T12:00:00Z", both},
			{"_lastUpdated=lt2026-02-10T12:00:00Z", others},
			{"_lastUpdated=eb2026", others},
			{"_lastUpdated=le2026-02-10T12:00:00Z", append([]string{ameliaRef}, others...)},
			{"_lastUpdated=ge2026&_lastUpdated=lt2026-03", []string{ameliaRef}},
			{"_lastUpdated=ge2026&_sort=_lastUpdated", both},
			{"_lastUpdated=ge2026&_sort=-_lastUpdated", []string{oliverRef, ameliaRef}},
		}
		for _, test := range tests {
			got := s.searchIDs(t, token, "Patient?"+test.search)
			if !strings.Contains(test.search, "_sort") {
				slices.Sort(got)
				slices.Sort(test.want)
			}
			if !slices.Equal(got, test.want) {
				t.Errorf("Patient?%s found %v; want %v", test.search, got, test.want)
			}
		}
		// ap reaches at least a day either side, and never back to 2020.
		if got := s.searchIDs(t, token, "Patient?_lastUpdated=ap2026-02-11"); !slices.Contains(got, ameliaRef) || slices.Contains(got, others[0]) {
			t.Errorf("_lastUpdated=ap2026-02-11 found %v", got)
		}

		// Sorted by date, pages follow on through ties, broken by id.
		newestFirst := append([]string{oliverRef, ameliaRef}, others...)
		slices.Reverse(newestFirst[2:])
		if got := s.walk(t, token, "Patient?_sort=-_lastUpdated&_count=1", 1); !slices.Equal(got, newestFirst) {
			t.Errorf("newest first, a page at a time, %v; want %v", got, newestFirst)
		}
		oldestFirst := append(slices.Clone(others), ameliaRef, oliverRef)
		if got := s.walk(t, token, "Patient?_sort=_lastUpdated&_lastUpdated=lt2027&_count=2", 2); !slices.Equal(got, oldestFirst) {
			t.Errorf("oldest first, two a page, %v; want %v", got, oldestFirst)
		}

		for _, count := range []string{"_summary=count", "_count=0", "_summary=count&_count=5"} {
			answer := s.fhir(t, token, "Patient?family=quill&"+count).must(t, http.StatusOK, "Bundle")
			if answer.body["total"] != 2.0 || answer.body["entry"] != nil {
				t.Errorf("%s: total %v with entries %v; want 2 and none", count, answer.body["total"], answer.body["entry"])
			}
		}
		if all := s.fhir(t, token, "Patient?_summary=count").must(t, http.StatusOK, "Bundle"); all.body["total"] != float64(len(others)+2) {
			t.Errorf("every patient counted %v; want Riverside's %d", all.body["total"], len(others)+2)
		}
	})
}

// readingsOf adds readings to a patient's record at the times given, a
// peak flow or a check-in as each time says, and answers their ids.
func (s *testServer) readingsOf(t *testing.T, patient models.Patient, readings ...string) []string {
	t.Helper()
	var made []string
	for _, reading := range readings {
		kind, when, _ := strings.Cut(reading, " ")
		row := models.Reading{PatientID: patient.ID, Kind: kind, Zone: models.ZoneGreen, RecordedByID: 1, CreatedAt: at(t, when)}
		if kind == models.ReadingPeakFlow {
			flow := 400
			row.PeakFlow = &flow
		} else {
			row.Answers = `{"Are you coughing at night?":false}`
		}
		if err := s.db.Create(&row).Error; err != nil {
			t.Fatal(err)
		}
		made = append(made, strconv.FormatUint(uint64(row.ID), 10))
	}
	return made
}

func TestObservationSearchParametersFindExactlyTheirMatches(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		token := s.readingClient(t)
		made := s.readingsOf(t, s.patient(t, ameliaRef), models.ReadingPeakFlow+" 2019-02-10T09:00:00Z",
			models.ReadingSymptoms+" 2019-02-10T20:00:00Z", models.ReadingPeakFlow+" 2019-02-11T09:00:00Z")
		first, checkIn, second := made[0], made[1], made[2]
		s.readingsOf(t, s.patient(t, priyaRef), models.ReadingPeakFlow+" 2019-02-10T09:00:00Z")
		// Every search is of 2019, when only these readings were taken.
		base := "Observation?patient=" + ameliaRef + "&date=2019&"
		tests := []struct {
			search string
			want   []string
		}{
			{"", []string{second, checkIn, first}},
			{"_sort=date", []string{first, checkIn, second}},
			{"_sort=-date", []string{second, checkIn, first}},
			{"_sort=_lastUpdated", []string{first, checkIn, second}},
			{"code=http://snomed.info/sct|18491006", []string{second, first}},
			{"code=33452-4", []string{second, first}},
			{"code=http://loinc.org|", []string{second, first}},
			{"code=http://loinc.org|18491006", nil},
			{"code=|18491006", nil},
			{"code=nonsense,18491006", []string{second, first}},
			{"category=survey", []string{checkIn}},
			{"category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs", []string{second, first}},
			{"category=survey,vital-signs", []string{second, checkIn, first}},
			{"category=survey&code=33452-4", nil},
			{"date=2019-02-10", []string{checkIn, first}},
			{"date=gt2019-02-10", []string{second}},
			{"date=2019-02-10T09:00:00Z", []string{first}},
			{"date=ge2019-02-10T20:00:00Z&_sort=date", []string{checkIn, second}},
			{"_lastUpdated=lt2019-02-10T20:00:00Z", []string{first}},
			{"_id=" + first + "," + second, []string{second, first}},
			{"_id=nonsense", nil},
			{"subject=Patient/" + ameliaRef + "&date=eb2019-02-11", []string{checkIn, first}},
		}
		for _, test := range tests {
			if got := s.searchIDs(t, token, base+test.search); !slices.Equal(got, test.want) {
				t.Errorf("%s%s found %v; want %v", base, test.search, got, test.want)
			}
		}
		bySubject := "Observation?subject=Patient/" + ameliaRef + "&date=2019&_sort=date&_count=1"
		if got := s.walk(t, token, bySubject, 1); !slices.Equal(got, []string{first, checkIn, second}) {
			t.Errorf("a page at a time by date, %v", got)
		}
		next := s.fhir(t, token, bySubject).must(t, http.StatusOK, "Bundle").next(t)
		for _, param := range []string{"subject=Patient%2F" + ameliaRef, "date=2019", "_sort=date", "_count=1", "_after=" + first} {
			if !strings.Contains(next, param) {
				t.Errorf("next link %s lacks %s", next, param)
			}
		}
		if count := s.fhir(t, token, base+"_summary=count").must(t, http.StatusOK, "Bundle"); count.body["total"] != 3.0 || count.body["entry"] != nil {
			t.Errorf("_summary=count answered %v", count.body)
		}
	})
}

// A client finds none of another practice's patients, nor their readings,
// whatever it searches by.
func TestSearchesNeverReachAnotherPracticesPatients(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		token := s.readingClient(t)
		priya := s.patient(t, priyaRef)
		s.readingsOf(t, priya, models.ReadingPeakFlow+" 2019-02-10T09:00:00Z")
		for _, search := range []string{
			"Patient?_id=" + priyaRef,
			"Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|" + priya.NHSNumber,
			"Patient?family=" + priya.FamilyName + "&given=" + priya.GivenName,
			"Patient?birthdate=" + priya.DateOfBirth.Format(time.DateOnly),
			"Patient?_lastUpdated=" + priya.UpdatedAt.UTC().Format(time.RFC3339),
			"Patient?_sort=-_lastUpdated&_count=1000",
		} {
			if slices.Contains(s.searchIDs(t, token, search), priyaRef) {
				t.Errorf("%s found Priya", search)
			}
		}
		var riverside int64
		s.db.Model(&models.Patient{}).Joins("JOIN organisations ON organisations.id = patients.practice_id").
			Where("organisations.ods_code = ?", "Y90001").Count(&riverside)
		if count := s.fhir(t, token, "Patient?_summary=count").must(t, http.StatusOK, "Bundle"); count.body["total"] != float64(riverside) {
			t.Errorf("counted %v patients; Riverside has %d", count.body["total"], riverside)
		}
		if count := s.fhir(t, token, "Patient?_id="+priyaRef+"&_summary=count").must(t, http.StatusOK, "Bundle"); count.body["total"] != 0.0 {
			t.Errorf("counted Priya: %v", count.body["total"])
		}
		for _, search := range []string{"Observation?subject=Patient/" + priyaRef, "Observation?subject=" + priyaRef + "&_summary=count",
			"Observation?patient=" + priyaRef + "&code=33452-4"} {
			s.fhir(t, token, search).must(t, http.StatusNotFound, "OperationOutcome")
		}
	})
}

func TestBadSearchValuesAreRefusedWithAnOutcome(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		token := s.readingClient(t)
		observations := "Observation?patient=" + ameliaRef + "&"
		for _, search := range []string{
			"Patient?_lastUpdated=xx2026", "Patient?_lastUpdated=2026-13", "Patient?_lastUpdated=2026-02-10T12:00",
			"Patient?_lastUpdated=gt", "Patient?birthdate=yesterday", "Patient?_sort=family", "Patient?_sort=date",
			"Patient?_sort=_lastUpdated,_id", "Patient?_sort=_lastUpdated&_sort=-_lastUpdated", "Patient?_summary=true",
			"Patient?_count=-1", "Patient?_count=1001", "Patient?family:exact=Quill", "Patient?given:contains=a", "Patient?family=",
			"Patient?_id=a&_id=b", "Patient?_lastUpdated:missing=true", "Patient?name=Quill",
			observations + "code=", observations + "code=|", observations + "category=a&category=b", observations + "code:text=peak",
			observations + "date=2019-02-10T09:00", observations + "date=after2019", observations + "subject=Patient/" + oliverRef,
			observations + "_sort=-_id", observations + "_summary=data", observations + "value-quantity=400",
		} {
			answer := s.fhir(t, token, search).must(t, http.StatusBadRequest, "OperationOutcome")
			issue := answer.body["issue"].([]any)[0].(map[string]any)
			if diagnostics, _ := issue["diagnostics"].(string); diagnostics == "" {
				t.Errorf("%s: the outcome says nothing", search)
			}
		}
	})
}

// postSearch sends a search's parameters as a form to the type's _search.
func (s *testServer) postSearch(t *testing.T, token, resourceType, form, contentType string) fhirAnswer {
	t.Helper()
	status, header, body := s.send(t, http.MethodPost, token, s.URL+"/fhir/"+resourceType+"/_search", strings.NewReader(form),
		"Content-Type", contentType)
	return decodeAnswer(t, "POST "+resourceType+"/_search", status, header, body)
}

func TestSearchByPostAnswersAsTheSameSearchByGet(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		token := s.readingClient(t)
		s.readingsOf(t, s.patient(t, ameliaRef), models.ReadingPeakFlow+" 2019-02-10T09:00:00Z", models.ReadingSymptoms+" 2019-02-10T20:00:00Z")
		for _, search := range []string{
			"Patient?_lastUpdated=ge2000&_sort=-_lastUpdated&_count=1",
			"Patient?family=" + s.patient(t, ameliaRef).FamilyName,
			"Patient?_summary=count",
			"Observation?subject=Patient%2F" + ameliaRef + "&date=2019&_sort=date&_count=1",
			"Observation?patient=" + ameliaRef + "&code=http%3A%2F%2Fsnomed.info%2Fsct%7C18491006",
			"CarePlan?patient=" + ameliaRef + "&status=active",
			"Condition?patient=" + ameliaRef,
		} {
			resourceType, form, _ := strings.Cut(search, "?")
			get := s.fhir(t, token, search).must(t, http.StatusOK, "Bundle")
			post := s.postSearch(t, token, resourceType, form, "application/x-www-form-urlencoded").must(t, http.StatusOK, "Bundle")
			if len(get.entries()) == 0 && get.body["total"] == 0.0 {
				t.Errorf("%s found nothing: a poor comparison", search)
			}
			for _, part := range []string{"entry", "total"} {
				if mustJSON(t, get.body[part]) != mustJSON(t, post.body[part]) {
					t.Errorf("%s: %s by GET %v, by POST %v", search, part, get.body[part], post.body[part])
				}
			}
			if get.next(t) != post.next(t) {
				t.Errorf("%s: next by GET %s, by POST %s", search, get.next(t), post.next(t))
			}
		}
		s.postSearch(t, token, "Patient", "_lastUpdated=xx2026", "application/x-www-form-urlencoded").must(t, http.StatusBadRequest, "OperationOutcome")
		s.postSearch(t, token, "Patient", "bogus=1", "application/x-www-form-urlencoded").must(t, http.StatusBadRequest, "OperationOutcome")
		s.postSearch(t, token, "Patient", `{"family":"Quill"}`, "application/json").must(t, http.StatusUnsupportedMediaType, "OperationOutcome")
		s.postSearch(t, token, "Practitioner", "", "application/x-www-form-urlencoded").must(t, http.StatusNotFound, "OperationOutcome")
		if found := s.postSearch(t, token, "Patient", "_id="+priyaRef, "application/x-www-form-urlencoded").must(t, http.StatusOK, "Bundle"); len(found.entries()) != 0 {
			t.Error("a search by POST found another practice's patient")
		}
	})
}

// byMode lists a Bundle's entries' paths, relative to the API's base, of
// one search mode.
func byMode(t *testing.T, bundle fhirAnswer, mode string) []string {
	t.Helper()
	var paths []string
	entries, _ := bundle.body["entry"].([]any)
	for _, entry := range entries {
		entry := entry.(map[string]any)
		if entry["search"].(map[string]any)["mode"] == mode {
			paths = append(paths, strings.TrimPrefix(entry["fullUrl"].(string), "http://passport.test/fhir/"))
		}
	}
	slices.Sort(paths)
	return paths
}

func TestSearchesIncludeWhatTheirMatchesPointAtAndWhatPointsAtThem(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		token := s.readingClient(t)
		s.readingsOf(t, s.patient(t, ameliaRef), models.ReadingPeakFlow+" 2019-02-10T09:00:00Z")
		s.readingsOf(t, s.patient(t, priyaRef), models.ReadingPeakFlow+" 2019-02-10T09:00:00Z")
		var want []string
		for _, search := range []string{"Observation", "CarePlan", "RelatedPerson"} {
			for _, id := range s.searchIDs(t, token, search+"?patient="+ameliaRef+"&_count=1000") {
				want = append(want, search+"/"+id)
			}
		}
		slices.Sort(want)
		if !slices.ContainsFunc(want, func(path string) bool { return strings.HasPrefix(path, "RelatedPerson/") }) ||
			!slices.ContainsFunc(want, func(path string) bool { return strings.HasPrefix(path, "CarePlan/") }) {
			t.Fatalf("Amelia's record lacks a carer or a plan to include: %v", want)
		}
		found := s.fhir(t, token, "Patient?_id="+ameliaRef+"&_revinclude=Observation:subject&_revinclude=CarePlan:subject&_revinclude=RelatedPerson:patient").
			must(t, http.StatusOK, "Bundle")
		if got := byMode(t, found, "match"); !slices.Equal(got, []string{"Patient/" + ameliaRef}) {
			t.Errorf("matched %v", got)
		}
		if got := byMode(t, found, "include"); !slices.Equal(got, want) {
			t.Errorf("included %v; want %v", got, want)
		}
		if found.body["total"] != 1.0 {
			t.Errorf("total %v counts the included entries", found.body["total"])
		}

		// Every patient of the client's with their observations, and no
		// other practice's.
		all := s.fhir(t, token, "Patient?_revinclude=Observation:subject&_count=1000").must(t, http.StatusOK, "Bundle")
		for _, entry := range all.body["entry"].([]any) {
			resource := entry.(map[string]any)["resource"].(map[string]any)
			if subject, _ := resource["subject"].(map[string]any); subject != nil && subject["reference"] == "Patient/"+priyaRef {
				t.Errorf("included another practice's %v", resource["id"])
			}
		}

		observations := s.fhir(t, token, "Observation?patient="+ameliaRef+"&_include=Observation:subject").must(t, http.StatusOK, "Bundle")
		if got := byMode(t, observations, "include"); !slices.Equal(got, []string{"Patient/" + ameliaRef}) {
			t.Errorf("observations included %v", got)
		}
		if len(byMode(t, observations, "match")) == 0 {
			t.Error("no observation matched")
		}
		for _, search := range []string{"CarePlan?patient=" + ameliaRef + "&_include=CarePlan:subject",
			"RelatedPerson?patient=" + ameliaRef + "&_include=RelatedPerson:patient"} {
			found := s.fhir(t, token, search).must(t, http.StatusOK, "Bundle")
			if got := byMode(t, found, "include"); !slices.Equal(got, []string{"Patient/" + ameliaRef}) || len(byMode(t, found, "match")) == 0 {
				t.Errorf("%s included %v", search, got)
			}
		}
		if none := s.fhir(t, token, "Observation?patient="+ameliaRef+"&date=1990&_include=Observation:subject").must(t, http.StatusOK, "Bundle"); none.body["entry"] != nil {
			t.Errorf("a search that matched nothing included %v", none.body["entry"])
		}

		for _, search := range []string{"Observation?patient=" + ameliaRef + "&_include=Observation:performer",
			"Observation?patient=" + ameliaRef + "&_include:iterate=Observation:subject", "Patient?_include=Observation:subject",
			"Patient?_revinclude=Condition:subject", "Patient?_revinclude=*", "CarePlan?patient=" + ameliaRef + "&_include=Observation:subject",
			"Condition?patient=" + ameliaRef + "&_include=Condition:subject"} {
			s.fhir(t, token, search).must(t, http.StatusBadRequest, "OperationOutcome")
		}
		patientsOnly := s.token(t, s.registerClient(t, "Y90001", "system/Patient.rs"), "system/Patient.rs")
		s.fhir(t, patientsOnly, "Patient?_revinclude=Observation:subject").must(t, http.StatusForbidden, "OperationOutcome")
		plansOnly := s.token(t, s.registerClient(t, "Y90001", "system/CarePlan.rs"), "system/CarePlan.rs")
		s.fhir(t, plansOnly, "CarePlan?patient="+ameliaRef+"&_include=CarePlan:subject").must(t, http.StatusForbidden, "OperationOutcome")
	})
}

func TestElementsKeepWhatIsAskedAndWhatIsMandatoryTaggedSubsetted(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		token := s.readingClient(t)
		s.readingsOf(t, s.patient(t, ameliaRef), models.ReadingPeakFlow+" 2019-02-10T09:00:00Z", models.ReadingSymptoms+" 2019-02-10T20:00:00Z")
		fieldsOf := func(resource map[string]any) []string {
			var fields []string
			for field := range resource {
				fields = append(fields, field)
			}
			slices.Sort(fields)
			return fields
		}
		subsetted := func(resource map[string]any) bool {
			return strings.Contains(mustJSON(t, resource["meta"]), `"code":"SUBSETTED"`)
		}
		patients := s.fhir(t, token, "Patient?_id="+ameliaRef+"&_elements=birthDate,identifier&_revinclude=Observation:subject").must(t, http.StatusOK, "Bundle")
		for _, entry := range patients.body["entry"].([]any) {
			entry := entry.(map[string]any)
			resource := entry["resource"].(map[string]any)
			switch entry["search"].(map[string]any)["mode"] {
			case "match":
				if got := fieldsOf(resource); !slices.Equal(got, []string{"birthDate", "id", "identifier", "meta", "resourceType"}) || !subsetted(resource) {
					t.Errorf("the patient kept %v, tagged %v", got, resource["meta"])
				}
			case "include":
				if resource["subject"] == nil || subsetted(resource) {
					t.Errorf("an included observation was cut down: %v", resource)
				}
			}
		}
		observations := s.fhir(t, token, "Observation?patient="+ameliaRef+"&date=2019&_sort=date&_elements=value").must(t, http.StatusOK, "Bundle").entries()
		want := [][]string{{"code", "id", "meta", "resourceType", "status", "valueQuantity"}, {"code", "id", "meta", "resourceType", "status", "valueString"}}
		if len(observations) != 2 {
			t.Fatalf("%d observations", len(observations))
		}
		for i, observation := range observations {
			if got := fieldsOf(observation); !slices.Equal(got, want[i]) || !subsetted(observation) {
				t.Errorf("observation %d kept %v, tagged %v; want %v", i, got, observation["meta"], want[i])
			}
		}
		if whole := s.fhir(t, token, "Patient?_id="+ameliaRef).must(t, http.StatusOK, "Bundle").entries()[0]; subsetted(whole) {
			t.Error("a whole patient was tagged SUBSETTED")
		}
		for _, search := range []string{"Patient?_elements=nonsense", "Patient?_elements=", "Patient?_elements=name&_elements=gender",
			"Patient?_elements=birthDate,", "Observation?patient=" + ameliaRef + "&_elements=birthDate"} {
			s.fhir(t, token, search).must(t, http.StatusBadRequest, "OperationOutcome")
		}
	})
}

// walkPaths follows next links from a search to its end, listing every
// entry's path, failing if a page holds more than count.
func (s *testServer) walkPaths(t *testing.T, token, search string, count int) []string {
	t.Helper()
	var paths []string
	for path := search; path != ""; {
		page := s.fhir(t, token, path).must(t, http.StatusOK, "Bundle")
		onPage := byMode(t, page, "match")
		if len(onPage) > count {
			t.Fatalf("%s: %d entries on a page of %d", path, len(onPage), count)
		}
		paths = append(paths, onPage...)
		path = page.next(t)
	}
	slices.Sort(paths)
	return paths
}

func TestPatientEverythingIsTheirWholeRecordWithinTheClientsScopes(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		token := s.readingClient(t)
		amelia := s.patient(t, ameliaRef)
		s.readingsOf(t, amelia, models.ReadingPeakFlow+" 2019-02-10T09:00:00Z", models.ReadingSymptoms+" 2019-02-10T20:00:00Z")
		var practice models.Organisation
		s.db.First(&practice, amelia.PracticeID)
		want := []string{"Patient/" + ameliaRef, "Organization/" + practice.ODSCode}
		var observations []string
		for _, resourceType := range []string{"Condition", "CarePlan", "MedicationStatement", "Observation", "RelatedPerson"} {
			found := s.searchIDs(t, token, resourceType+"?patient="+ameliaRef+"&_count=1000")
			if len(found) == 0 {
				t.Fatalf("Amelia has no %s to find", resourceType)
			}
			for _, id := range found {
				want = append(want, resourceType+"/"+id)
				if resourceType == "Observation" {
					observations = append(observations, resourceType+"/"+id)
				}
			}
		}
		slices.Sort(want)
		if got := s.walkPaths(t, token, "Patient/"+ameliaRef+"/$everything", 1000); !slices.Equal(got, want) {
			t.Errorf("everything %v;\nwant %v", got, want)
		}
		if got := s.walkPaths(t, token, "Patient/"+ameliaRef+"/$everything?_count=2", 2); !slices.Equal(got, want) {
			t.Errorf("everything two a page %v;\nwant %v", got, want)
		}

		narrow := s.token(t, s.registerClient(t, "Y90001", "system/Patient.rs", "system/Observation.rs"), "system/Patient.rs system/Observation.rs")
		want = append([]string{"Patient/" + ameliaRef}, observations...)
		slices.Sort(want)
		if got := s.walkPaths(t, narrow, "Patient/"+ameliaRef+"/$everything", 1000); !slices.Equal(got, want) {
			t.Errorf("everything within Patient and Observation scopes %v; want %v", got, want)
		}

		s.fhir(t, token, "Patient/"+priyaRef+"/$everything").must(t, http.StatusNotFound, "OperationOutcome")
		s.fhir(t, token, "Patient/"+ameliaRef+"/$everything?_count=0").must(t, http.StatusBadRequest, "OperationOutcome")
		s.fhir(t, token, "Patient/"+ameliaRef+"/$everything?start=2019").must(t, http.StatusBadRequest, "OperationOutcome")
		observationsOnly := s.token(t, s.registerClient(t, "Y90001", "system/Observation.rs"), "system/Observation.rs")
		s.fhir(t, observationsOnly, "Patient/"+ameliaRef+"/$everything").must(t, http.StatusForbidden, "OperationOutcome")
	})
}
