package fhirmap

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"healthpassport/models"
	"healthpassport/models/store"
)

// ExportTypes are the resource types a bulk export writes, in order: each
// is a streaming read of the store and the same mapping the API's read
// uses, so a resource exported is the resource read.
var ExportTypes = []store.ExportType{
	exportType("Patient", (*store.Store).ExportPatients, FromPatient),
	exportType("Condition", (*store.Store).ExportDiagnoses, FromDiagnosis),
	exportType("Observation", exportReadings, FromReading),
	exportType("CarePlan", exportPlans, FromPlan),
	exportTypeOfMany("MedicationStatement", (*store.Store).ExportPublishedPlans, FromMedicines),
	exportType("RelatedPerson", (*store.Store).ExportCarers, FromCarer),
	exportType("Practitioner", (*store.Store).ExportPractitioners, FromPractitioner),
	exportType("Organization", (*store.Store).ExportOrganisations, FromOrganisation),
}

// exportType writes the resource mapped from each row stream reads.
func exportType[Row, R any](resourceType string, stream func(*store.Store, context.Context, models.ExportScope, func(Row) error) error,
	mapping func(Row) R) store.ExportType {
	return exportTypeOfMany(resourceType, stream, func(row Row) []R { return []R{mapping(row)} })
}

// exportTypeOfMany writes the resources mapped from each row stream reads,
// for a type of which one row holds several, such as a plan's medicines.
func exportTypeOfMany[Row, R any](resourceType string, stream func(*store.Store, context.Context, models.ExportScope, func(Row) error) error,
	mapping func(Row) []R) store.ExportType {
	return store.ExportType{ResourceType: resourceType,
		Write: func(ctx context.Context, s *store.Store, scope models.ExportScope, emit func(any) error) error {
			return stream(s, ctx, scope, func(row Row) error {
				for _, resource := range mapping(row) {
					if err := emit(resource); err != nil {
						return err
					}
				}
				return nil
			})
		}}
}

// typeFilterParams are the search parameters an export's _typeFilter takes
// for each type: those the API's searches take that narrow what a bulk
// export writes.
var typeFilterParams = map[string][]string{
	"Observation": {"category", "code"},
	"CarePlan":    {"status"},
}

// CheckTypeFilter reads one _typeFilter, such as
// "Observation?category=vital-signs", and gives its resource type, or says
// why the export cannot take it.
func CheckTypeFilter(filter string) (string, error) {
	resourceType, query, found := strings.Cut(filter, "?")
	params, ok := typeFilterParams[resourceType]
	if !found || !ok {
		return "", fmt.Errorf("_typeFilter %q is not taken: exports filter Observation by category or code and CarePlan by status, such as Observation?category=vital-signs", filter)
	}
	values, err := url.ParseQuery(query)
	if err != nil || len(values) == 0 {
		return "", fmt.Errorf("_typeFilter %q is not a search, such as %s?%s=…", filter, resourceType, params[0])
	}
	for param, given := range values {
		if !slices.Contains(params, param) {
			return "", fmt.Errorf("_typeFilter %q: %s is searched by %s only", filter, resourceType, strings.Join(params, " or "))
		}
		for _, value := range given {
			for code := range strings.SplitSeq(value, ",") {
				if code == "" || (param == "status" && !slices.Contains(CarePlanStatuses, code)) {
					return "", fmt.Errorf("_typeFilter %q: give %s a value such as %s", filter, param, exampleValue[param])
				}
			}
		}
	}
	return resourceType, nil
}

var exampleValue = map[string]string{
	"category": "vital-signs or survey",
	"code":     SNOMED + "|" + PeakFlowSNOMED,
	"status":   strings.Join(CarePlanStatuses, ", "),
}

// CarePlanStatuses are the codes of FHIR's request-status, which a CarePlan
// search by status takes. A published plan is active; drafts, the only
// other state a plan has, are not shared.
var CarePlanStatuses = []string{"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}

// exportReadings reads only the kinds of reading whose Observations match
// the scope's filters. An Observation's category and code depend on its
// reading's kind alone, so each kind is matched by mapping an example.
func exportReadings(s *store.Store, ctx context.Context, scope models.ExportScope, each func(models.PatientReading) error) error {
	var kinds []string
	for _, kind := range []string{models.ReadingPeakFlow, models.ReadingSymptoms} {
		example := FromReading(models.PatientReading{Reading: models.Reading{Kind: kind, PeakFlow: new(int), Zone: models.ZoneGreen}})
		if len(scope.Filters) == 0 || slices.ContainsFunc(scope.Filters, func(filter url.Values) bool { return observationMatches(example, filter) }) {
			kinds = append(kinds, kind)
		}
	}
	if len(kinds) == 0 {
		return nil
	}
	return s.ExportReadings(ctx, scope, kinds, each)
}

// observationMatches reports whether an Observation matches every
// parameter of a filter, each matching if any of its comma-separated
// values does.
func observationMatches(o Observation, filter url.Values) bool {
	for param, given := range filter {
		var codings []Coding
		switch param {
		case "category":
			for _, category := range o.Category {
				codings = append(codings, category.Coding...)
			}
		case "code":
			codings = o.Code.Coding
		}
		for _, value := range given {
			if !slices.ContainsFunc(strings.Split(value, ","), func(token string) bool { return tokenMatches(token, codings) }) {
				return false
			}
		}
	}
	return true
}

// tokenMatches reports whether a search token, "code" or "system|code",
// names one of the codings.
func tokenMatches(token string, codings []Coding) bool {
	system, code, withSystem := strings.Cut(token, "|")
	if !withSystem {
		code = token
	}
	return slices.ContainsFunc(codings, func(coding Coding) bool {
		return coding.Code == code && (!withSystem || coding.System == system)
	})
}

// exportPlans reads the published plans when the scope's filters take an
// active CarePlan, the only status a shared plan has; nothing otherwise.
func exportPlans(s *store.Store, ctx context.Context, scope models.ExportScope, each func(models.PublishedPlan) error) error {
	active := len(scope.Filters) == 0 || slices.ContainsFunc(scope.Filters, func(filter url.Values) bool {
		for _, value := range filter["status"] {
			if !slices.Contains(strings.Split(value, ","), "active") {
				return false
			}
		}
		return true
	})
	if !active {
		return nil
	}
	return s.ExportPublishedPlans(ctx, scope, each)
}

// Information is an OperationOutcome that reports, rather than refuses,
// such as an accepted bulk export.
func Information(diagnostics string) OperationOutcome {
	return OperationOutcome{ResourceType: "OperationOutcome", Issue: []Issue{{Severity: "information", Code: "informational", Diagnostics: diagnostics}}}
}
