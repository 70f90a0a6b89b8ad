package fhirmap

// capabilitiesDate is when what the API serves last changed.
const capabilitiesDate = "2026-11-20"

// Bundle is a searchset: every match, in one page.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	Type         string        `json:"type"`
	Total        int           `json:"total"`
	Link         []BundleLink  `json:"link"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

type BundleEntry struct {
	FullURL  string       `json:"fullUrl"`
	Resource any          `json:"resource"`
	Search   BundleSearch `json:"search"`
}

type BundleSearch struct {
	Mode string `json:"mode"`
}

// Resource is a FHIR resource the API serves.
type Resource interface {
	// Path is the resource's address relative to the API's base, such as
	// "Patient/abc".
	Path() string
}

func (p Patient) Path() string     { return "Patient/" + p.ID }
func (c Condition) Path() string   { return "Condition/" + c.ID }
func (o Observation) Path() string { return "Observation/" + o.ID }

// Searchset bundles resources found by a search at selfURL; base is the
// API's address, which entries' full URLs start with.
func Searchset[R Resource](base, selfURL string, resources []R) Bundle {
	bundle := Bundle{ResourceType: "Bundle", Type: "searchset", Total: len(resources), Link: []BundleLink{{Relation: "self", URL: selfURL}}}
	for _, resource := range resources {
		bundle.Entry = append(bundle.Entry, BundleEntry{FullURL: base + "/" + resource.Path(), Resource: resource,
			Search: BundleSearch{Mode: "match"}})
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
	ResourceType string           `json:"resourceType"`
	Status       string           `json:"status"`
	Date         string           `json:"date"`
	Kind         string           `json:"kind"`
	Software     Software         `json:"software"`
	FHIRVersion  string           `json:"fhirVersion"`
	Format       []string         `json:"format"`
	Rest         []CapabilityRest `json:"rest"`
}

type Software struct {
	Name string `json:"name"`
}

type CapabilityRest struct {
	Mode     string               `json:"mode"`
	Security CapabilitySecurity   `json:"security"`
	Resource []CapabilityResource `json:"resource"`
}

type CapabilitySecurity struct {
	Service     []CodeableConcept `json:"service"`
	Description string            `json:"description"`
}

type CapabilityResource struct {
	Type        string        `json:"type"`
	Profile     string        `json:"profile"`
	Interaction []Interaction `json:"interaction"`
	SearchParam []SearchParam `json:"searchParam"`
}

type Interaction struct {
	Code string `json:"code"`
}

type SearchParam struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// SearchParams are the search parameters the API takes, by resource type.
var SearchParams = map[string][]SearchParam{
	"Patient":     {{Name: "identifier", Type: "token"}, {Name: "_lastUpdated", Type: "date"}},
	"Condition":   {{Name: "patient", Type: "reference"}},
	"Observation": {{Name: "patient", Type: "reference"}},
}

// Capabilities is the truth about the API: read and search of each
// resource type, with the search parameters it takes, behind SMART
// Backend Services.
func Capabilities(resourceTypes []string) CapabilityStatement {
	rest := CapabilityRest{Mode: "server", Security: CapabilitySecurity{
		Service:     []CodeableConcept{{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/restful-security-service", Code: "SMART-on-FHIR"}}}},
		Description: "SMART Backend Services: a client signs a JWT assertion (RS384 or ES384) and exchanges it at the token endpoint for a bearer token with system scopes such as system/Patient.rs.",
	}}
	for _, resourceType := range resourceTypes {
		rest.Resource = append(rest.Resource, CapabilityResource{Type: resourceType, Profile: ukCoreProfile + resourceType,
			Interaction: []Interaction{{Code: "read"}, {Code: "search-type"}}, SearchParam: SearchParams[resourceType]})
	}
	return CapabilityStatement{ResourceType: "CapabilityStatement", Status: "active", Date: capabilitiesDate, Kind: "instance",
		Software: Software{Name: "Health Passport"}, FHIRVersion: "4.0.1", Format: []string{"application/fhir+json"}, Rest: []CapabilityRest{rest}}
}
