package models

import (
	"slices"
)

// Principal is who is asking: every query of patient data is scoped by it.
// It is loaded once a request: a signed-in person, a machine client
// reading through the FHIR API for its organisation, or a share opened
// with its access code.
type Principal struct {
	User User
	// Share is the share a school or carer opened with its code: it may
	// read the emergency page of the one patient it was made for, and
	// nothing else.
	Share *Share
	// Own is a patient's own record, with their practice.
	Own *Patient
	// CaredFor is the people a carer is linked to now, with the permission
	// each link gives.
	CaredFor []CaredFor
	// PracticeIDs are the practices a staff member works at, or the one
	// a client acts for.
	PracticeIDs []uint
	// Administered is, for an administrator, the organisations they look
	// after: those they work at, then the practices and clinics of those,
	// each in name order. Every administration page scopes by it.
	Administered []Organisation
	// Client is the machine client, and Scopes what its access token
	// grants; nil for a person.
	Client *APIClient
	Scopes []string
}

// MayRead reports whether a client's token lets it read and search a FHIR
// resource type, whichever SMART syntax it was granted in.
func (p *Principal) MayRead(resourceType string) bool {
	return ScopesCover(p.Scopes, resourceType)
}

// CanAct reports whether the principal may act on a patient's passport: a
// patient on their own, a carer with "view and act" permission.
func (p *Principal) CanAct(patientID uint) bool {
	if p.Own != nil && p.Own.ID == patientID {
		return true
	}
	return slices.ContainsFunc(p.CaredFor, func(cared CaredFor) bool {
		return cared.ID == patientID && cared.Permission == PermissionAct
	})
}

// SharePrincipal is whoever opened a working share, with no account of
// their own.
func SharePrincipal(share *Share) *Principal {
	return &Principal{Share: share}
}

// AdministeredIDs are the ids of the organisations an administrator looks
// after.
func (p *Principal) AdministeredIDs() []uint {
	ids := make([]uint, len(p.Administered))
	for i, o := range p.Administered {
		ids[i] = o.ID
	}
	return ids
}

// AdministeredPractices are the practices and clinics among the
// organisations an administrator looks after: where patients are.
func (p *Principal) AdministeredPractices() []Organisation {
	var practices []Organisation
	for _, o := range p.Administered {
		if slices.Contains(CareKinds, o.Kind) {
			practices = append(practices, o)
		}
	}
	return practices
}
