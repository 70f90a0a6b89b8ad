package models

import (
	"errors"
	"time"
)

// ErrNHSNumberRegistered means a patient with the NHS number already has a passport.
var ErrNHSNumberRegistered = errors.New("NHS number already registered")

const RefAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// NewPatient is what a nurse enters to register a patient.
type NewPatient struct {
	NHSNumber   string
	GivenName   string
	FamilyName  string
	DateOfBirth time.Time
	Address     PostalAddress
	PracticeID  uint
}

// CaseloadEntry is a patient as a nurse's caseload lists them.
type CaseloadEntry struct {
	Patient
	Activated    bool
	RedZone      bool
	OpenRequests int
	// PlanToReview is set when a plan's template version was retired
	// after the plan was last saved.
	PlanToReview bool
	// ReviewOverdue is set when the next review's date has passed.
	ReviewOverdue bool `gorm:"-"`
}

// Caseload filters.
const (
	FilterReviewDue     = "review-due"
	FilterRedZone       = "red-zone"
	FilterPrescriptions = "prescriptions"
	FilterPlanReview    = "plan-review"
)

// Caseload orders.
const (
	SortName   = "name"
	SortReview = "review"
)

// How long a red-zone reading keeps a patient in the red-zone filter, and
// how far ahead a review counts as due.
const (
	RedZoneWindow   = 14 * 24 * time.Hour
	ReviewDueWindow = 30 * 24 * time.Hour
)

// CaseloadQuery is a nurse's search of their caseload.
type CaseloadQuery struct {
	Search string
	Filter string
	Sort   string
	Page   int
}

// CaseloadCountLimit is as far as a caseload search counts. Past it an
// exact number helps no one, and counting a whole practice of a hundred
// thousand patients is what would make the page slow. The caseload page
// writes the limit out in words.
const CaseloadCountLimit = 1000

// CaseloadResult is one page of a caseload search. When more patients
// match than CaseloadCountLimit, Total stops there, More is set, and the
// pages go as far as Total; without a search, the red-zone and
// prescriptions filters are counted in full.
type CaseloadResult struct {
	Entries []CaseloadEntry
	More    bool
	Pagination
}

// Paginate stops the count at the caseload's limit and keeps the page asked
// for within the pages there are.
func (r *CaseloadResult) Paginate(pageSize int) {
	if r.Total > CaseloadCountLimit {
		r.Total, r.More = CaseloadCountLimit, true
	}
	r.Pagination = Paginate(r.Page, r.Total, pageSize)
}

// CaredFor is a person a carer looks after.
type CaredFor struct {
	Patient
	Relationship string
	Permission   string
}
