package models

// What the FHIR API and a passport's download read. Each query is scoped
// by the principal, so a client sees only its organisation's patients and
// a patient or carer only the passports they may read.

// Page is one page of a search in a stable order: the rows after the key
// of the last row of the page before, and at most Limit of them, or all of
// them for a Limit of 0.
type Page struct {
	After uint
	Limit int
}

// Diagnosis is a condition a patient has a published plan for: drafts are
// not shared, so neither is a condition known only from one.
type Diagnosis struct {
	ActionPlan
	PatientRef string
}

// PatientReading is a reading, of either kind, with its patient's
// reference.
type PatientReading struct {
	Reading
	PatientRef string
}

// PublishedPlan is one published version of a plan, with its patient's
// reference and its author's name.
type PublishedPlan struct {
	ActionPlan `gorm:"embedded"`
	PatientRef string
	Version    PlanVersion `gorm:"embedded;embeddedPrefix:version_"`
	AuthorName string
	Content    PlanContent `gorm:"-"`
}

// Carer is a carer's link to a patient, with the carer's name and the
// patient's reference.
type Carer struct {
	CarerLink
	DisplayName string
	PatientRef  string
}

// Group is a practice's patients as a client sees them: the patients a
// Group export of the practice writes.
type Group struct {
	Practice   Organisation
	MemberRefs []string // the patients' refs, in the order of their records
}
