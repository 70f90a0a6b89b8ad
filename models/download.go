package models

import (
	"time"
)

// PassportRecord is everything held about one passport that its patient,
// or a carer acting for them, may take away: the patient, with their
// allergies and communication needs, and their practice and contacts,
// each plan's published version with its author, every reading, the
// carers linked now, every repeat prescription request, review, alert
// and share. Feedback is left out: it belongs to whoever gave it, not to
// the passport, and a carer's download must not hold the patient's own.
type PassportRecord struct {
	At       time.Time // when it was gathered, which decides whether a share is still in force
	Patient  Patient
	Practice Organisation
	Contacts []Contact
	Plans    []PublishedPlan
	Authors  []User
	Readings []PatientReading
	Carers   []Carer
	Requests []PrescriptionRequest
	Reviews  []Review
	Alerts   []Alert
	Shares   []Share
}
