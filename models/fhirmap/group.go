package fhirmap

import "healthpassport/models"

// Group is a practice's patients, the cohort a Group export writes.
type Group struct {
	ResourceType   string        `json:"resourceType"`
	ID             string        `json:"id"`
	Meta           Meta          `json:"meta"`
	Identifier     []Identifier  `json:"identifier"`
	Type           string        `json:"type"`
	Actual         bool          `json:"actual"`
	Name           string        `json:"name"`
	Quantity       int           `json:"quantity"`
	ManagingEntity Reference     `json:"managingEntity"`
	Member         []GroupMember `json:"member,omitempty"`
}

type GroupMember struct {
	Entity Reference `json:"entity"`
}

// FromGroup maps a practice's patients to an actual Group of persons: the
// practice's ODS code is its id, as for the Organization that manages it.
// UK Core has no Group profile, so none is claimed.
func FromGroup(g models.Group) Group {
	m := versionedMeta("", g.Practice.CohortVersion, changedAt(g.Practice.CohortChangedAt, g.Practice.CreatedAt))
	m.Profile = nil
	group := Group{ResourceType: "Group", ID: g.Practice.ODSCode, Meta: m,
		Identifier: []Identifier{{System: ODSCode, Value: g.Practice.ODSCode}},
		Type:       "person", Actual: true, Name: "Patients of " + g.Practice.Name, Quantity: len(g.MemberRefs),
		ManagingEntity: OrganizationReference(g.Practice)}
	for _, ref := range g.MemberRefs {
		group.Member = append(group.Member, GroupMember{Entity: PatientReference(ref)})
	}
	return group
}
