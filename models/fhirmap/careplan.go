package fhirmap

import (
	"fmt"
	"strconv"
	"strings"

	"healthpassport/models"
)

type CarePlan struct {
	ResourceType string             `json:"resourceType"`
	ID           string             `json:"id"`
	Meta         Meta               `json:"meta"`
	Status       string             `json:"status"`
	Intent       string             `json:"intent"`
	Category     []CodeableConcept  `json:"category"`
	Title        string             `json:"title"`
	Subject      Reference          `json:"subject"`
	Period       Period             `json:"period"`
	Created      string             `json:"created"`
	Author       Reference          `json:"author"`
	Addresses    []Reference        `json:"addresses"`
	Activity     []CarePlanActivity `json:"activity,omitempty"`
	Note         []Annotation       `json:"note,omitempty"`
}

type CarePlanActivity struct {
	Detail CarePlanDetail `json:"detail"`
}

type CarePlanDetail struct {
	Code                   *CodeableConcept `json:"code,omitempty"`
	Status                 string           `json:"status"`
	ProductCodeableConcept *CodeableConcept `json:"productCodeableConcept,omitempty"`
	Description            string           `json:"description"`
}

type MedicationStatement struct {
	ResourceType              string            `json:"resourceType"`
	ID                        string            `json:"id"`
	Meta                      Meta              `json:"meta"`
	BasedOn                   []Reference       `json:"basedOn"`
	Status                    string            `json:"status"`
	MedicationCodeableConcept CodeableConcept   `json:"medicationCodeableConcept"`
	Subject                   Reference         `json:"subject"`
	DateAsserted              string            `json:"dateAsserted"`
	InformationSource         Reference         `json:"informationSource"`
	ReasonCode                []CodeableConcept `json:"reasonCode,omitempty"`
	Dosage                    []Dosage          `json:"dosage,omitempty"`
}

type Dosage struct {
	Text string `json:"text"`
}

// CarePlanID is the FHIR id of a plan: the plan's own, which its Condition
// shares.
func CarePlanID(planID uint) string { return strconv.FormatUint(uint64(planID), 10) }

// FromPlan maps one published version of an action plan to a UK Core
// CarePlan. The version's number is the resource's version, so each
// published version is one FHIR version; drafts are never shared. Each
// zone is an activity whose description holds its signs, what to do and,
// for asthma, its peak flow threshold; each medicine is an activity too.
func FromPlan(p models.PublishedPlan) CarePlan {
	m := versionedMeta("CarePlan", int64(p.Version.Number), p.Version.CreatedAt)
	plan := CarePlan{ResourceType: "CarePlan", ID: CarePlanID(p.ID), Meta: m, Status: "active", Intent: "plan",
		Category: []CodeableConcept{{Text: "Action plan"}},
		Title:    p.ConditionName + " action plan",
		Subject:  PatientReference(p.PatientRef),
		Period:   Period{Start: instant(p.Version.CreatedAt)},
		Created:  instant(p.CreatedAt),
		Author:   PractitionerReference(p.Version.AuthorID, p.AuthorName),
		Addresses: []Reference{{Reference: "Condition/" + CarePlanID(p.ID),
			Display: p.ConditionName}}}
	for _, zone := range p.Content.RenderedZones() {
		plan.Activity = append(plan.Activity, CarePlanActivity{Detail: CarePlanDetail{
			Code:        &CodeableConcept{Text: zoneTitle(zone)},
			Status:      "not-started",
			Description: zoneDescription(zone, p.Content.PeakFlow)}})
	}
	for _, medicine := range p.Content.Medicines {
		plan.Activity = append(plan.Activity, CarePlanActivity{Detail: CarePlanDetail{
			Status:                 "not-started",
			ProductCodeableConcept: &CodeableConcept{Text: medicineName(medicine)},
			Description:            medicine.Describe()}})
	}
	if flow := p.Content.PeakFlow; flow != nil {
		plan.Note = []Annotation{{Text: fmt.Sprintf("Personal best peak flow: %d L/min. Amber zone below %d L/min. Red zone below %d L/min.",
			flow.PersonalBest, flow.AmberBelow, flow.RedBelow)}}
	}
	return plan
}

func zoneTitle(zone models.Zone) string {
	if zone.Title == "" {
		return models.ZoneName(zone.Colour)
	}
	return models.ZoneName(zone.Colour) + ": " + zone.Title
}

// zoneDescription is a rendered zone as one paragraph of text: when it
// applies and what to do.
func zoneDescription(zone models.Zone, flow *models.PeakFlow) string {
	var parts []string
	if threshold := zoneThreshold(zone.Colour, flow); threshold != "" {
		parts = append(parts, threshold)
	}
	if len(zone.Signs) > 0 {
		parts = append(parts, "Signs: "+strings.Join(zone.Signs, "; ")+".")
	}
	if len(zone.Actions) > 0 {
		parts = append(parts, "What to do: "+strings.Join(zone.Actions, "; ")+".")
	}
	return strings.Join(parts, " ")
}

// zoneThreshold is the peak flow range a zone covers, with the numbers
// behind it.
func zoneThreshold(colour string, flow *models.PeakFlow) string {
	if flow == nil {
		return ""
	}
	switch colour {
	case models.ZoneGreen:
		return fmt.Sprintf("Peak flow %d L/min or more.", flow.AmberBelow)
	case models.ZoneAmber:
		return fmt.Sprintf("Peak flow below %d L/min and at least %d L/min.", flow.AmberBelow, flow.RedBelow)
	case models.ZoneRed:
		return fmt.Sprintf("Peak flow below %d L/min.", flow.RedBelow)
	}
	return ""
}

func medicineName(m models.Medicine) string {
	return strings.TrimSpace(m.Name + " " + m.Form)
}

// MedicationStatementID names the nth medicine, counting from 1, of a
// plan's published version.
func MedicationStatementID(planID uint, n int) string {
	return fmt.Sprintf("%d-%d", planID, n)
}

// FromMedicines maps the medicines of a published plan to UK Core
// MedicationStatements, based on the plan, as its author recorded them.
// Medicines are named in text: the plan holds no dm+d codes.
func FromMedicines(p models.PublishedPlan) []MedicationStatement {
	statements := make([]MedicationStatement, 0, len(p.Content.Medicines))
	for i, medicine := range p.Content.Medicines {
		// A statement changes only with its plan: the plan's version is
		// its version.
		m := versionedMeta("MedicationStatement", int64(p.Version.Number), p.Version.CreatedAt)
		statement := MedicationStatement{ResourceType: "MedicationStatement", ID: MedicationStatementID(p.ID, i+1), Meta: m,
			BasedOn:                   []Reference{{Reference: "CarePlan/" + CarePlanID(p.ID)}},
			Status:                    "active",
			MedicationCodeableConcept: CodeableConcept{Text: medicineName(medicine)},
			Subject:                   PatientReference(p.PatientRef),
			DateAsserted:              instant(p.Version.CreatedAt),
			InformationSource:         PractitionerReference(p.Version.AuthorID, p.AuthorName)}
		if purpose := strings.TrimSpace(medicine.Purpose); purpose != "" {
			statement.ReasonCode = []CodeableConcept{{Text: purpose}}
		}
		if dose := strings.TrimSpace(strings.TrimSpace(medicine.Dose) + " " + strings.TrimSpace(medicine.Frequency)); dose != "" {
			statement.Dosage = []Dosage{{Text: dose}}
		}
		statements = append(statements, statement)
	}
	return statements
}
