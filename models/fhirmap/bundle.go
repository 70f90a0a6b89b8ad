package fhirmap

import (
	"slices"
	"strings"
)

// capabilitiesDate is when what the API serves last changed.
const capabilitiesDate = "2026-12-08"

// Bundle is a page of search results, a resource's history, or a
// collection such as everything held about one passport.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	Type         string        `json:"type"`
	Total        *int          `json:"total,omitempty"`
	Link         []BundleLink  `json:"link,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

type BundleEntry struct {
	FullURL  string          `json:"fullUrl"`
	Resource any             `json:"resource"`
	Search   *BundleSearch   `json:"search,omitempty"`
	Request  *BundleRequest  `json:"request,omitempty"`
	Response *BundleResponse `json:"response,omitempty"`
}

type BundleSearch struct {
	Mode string `json:"mode"`
}

type BundleRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

type BundleResponse struct {
	Status       string `json:"status"`
	Etag         string `json:"etag"`
	LastModified string `json:"lastModified"`
}

// Resource is a FHIR resource the API serves.
type Resource interface {
	// Path is the resource's address relative to the API's base, such as
	// "Patient/abc".
	Path() string
}

// Versioned is a resource the API serves: each has a version.
type Versioned interface {
	Resource
	// Version is the resource's meta: its version and when it was made.
	Version() Meta
}

func (p Patient) Path() string             { return "Patient/" + p.ID }
func (c Condition) Path() string           { return "Condition/" + c.ID }
func (o Observation) Path() string         { return "Observation/" + o.ID }
func (c CarePlan) Path() string            { return "CarePlan/" + c.ID }
func (m MedicationStatement) Path() string { return "MedicationStatement/" + m.ID }
func (r RelatedPerson) Path() string       { return "RelatedPerson/" + r.ID }
func (p Practitioner) Path() string        { return "Practitioner/" + p.ID }
func (o Organization) Path() string        { return "Organization/" + o.ID }
func (g Group) Path() string               { return "Group/" + g.ID }

func (p Patient) Version() Meta             { return p.Meta }
func (c Condition) Version() Meta           { return c.Meta }
func (o Observation) Version() Meta         { return o.Meta }
func (c CarePlan) Version() Meta            { return c.Meta }
func (m MedicationStatement) Version() Meta { return m.Meta }
func (r RelatedPerson) Version() Meta       { return r.Meta }
func (p Practitioner) Version() Meta        { return p.Meta }
func (o Organization) Version() Meta        { return o.Meta }
func (g Group) Version() Meta               { return g.Meta }

// SearchPage bundles one page of a search's results. nextURL, if not
// empty, asks for the page after; total is given only when known.
func SearchPage[R Resource](base, selfURL, nextURL string, total *int, resources []R) Bundle {
	bundle := Bundle{ResourceType: "Bundle", Type: "searchset", Total: total, Link: []BundleLink{{Relation: "self", URL: selfURL}}}
	if nextURL != "" {
		bundle.Link = append(bundle.Link, BundleLink{Relation: "next", URL: nextURL})
	}
	for _, resource := range resources {
		bundle.Entry = append(bundle.Entry, BundleEntry{FullURL: base + "/" + resource.Path(), Resource: resource,
			Search: &BundleSearch{Mode: "match"}})
	}
	return bundle
}

// Include adds to a page of a search the resources that its matches point
// at, or that point at them, as FHIR's _include and _revinclude ask: each
// once, marked as included rather than matched.
func (b *Bundle) Include(base string, resources []Resource) {
	for _, resource := range resources {
		fullURL := base + "/" + resource.Path()
		if !slices.ContainsFunc(b.Entry, func(entry BundleEntry) bool { return entry.FullURL == fullURL }) {
			b.Entry = append(b.Entry, BundleEntry{FullURL: fullURL, Resource: resource, Search: &BundleSearch{Mode: "include"}})
		}
	}
}

// History bundles the versions of a resource the server keeps, newest
// first: version 1 was created, each later one replaced the one before.
// Each entry's fullUrl is the resource's address, as FHIR asks (bdl-8);
// the version is in its meta and its response.
func History(base, selfURL string, versions []Versioned) Bundle {
	total := len(versions)
	bundle := Bundle{ResourceType: "Bundle", Type: "history", Total: &total, Link: []BundleLink{{Relation: "self", URL: selfURL}}}
	for _, version := range versions {
		meta := version.Version()
		request, status := BundleRequest{Method: "PUT", URL: version.Path()}, "200"
		if meta.VersionID == "1" {
			resourceType, _, _ := strings.Cut(version.Path(), "/")
			request, status = BundleRequest{Method: "POST", URL: resourceType}, "201"
		}
		bundle.Entry = append(bundle.Entry, BundleEntry{FullURL: base + "/" + version.Path(), Resource: version, Request: &request,
			Response: &BundleResponse{Status: status, Etag: WeakETag(meta.VersionID), LastModified: meta.LastUpdated}})
	}
	return bundle
}

// WeakETag is the ETag of a resource version, as FHIR writes it.
func WeakETag(versionID string) string { return `W/"` + versionID + `"` }

// Collection bundles resources that belong together, such as everything
// held about one passport.
func Collection(base string, resources []Resource) Bundle {
	bundle := Bundle{ResourceType: "Bundle", Type: "collection"}
	for _, resource := range resources {
		bundle.Entry = append(bundle.Entry, BundleEntry{FullURL: base + "/" + resource.Path(), Resource: resource})
	}
	return bundle
}

// OperationOutcome tells a client what went wrong.
type OperationOutcome struct {
	ResourceType string  `json:"resourceType"`
	Issue        []Issue `json:"issue"`
}

type Issue struct {
	Severity    string `json:"severity"`
	Code        string `json:"code"`
	Diagnostics string `json:"diagnostics"`
}

// Outcome is an error with an issue code from FHIR's IssueType, such as
// "not-found", and a plain-English diagnosis.
func Outcome(code, diagnostics string) OperationOutcome {
	return OperationOutcome{ResourceType: "OperationOutcome", Issue: []Issue{{Severity: "error", Code: code, Diagnostics: diagnostics}}}
}

// CapabilityStatement says what the API serves.
type CapabilityStatement struct {
	ResourceType   string           `json:"resourceType"`
	Status         string           `json:"status"`
	Date           string           `json:"date"`
	Kind           string           `json:"kind"`
	Instantiates   []string         `json:"instantiates"`
	Software       Software         `json:"software"`
	Implementation Implementation   `json:"implementation"`
	FHIRVersion    string           `json:"fhirVersion"`
	Format         []string         `json:"format"`
	Rest           []CapabilityRest `json:"rest"`
}

type Software struct {
	Name string `json:"name"`
}

// Implementation is the server the statement describes, which a statement
// of kind instance must name (cpb-14).
type Implementation struct {
	Description string `json:"description"`
	URL         string `json:"url"`
}

type CapabilityRest struct {
	Mode      string               `json:"mode"`
	Security  CapabilitySecurity   `json:"security"`
	Resource  []CapabilityResource `json:"resource"`
	Operation []Operation          `json:"operation"`
}

// Operation is an operation the server runs, named by its definition.
type Operation struct {
	Name       string `json:"name"`
	Definition string `json:"definition"`
}

// BulkData is the FHIR Bulk Data Access server the API is.
const BulkData = "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"

// The FHIR Bulk Data Access kick-offs served: the whole organisation's
// records at the system level, its patients' on Patient, and one
// practice's on Group. Each is called $export where it is served.
var (
	SystemExport  = Operation{Name: "export", Definition: "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}
	PatientExport = Operation{Name: "export", Definition: "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"}
	GroupExport   = Operation{Name: "export", Definition: "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"}
)

// typeExports are the exports served on a resource type.
var typeExports = map[string][]Operation{"Patient": {PatientExport}, "Group": {GroupExport}}

type CapabilitySecurity struct {
	Service     []CodeableConcept `json:"service"`
	Description string            `json:"description"`
}

type CapabilityResource struct {
	Type             string        `json:"type"`
	Profile          string        `json:"profile,omitempty"`
	Documentation    string        `json:"documentation,omitempty"`
	Interaction      []Interaction `json:"interaction"`
	Versioning       string        `json:"versioning"`
	ReadHistory      bool          `json:"readHistory"`
	SearchInclude    []string      `json:"searchInclude,omitempty"`
	SearchRevInclude []string      `json:"searchRevInclude,omitempty"`
	SearchParam      []SearchParam `json:"searchParam,omitempty"`
	Operation        []Operation   `json:"operation,omitempty"`
}

// ResourceOperations are the operations on one resource served, by type.
var ResourceOperations = map[string][]Operation{
	"Patient": {{Name: "everything", Definition: "http://hl7.org/fhir/OperationDefinition/Patient-everything"}},
}

type Interaction struct {
	Code string `json:"code"`
}

type SearchParam struct {
	Name          string `json:"name"`
	Type          string `json:"type"`
	Documentation string `json:"documentation,omitempty"`
}

// SearchParams are the search parameters the API takes, by resource type.
// Every search also takes _count, the most entries a page holds; a page
// with more after it links to the next. Practitioner and Organization are
// read where other resources point at them, not searched.
var SearchParams = map[string][]SearchParam{
	"Patient": {idParam, {Name: "identifier", Type: "token"}, {Name: "family", Type: "string"}, {Name: "given", Type: "string"},
		{Name: "birthdate", Type: "date"}, lastUpdatedParam, sortParam, summaryParam, elementsParam, countParam},
	"Condition": {patientParam, countParam},
	"Observation": {patientParam, {Name: "subject", Type: "reference"}, idParam, {Name: "code", Type: "token"}, {Name: "category", Type: "token"},
		{Name: "date", Type: "date", Documentation: approximateDates}, lastUpdatedParam, sortParam, summaryParam, elementsParam, countParam},
	"CarePlan":            {patientParam, {Name: "status", Type: "token"}, countParam},
	"MedicationStatement": {patientParam, countParam},
	"RelatedPerson":       {patientParam, countParam},
}

// SearchIncludes are the references a search of a type can include the
// targets of (_include), and SearchRevIncludes those from other types back
// to it (_revinclude), each as FHIR names them: type:parameter.
var (
	SearchIncludes = map[string][]string{"Observation": {"Observation:subject"}, "CarePlan": {"CarePlan:subject"},
		"RelatedPerson": {"RelatedPerson:patient"}}
	SearchRevIncludes = map[string][]string{"Patient": {"CarePlan:subject", "Observation:subject", "RelatedPerson:patient"}}
)

// PastVersionsKept are the resource types whose past versions the server
// keeps: a care plan's published versions, and the medicines of each. Of
// every other type only the current version is kept.
var PastVersionsKept = []string{"CarePlan", "MedicationStatement"}

// onlyCurrentVersion documents a resource type whose past versions are not
// kept.
const onlyCurrentVersion = "Only the current version is kept: its history holds that version alone, and a read of any other version finds nothing."

var (
	patientParam  = SearchParam{Name: "patient", Type: "reference"}
	countParam    = SearchParam{Name: "_count", Type: "number", Documentation: "The most entries a page holds; 0 answers the total alone."}
	idParam       = SearchParam{Name: "_id", Type: "token"}
	sortParam     = SearchParam{Name: "_sort", Type: "special", Documentation: "_lastUpdated (or, for Observation, date), ascending, or descending with a leading -; ties are broken by id."}
	elementsParam = SearchParam{Name: "_elements", Type: "special", Documentation: "Top-level elements to keep, separated by commas; the mandatory ones are kept too, and meta.tag says SUBSETTED."}
	summaryParam  = SearchParam{Name: "_summary", Type: "token", Documentation: "count only: the total, without entries."}
	// lastUpdatedParam is when a resource last changed.
	lastUpdatedParam = SearchParam{Name: "_lastUpdated", Type: "date", Documentation: approximateDates}
)

// approximateDates says how a date search reads its value and what ap means.
const approximateDates = "Prefixes eq, ne, gt, lt, ge, le, sa, eb and ap; a year, month, day (in UTC) or instant covers its whole range. " +
	"ap matches within 10% of the gap between now and the value either side of it, and at least a day."

// Capabilities is the truth about the API at base, its address: read,
// version read and history of each resource type, search of those with
// search parameters, and bulk export, behind SMART Backend Services.
func Capabilities(base string, resourceTypes []string) CapabilityStatement {
	rest := CapabilityRest{Mode: "server", Operation: []Operation{SystemExport}, Security: CapabilitySecurity{
		Service:     []CodeableConcept{{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/restful-security-service", Code: "SMART-on-FHIR"}}}},
		Description: "SMART Backend Services: a client signs a JWT assertion (RS384 or ES384) and exchanges it at the token endpoint for a bearer token with system scopes such as system/Patient.rs.",
	}}
	for _, resourceType := range resourceTypes {
		resource := CapabilityResource{Type: resourceType, Profile: ukCoreProfile + resourceType,
			Interaction: []Interaction{{Code: "read"}, {Code: "vread"}, {Code: "history-instance"}},
			Versioning:  "versioned", SearchParam: SearchParams[resourceType],
			SearchInclude: SearchIncludes[resourceType], SearchRevInclude: SearchRevIncludes[resourceType],
			Operation: append(slices.Clone(typeExports[resourceType]), ResourceOperations[resourceType]...)}
		if resourceType == "Group" {
			resource.Profile = "" // UK Core has no Group profile
		}
		if len(resource.SearchParam) > 0 {
			resource.Interaction = append(resource.Interaction, Interaction{Code: "search-type"})
		}
		if resource.ReadHistory = slices.Contains(PastVersionsKept, resourceType); !resource.ReadHistory {
			resource.Documentation = onlyCurrentVersion
		}
		rest.Resource = append(rest.Resource, resource)
	}
	return CapabilityStatement{ResourceType: "CapabilityStatement", Status: "active", Date: capabilitiesDate, Kind: "instance",
		Instantiates: []string{BulkData}, Software: Software{Name: "Health Passport"},
		Implementation: Implementation{Description: "Health Passport FHIR API", URL: base},
		FHIRVersion:    "4.0.1", Format: []string{"application/fhir+json"}, Rest: []CapabilityRest{rest}}
}
