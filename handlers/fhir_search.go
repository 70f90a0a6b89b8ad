package handlers

import (
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"

	"healthpassport/models"
	"healthpassport/models/fhirmap"

	"github.com/gin-gonic/gin"
)

// Search parameters that Patient and Observation searches share with FHIR's
// common ones.
const (
	idParam         = "_id"
	sortParam       = "_sort"
	summaryParam    = "_summary"
	subjectParam    = "subject"
	includeParam    = "_include"
	revincludeParam = "_revinclude"
	elementsParam   = "_elements"
)

// formMediaType is the only body a search by POST takes.
const formMediaType = "application/x-www-form-urlencoded"

// searchByPost runs a search sent as a form, which FHIR offers for a query
// too long, or too private, for an address: the form's parameters, with
// any in the address, go through the type's GET search, so both answer
// alike, with the same scoping, checks and links.
func searchByPost(engine *gin.Engine) gin.HandlerFunc {
	return func(c *gin.Context) {
		resourceType := c.Param("type")
		if len(fhirmap.SearchParams[resourceType]) == 0 {
			outcome(c, http.StatusNotFound, "not-supported", resourceType+" cannot be searched.")
			return
		}
		if mediaType, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mediaType != formMediaType {
			outcome(c, http.StatusUnsupportedMediaType, "not-supported", "Send the search parameters as "+formMediaType+".")
			return
		}
		if err := c.Request.ParseForm(); err != nil {
			outcome(c, http.StatusBadRequest, "structure", "The form cannot be read: "+err.Error())
			return
		}
		c.Request.Method = http.MethodGet
		c.Request.URL.Path = fhirBase + "/" + resourceType
		c.Request.URL.RawQuery = c.Request.Form.Encode()
		engine.HandleContext(c)
		c.Abort()
	}
}

// typeSearchParams allows the search parameters the CapabilityStatement
// claims for a resource type, and the paging ones: what is claimed is what
// is taken.
func typeSearchParams(resourceType string) gin.HandlerFunc {
	var names []string
	for _, param := range fhirmap.SearchParams[resourceType] {
		names = append(names, param.Name)
	}
	if len(fhirmap.SearchIncludes[resourceType]) > 0 {
		names = append(names, includeParam)
	}
	if len(fhirmap.SearchRevIncludes[resourceType]) > 0 {
		names = append(names, revincludeParam)
	}
	return searchParams(names...)
}

// readIncludes reads the references an _include or _revinclude names,
// each one the type takes, and of a type the client may read.
func readIncludes(c *gin.Context, param string, offered []string) ([]string, bool) {
	names := c.QueryArray(param)
	for _, name := range names {
		if !slices.Contains(offered, name) {
			outcome(c, http.StatusBadRequest, "not-supported", fmt.Sprintf("%s takes %s.", param, strings.Join(offered, " or ")))
			return nil, false
		}
		if resourceType := includedType(param, name); !principalOf(c).MayRead(resourceType) {
			outcome(c, http.StatusForbidden, "forbidden", "The access token does not grant "+models.ReadScope(resourceType)+".")
			return nil, false
		}
	}
	return names, true
}

// readElements reads the elements _elements keeps, each one the type has.
func readElements(c *gin.Context, resourceType string) ([]string, bool) {
	value, given, ok := onlyValue(c, elementsParam)
	if !given || !ok {
		return nil, ok
	}
	elements := strings.Split(value, ",")
	for _, element := range elements {
		if !fhirmap.HasElement(resourceType, element) {
			outcome(c, http.StatusBadRequest, "value", fmt.Sprintf("%s has no element %q to keep.", resourceType, element))
			return nil, false
		}
	}
	return elements, true
}

// subsetMatches cuts each match on a page down to the elements asked for;
// included resources stay whole.
func subsetMatches(bundle *fhirmap.Bundle, resourceType string, elements []string) error {
	if elements == nil {
		return nil
	}
	for i, entry := range bundle.Entry {
		if entry.Search.Mode != "match" {
			continue
		}
		subset, err := fhirmap.Subset(entry.Resource.(fhirmap.Resource), resourceType, elements)
		if err != nil {
			return err
		}
		bundle.Entry[i].Resource = subset
	}
	return nil
}

// includeSearchedPatient adds the patient a search of their record is of,
// where _include asks for the patient its matches point at, and there are
// matches.
func (h *Handler) includeSearchedPatient(bundle *fhirmap.Bundle, includes []string, matches int, patient *models.Patient) {
	if len(includes) > 0 && matches > 0 {
		bundle.Include(h.publicAddress+fhirBase, []fhirmap.Resource{fhirmap.FromPatient(*patient)})
	}
}

// answerPatientRecordPage answers a page of a search of one patient's
// record as answerPage does, with the patient where _include asks.
func answerPatientRecordPage[Row any, R fhirmap.Resource](c *gin.Context, h *Handler, page models.Page, rows []Row, key func(Row) uint, mapping func(Row) R,
	includes []string, patient *models.Patient) {
	bundle, onPage := searchPage(c, h.publicAddress, page, rows, key, mapping)
	h.includeSearchedPatient(&bundle, includes, len(onPage), patient)
	fhirResource(c, http.StatusOK, bundle)
}

// includedType is the type of the resources an include brings: the
// Patient a reference points at, or the type whose reference it is.
func includedType(param, name string) string {
	if param == includeParam {
		return "Patient" // every reference these searches include is to a patient
	}
	resourceType, _, _ := strings.Cut(name, ":")
	return resourceType
}

// readSearchPage reads the page asked for, or reports countOnly for
// _summary=count or _count=0, which ask for the total alone.
func readSearchPage(c *gin.Context) (page models.Page, countOnly, ok bool) {
	summary, given := c.GetQuery(summaryParam)
	if given && summary != "count" {
		outcome(c, http.StatusBadRequest, "not-supported", "_summary takes only count here, which answers the total without the entries.")
		return page, false, false
	}
	if given || c.Query(countParam) == "0" {
		return page, true, true
	}
	page, ok = readPage(c)
	return page, false, ok
}

// answerCount answers a search with the number of matches and no entries.
func (h *Handler) answerCount(c *gin.Context, total int64) {
	n := int(total)
	fhirResource(c, http.StatusOK, fhirmap.SearchPage[fhirmap.Resource](h.publicAddress+fhirBase, h.publicAddress+c.Request.URL.RequestURI(), "", &n, nil))
}

// onlyValue reads a parameter that may be given once; it answers 400 for
// one given more than once, or given empty.
func onlyValue(c *gin.Context, name string) (value string, given, ok bool) {
	values := c.QueryArray(name)
	switch {
	case len(values) == 0:
		return "", false, true
	case len(values) > 1:
		outcome(c, http.StatusBadRequest, "value", fmt.Sprintf("Give %s once: separate the values it may take with commas.", name))
		return "", true, false
	case values[0] == "":
		outcome(c, http.StatusBadRequest, "value", fmt.Sprintf("Give %s a value.", name))
		return "", true, false
	}
	return values[0], true, true
}

// dateSearches reads each value of a date parameter; a resource matches
// only if it matches every one.
func dateSearches(c *gin.Context, name string) ([]models.DateSearch, bool) {
	var searches []models.DateSearch
	for _, value := range c.QueryArray(name) {
		search, err := models.ParseDateSearch(value)
		if err != nil {
			outcome(c, http.StatusBadRequest, "value", fmt.Sprintf("%s %q: %v.", name, value, err))
			return nil, false
		}
		searches = append(searches, search)
	}
	return searches, true
}

// readSort reads _sort, which takes one of the dates named, ascending or,
// with a leading -, descending. Without _sort a search keeps its own
// order.
func readSort(c *gin.Context, usual models.SearchSort, dates ...string) (models.SearchSort, bool) {
	value, given, ok := onlyValue(c, sortParam)
	if !given || !ok {
		return usual, ok
	}
	name, descending := strings.CutPrefix(value, "-")
	if !slices.Contains(dates, name) {
		outcome(c, http.StatusBadRequest, "not-supported", "Sort by "+strings.Join(dates, " or ")+", or by either with a leading - for newest first.")
		return usual, false
	}
	return models.SearchSort{ByDate: true, Descending: descending}, true
}

func (h *Handler) searchPatients(c *gin.Context) {
	page, countOnly, ok := readSearchPage(c)
	if !ok {
		return
	}
	search, ok := readPatientSearch(c)
	if !ok {
		return
	}
	revincludes, ok := readIncludes(c, revincludeParam, fhirmap.SearchRevIncludes["Patient"])
	if !ok {
		return
	}
	elements, ok := readElements(c, "Patient")
	if !ok {
		return
	}
	search.Page = oneMore(page)
	if countOnly {
		total, err := h.store.CountPatients(c.Request.Context(), principalOf(c), search)
		if err != nil {
			apiServerError(c, err)
			return
		}
		if h.auditRead(c, models.AuditAPIRead, nil, "Patient", "_summary=count") {
			h.answerCount(c, total)
		}
		return
	}
	patients, err := h.store.SearchPatients(c.Request.Context(), principalOf(c), search)
	if err != nil {
		apiServerError(c, err)
		return
	}
	for _, patient := range patients[:min(len(patients), page.Limit)] {
		if !h.auditRead(c, models.AuditAPIRead, &patient.ID, "Patient", patient.Ref) {
			return
		}
	}
	bundle, onPage := searchPage(c, h.publicAddress, page, patients, func(p models.Patient) uint { return p.ID }, fhirmap.FromPatient)
	for _, patient := range onPage {
		for _, name := range revincludes {
			included, err := h.pointingAt(c, name, &patient)
			if err != nil {
				apiServerError(c, err)
				return
			}
			bundle.Include(h.publicAddress+fhirBase, included)
		}
	}
	if err := subsetMatches(&bundle, "Patient", elements); err != nil {
		apiServerError(c, err)
		return
	}
	fhirResource(c, http.StatusOK, bundle)
}

// pointingAt lists a patient's resources that a _revinclude names: all of
// them, as the patient's own search would find them.
func (h *Handler) pointingAt(c *gin.Context, revinclude string, patient *models.Patient) ([]fhirmap.Resource, error) {
	ctx, principal := c.Request.Context(), principalOf(c)
	var resources []fhirmap.Resource
	switch revinclude {
	case "Observation:subject":
		readings, err := h.store.ReadingsOf(ctx, principal, patient, models.Page{})
		for _, reading := range readings {
			resources = append(resources, fhirmap.FromReading(reading))
		}
		return resources, err
	case "CarePlan:subject":
		plans, err := h.store.PublishedPlansOf(ctx, principal, patient, models.Page{})
		for _, plan := range plans {
			resources = append(resources, fhirmap.FromPlan(plan))
		}
		return resources, err
	case "RelatedPerson:patient":
		carers, err := h.store.CarersLinkedTo(ctx, principal, patient, models.Page{})
		for _, carer := range carers {
			resources = append(resources, fhirmap.FromCarer(carer))
		}
		return resources, err
	}
	return nil, fmt.Errorf("no resources point at a patient as %s", revinclude)
}

// readPatientSearch reads a Patient search's own parameters.
func readPatientSearch(c *gin.Context) (models.PatientSearch, bool) {
	var search models.PatientSearch
	ids, given, ok := onlyValue(c, idParam)
	if !ok {
		return search, false
	}
	if given {
		search.Refs = strings.Split(ids, ",")
	}
	identifier, given, ok := onlyValue(c, "identifier")
	if !ok {
		return search, false
	}
	if given {
		value, ok := strings.CutPrefix(identifier, fhirmap.NHSNumber+"|")
		digits, err := models.NormaliseNHSNumber(value)
		if !ok || err != nil {
			outcome(c, http.StatusBadRequest, "value", "Search by NHS number as identifier="+fhirmap.NHSNumber+"|NNNNNNNNNN, with a valid 10-digit NHS number.")
			return search, false
		}
		search.NHSNumber = digits
	}
	if search.Family, _, ok = onlyValue(c, "family"); !ok {
		return search, false
	}
	if search.Given, _, ok = onlyValue(c, "given"); !ok {
		return search, false
	}
	if search.BirthDate, ok = dateSearches(c, "birthdate"); !ok {
		return search, false
	}
	if search.LastUpdated, ok = dateSearches(c, lastUpdated); !ok {
		return search, false
	}
	search.Sort, ok = readSort(c, models.SearchSort{}, lastUpdated)
	return search, ok
}

// searchObservations answers a patient's peak flow readings and symptom
// check-ins, newest first unless sorted.
func (h *Handler) searchObservations(c *gin.Context) {
	page, countOnly, ok := readSearchPage(c)
	if !ok {
		return
	}
	search, ok := readObservationSearch(c)
	if !ok {
		return
	}
	includes, ok := readIncludes(c, includeParam, fhirmap.SearchIncludes["Observation"])
	if !ok {
		return
	}
	elements, ok := readElements(c, "Observation")
	if !ok {
		return
	}
	patient, ok := h.searchedPatient(c, "Observation")
	if !ok {
		return
	}
	search.PatientID, search.Page = patient.ID, oneMore(page)
	if countOnly {
		total, err := h.store.CountReadings(c.Request.Context(), principalOf(c), search)
		if err != nil {
			apiServerError(c, err)
			return
		}
		h.answerCount(c, total)
		return
	}
	readings, err := h.store.SearchReadings(c.Request.Context(), principalOf(c), search)
	if err != nil {
		apiServerError(c, err)
		return
	}
	bundle, onPage := searchPage(c, h.publicAddress, page, readings, func(r models.PatientReading) uint { return r.ID }, fhirmap.FromReading)
	h.includeSearchedPatient(&bundle, includes, len(onPage), patient)
	if err := subsetMatches(&bundle, "Observation", elements); err != nil {
		apiServerError(c, err)
		return
	}
	fhirResource(c, http.StatusOK, bundle)
}

// readObservationSearch reads an Observation search's own parameters;
// the patient is read apart, as for every search of a patient's record.
func readObservationSearch(c *gin.Context) (models.ObservationSearch, bool) {
	search := models.ObservationSearch{Sort: models.SearchSort{Descending: true}}
	subject, given, ok := onlyValue(c, subjectParam)
	if !ok {
		return search, false
	}
	if patient, named := c.GetQuery(patientParam); given && named && strings.TrimPrefix(patient, "Patient/") != strings.TrimPrefix(subject, "Patient/") {
		outcome(c, http.StatusBadRequest, "value", "Give patient or subject, not two different patients.")
		return search, false
	}
	ids, given, ok := onlyValue(c, idParam)
	if !ok {
		return search, false
	}
	if given {
		for text := range strings.SplitSeq(ids, ",") {
			// An id that cannot be a reading's finds nothing, as an
			// unknown one does.
			if id, ok := parseID(text); ok {
				search.IDs = append(search.IDs, id)
			}
		}
		if search.IDs == nil {
			search.IDs = []uint{0} // no reading's id, so nothing is found
		}
	}
	for name, concept := range map[string]func(fhirmap.Observation) []fhirmap.Coding{
		"code":     func(o fhirmap.Observation) []fhirmap.Coding { return o.Code.Coding },
		"category": func(o fhirmap.Observation) []fhirmap.Coding { return o.Category[0].Coding },
	} {
		token, given, ok := onlyValue(c, name)
		if !ok {
			return search, false
		}
		if !given {
			continue
		}
		kinds, ok := readingKindsCoded(token, concept)
		if !ok {
			outcome(c, http.StatusBadRequest, "value", fmt.Sprintf("Give %s as system|code, code, |code or system|, separated by commas.", name))
			return search, false
		}
		if search.Kinds != nil {
			kinds = slices.DeleteFunc(kinds, func(kind string) bool { return !slices.Contains(search.Kinds, kind) })
		}
		search.Kinds = kinds
	}
	if search.Date, ok = dateSearches(c, "date"); !ok {
		return search, false
	}
	if search.LastUpdated, ok = dateSearches(c, lastUpdated); !ok {
		return search, false
	}
	search.Sort, ok = readSort(c, search.Sort, "date", lastUpdated)
	return search, ok
}

// readingKindsCoded lists the kinds of reading whose Observation has, in
// the concept given, a coding that one of a token search's comma-separated
// values matches. The codings are the mapping's own, so a search finds
// what a read shows.
func readingKindsCoded(token string, concept func(fhirmap.Observation) []fhirmap.Coding) ([]string, bool) {
	kinds := []string{}
	var flow int
	for _, kind := range []string{models.ReadingPeakFlow, models.ReadingSymptoms} {
		observation := fhirmap.FromReading(models.PatientReading{Reading: models.Reading{Kind: kind, PeakFlow: &flow, Zone: models.ZoneGreen}})
		for value := range strings.SplitSeq(token, ",") {
			system, code, hasSystem := strings.Cut(value, "|")
			if !hasSystem {
				system, code = "", system
			}
			if code == "" && system == "" {
				return nil, false
			}
			matches := slices.ContainsFunc(concept(observation), func(coding fhirmap.Coding) bool {
				return (!hasSystem || coding.System == system) && (code == "" || coding.Code == code)
			})
			if matches && !slices.Contains(kinds, kind) {
				kinds = append(kinds, kind)
			}
		}
	}
	return kinds, true
}
