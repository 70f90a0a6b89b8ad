// Package fhirmap builds HL7 FHIR R4 resources, claiming the UK Core
// profiles, from the passport's records. No Go FHIR library is used: these
// are small structs holding only what the API fills in.
package fhirmap

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"

	"healthpassport/models"
)

// Code systems and identifiers.
const (
	SNOMED        = "http://snomed.info/sct"
	LOINC         = "http://loinc.org"
	UCUM          = "http://unitsofmeasure.org"
	NHSNumber     = "https://fhir.nhs.uk/Id/nhs-number"
	ODSCode       = "https://fhir.nhs.uk/Id/ods-organization-code"
	ukCoreProfile = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"
)

// Peak expiratory flow rate, in SNOMED CT and LOINC.
const (
	PeakFlowSNOMED = "18491006"
	PeakFlowLOINC  = "33452-4"
)

type Meta struct {
	VersionID   string   `json:"versionId,omitempty"`
	LastUpdated string   `json:"lastUpdated,omitempty"`
	Profile     []string `json:"profile,omitempty"`
}

type Coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

type Identifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

type HumanName struct {
	Use    string   `json:"use,omitempty"`
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
}

type ContactPoint struct {
	System string `json:"system"`
	Value  string `json:"value"`
	Use    string `json:"use,omitempty"`
}

type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type Annotation struct {
	Text string `json:"text"`
}

type Quantity struct {
	Value  int    `json:"value"`
	Unit   string `json:"unit"`
	System string `json:"system"`
	Code   string `json:"code"`
}

type Patient struct {
	ResourceType        string           `json:"resourceType"`
	ID                  string           `json:"id"`
	Meta                Meta             `json:"meta"`
	Identifier          []Identifier     `json:"identifier"`
	Name                []HumanName      `json:"name"`
	Telecom             []ContactPoint   `json:"telecom,omitempty"`
	BirthDate           string           `json:"birthDate"`
	GeneralPractitioner []Reference      `json:"generalPractitioner,omitempty"`
	Contact             []PatientContact `json:"contact,omitempty"`
}

// PatientContact is someone to call about the patient.
type PatientContact struct {
	Relationship []CodeableConcept `json:"relationship,omitempty"`
	Name         HumanName         `json:"name"`
	Telecom      []ContactPoint    `json:"telecom,omitempty"`
}

type Condition struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id"`
	Meta               Meta              `json:"meta"`
	ClinicalStatus     CodeableConcept   `json:"clinicalStatus"`
	VerificationStatus CodeableConcept   `json:"verificationStatus"`
	Category           []CodeableConcept `json:"category"`
	Code               CodeableConcept   `json:"code"`
	Subject            Reference         `json:"subject"`
	RecordedDate       string            `json:"recordedDate"`
}

type Observation struct {
	ResourceType      string                 `json:"resourceType"`
	ID                string                 `json:"id"`
	Meta              Meta                   `json:"meta"`
	Status            string                 `json:"status"`
	Category          []CodeableConcept      `json:"category"`
	Code              CodeableConcept        `json:"code"`
	Subject           Reference              `json:"subject"`
	EffectiveDateTime string                 `json:"effectiveDateTime"`
	ValueQuantity     *Quantity              `json:"valueQuantity,omitempty"`
	ValueString       string                 `json:"valueString,omitempty"`
	Component         []ObservationComponent `json:"component,omitempty"`
}

// ObservationComponent is one question of a symptom check-in and its
// answer.
type ObservationComponent struct {
	Code         CodeableConcept `json:"code"`
	ValueBoolean bool            `json:"valueBoolean"`
}

// instant is a FHIR instant in UTC, to the second.
func instant(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// meta is when a resource was last changed and the UK Core profile it
// claims.
func meta(profile string, lastUpdated time.Time) Meta {
	return Meta{LastUpdated: instant(lastUpdated), Profile: []string{ukCoreProfile + profile}}
}

// versionedMeta is meta with the resource's version, for the resources the
// API serves.
func versionedMeta(profile string, version int64, lastUpdated time.Time) Meta {
	m := meta(profile, lastUpdated)
	m.VersionID = strconv.FormatInt(version, 10)
	return m
}

// unchanging is the version of a resource whose record is never changed
// once made: a reading, or the condition a plan is for.
const unchanging = 1

// changedAt is when a row whose last change the database notes (0047) was
// last changed: when it was made, until its first change.
func changedAt(changed *time.Time, created time.Time) time.Time {
	if changed != nil {
		return *changed
	}
	return created
}

// PatientReference is how other resources point at a patient.
func PatientReference(ref string) Reference { return Reference{Reference: "Patient/" + ref} }

// FromPatient maps a patient, with their practice loaded, to a UK Core
// Patient. The record's reference is its id: NHS numbers stay out of
// addresses.
func FromPatient(p models.Patient) Patient {
	names := []HumanName{{Use: "official", Family: p.FamilyName, Given: []string{p.GivenName}}}
	if p.PreferredName != "" {
		names = append(names, HumanName{Use: "usual", Given: []string{p.PreferredName}})
	}
	var telecom []ContactPoint
	if p.Phone != "" {
		telecom = append(telecom, ContactPoint{System: "phone", Value: p.Phone, Use: "home"})
	}
	if p.Email != "" {
		telecom = append(telecom, ContactPoint{System: "email", Value: p.Email, Use: "home"})
	}
	patient := Patient{ResourceType: "Patient", ID: p.Ref, Meta: versionedMeta("Patient", p.RecordVersion, p.UpdatedAt),
		Identifier: []Identifier{{System: NHSNumber, Value: p.NHSNumber}},
		Name:       names, Telecom: telecom, BirthDate: p.DateOfBirth.Format(time.DateOnly)}
	if p.Practice != nil {
		patient.GeneralPractitioner = []Reference{OrganizationReference(*p.Practice)}
	}
	return patient
}

// FromDiagnosis maps the condition a published plan is for to a UK Core
// Condition: the plan's id is the condition's.
func FromDiagnosis(d models.Diagnosis) Condition {
	return Condition{ResourceType: "Condition", ID: strconv.FormatUint(uint64(d.ID), 10), Meta: versionedMeta("Condition", unchanging, d.CreatedAt),
		ClinicalStatus:     CodeableConcept{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/condition-clinical", Code: "active"}}},
		VerificationStatus: CodeableConcept{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/condition-ver-status", Code: "confirmed"}}},
		Category: []CodeableConcept{{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/condition-category",
			Code: "problem-list-item", Display: "Problem List Item"}}}},
		Code:         CodeableConcept{Coding: []Coding{{System: SNOMED, Code: d.SnomedCode, Display: d.ConditionName}}, Text: d.ConditionName},
		Subject:      PatientReference(d.PatientRef),
		RecordedDate: instant(d.CreatedAt)}
}

// FromReading maps a reading of either kind to a UK Core Observation.
func FromReading(r models.PatientReading) Observation {
	if r.Kind == models.ReadingSymptoms {
		return FromCheckIn(r)
	}
	return FromPeakFlow(r)
}

// FromPeakFlow maps a peak flow reading to a UK Core Observation, coded in
// SNOMED CT and LOINC, in litres a minute.
func FromPeakFlow(r models.PatientReading) Observation {
	return Observation{ResourceType: "Observation", ID: strconv.FormatUint(uint64(r.ID), 10), Meta: versionedMeta("Observation", unchanging, r.CreatedAt),
		Status: "final",
		Category: []CodeableConcept{{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/observation-category",
			Code: "vital-signs", Display: "Vital Signs"}}}},
		Code: CodeableConcept{Coding: []Coding{
			{System: SNOMED, Code: PeakFlowSNOMED, Display: "Peak expiratory flow rate"},
			{System: LOINC, Code: PeakFlowLOINC, Display: "Peak expiratory flow rate"},
		}, Text: "Peak flow"},
		Subject:           PatientReference(r.PatientRef),
		EffectiveDateTime: instant(r.CreatedAt),
		ValueQuantity:     &Quantity{Value: *r.PeakFlow, Unit: "L/min", System: UCUM, Code: "L/min"}}
}

// FromCheckIn maps a symptom check-in to an Observation rather than a
// QuestionnaireResponse: its questions come from each plan's template and
// have no published Questionnaire or standard coding, so each is a
// component named by its text, answered yes or no, and the value is the
// zone the answers put the person in.
func FromCheckIn(r models.PatientReading) Observation {
	var answers map[string]bool
	_ = json.Unmarshal([]byte(r.Answers), &answers) // written by RecordSymptoms; an unreadable one shows no answers
	questions := slices.Sorted(maps.Keys(answers))
	components := make([]ObservationComponent, 0, len(questions))
	for _, question := range questions {
		components = append(components, ObservationComponent{Code: CodeableConcept{Text: question}, ValueBoolean: answers[question]})
	}
	return Observation{ResourceType: "Observation", ID: strconv.FormatUint(uint64(r.ID), 10), Meta: versionedMeta("Observation", unchanging, r.CreatedAt),
		Status: "final",
		Category: []CodeableConcept{{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/observation-category",
			Code: "survey", Display: "Survey"}}}},
		Code:              CodeableConcept{Text: "Symptom check-in"},
		Subject:           PatientReference(r.PatientRef),
		EffectiveDateTime: instant(r.CreatedAt),
		ValueString:       models.ZoneName(r.Zone),
		Component:         components}
}
