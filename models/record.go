package models

import (
	"errors"
)

// ErrAlreadyLinked means the carer already cares for the patient.
var ErrAlreadyLinked = errors.New("carer already linked")

// CarerEntry is a carer as a patient's record lists them.
type CarerEntry struct {
	CarerLink
	DisplayName string
	Username    string
	Activated   bool
}

// PatientDetails are the details a nurse can change after registration,
// with the emergency and clinic contacts, which replace the old ones.
type PatientDetails struct {
	PreferredName      string
	Phone              string
	Email              string
	Address            PostalAddress
	CommunicationNeeds string
	Allergies          string
	PracticeID         uint
	Contacts           []Contact
}

// PatientRecord is everything a nurse's view of a patient shows.
type PatientRecord struct {
	Passport  *Passport
	Plans     []PlanState // drafts included, which the passport leaves out
	Activated bool
	// SignInBlocked is set when too many wrong passwords have throttled
	// the patient's sign-ins.
	SignInBlocked bool
	Carers        []CarerEntry
	Readings      []Reading
	Requests      []PrescriptionRequest
	Reviews       []Review
	Activity      []AuditActivity
}
