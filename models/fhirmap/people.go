package fhirmap

import (
	"strconv"

	"healthpassport/models"
)

type RelatedPerson struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id"`
	Meta         Meta              `json:"meta"`
	Active       bool              `json:"active"`
	Patient      Reference         `json:"patient"`
	Relationship []CodeableConcept `json:"relationship,omitempty"`
	Name         []HumanName       `json:"name"`
	Period       Period            `json:"period"`
}

type Practitioner struct {
	ResourceType string      `json:"resourceType"`
	ID           string      `json:"id"`
	Meta         Meta        `json:"meta"`
	Active       bool        `json:"active"`
	Name         []HumanName `json:"name"`
}

type Organization struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id"`
	Meta         Meta         `json:"meta"`
	Identifier   []Identifier `json:"identifier"`
	Active       bool         `json:"active"`
	Name         string       `json:"name"`
}

// FromCarer maps a carer's link to a patient to a UK Core RelatedPerson:
// the link's id is the resource's. A link no longer in force is inactive,
// with the end of its period; the API answers a read of it with 410 Gone.
func FromCarer(c models.Carer) RelatedPerson {
	person := RelatedPerson{ResourceType: "RelatedPerson", ID: strconv.FormatUint(uint64(c.ID), 10),
		Meta: versionedMeta("RelatedPerson", c.RecordVersion, changedAt(c.RecordChangedAt, c.CreatedAt)), Active: c.RevokedAt == nil, Patient: PatientReference(c.PatientRef),
		Name: []HumanName{{Text: c.DisplayName}}, Period: Period{Start: instant(c.CreatedAt)}}
	if c.Relationship != "" {
		person.Relationship = []CodeableConcept{{Text: c.Relationship}}
	}
	if c.RevokedAt != nil {
		person.Period.End = instant(*c.RevokedAt)
	}
	return person
}

// PractitionerReference points at the member of staff who wrote a plan.
func PractitionerReference(userID uint, name string) Reference {
	return Reference{Reference: "Practitioner/" + strconv.FormatUint(uint64(userID), 10), Display: name}
}

// FromPractitioner maps a member of staff who wrote a plan to a UK Core
// Practitioner: their name only, since their work email and username are
// for signing in, not for contacting them.
func FromPractitioner(u models.User) Practitioner {
	return Practitioner{ResourceType: "Practitioner", ID: strconv.FormatUint(uint64(u.ID), 10), Meta: versionedMeta("Practitioner", u.RecordVersion, u.UpdatedAt),
		Active: !u.Disabled, Name: []HumanName{{Text: u.DisplayName}}}
}

// OrganizationReference points at a practice or ICB by its ODS code, which
// is also its resource's id.
func OrganizationReference(o models.Organisation) Reference {
	return Reference{Reference: "Organization/" + o.ODSCode, Identifier: &Identifier{System: ODSCode, Value: o.ODSCode}, Display: o.Name}
}

// FromOrganisation maps a practice or ICB to a UK Core Organization.
func FromOrganisation(o models.Organisation) Organization {
	return Organization{ResourceType: "Organization", ID: o.ODSCode, Meta: versionedMeta("Organization", o.RecordVersion, changedAt(o.RecordChangedAt, o.CreatedAt)),
		Identifier: []Identifier{{System: ODSCode, Value: o.ODSCode}}, Active: true, Name: o.Name}
}
