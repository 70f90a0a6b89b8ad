package models

import (
	"context"
	"slices"
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

// LoadPassportRecord gathers a passport's record for a principal who may
// read it, each part through the principal's own reach.
func (s *Store) LoadPassportRecord(ctx context.Context, principal *Principal, patient *Patient) (*PassportRecord, error) {
	passport, err := s.LoadPassport(ctx, principal, patient)
	if err != nil {
		return nil, err
	}
	record := PassportRecord{At: s.now(), Patient: passport.Patient, Practice: passport.Practice, Contacts: passport.Contacts}
	record.Patient.Practice = &record.Practice
	if record.Plans, err = s.PublishedPlansOf(ctx, principal, patient, Page{}); err != nil {
		return nil, err
	}
	var authorIDs []uint
	for _, plan := range record.Plans {
		if !slices.Contains(authorIDs, plan.Version.AuthorID) {
			authorIDs = append(authorIDs, plan.Version.AuthorID)
		}
	}
	if len(authorIDs) > 0 {
		if err := s.db.WithContext(ctx).Where("id IN ?", authorIDs).Order("id").Find(&record.Authors).Error; err != nil {
			return nil, err
		}
	}
	if record.Readings, err = s.ReadingsOf(ctx, principal, patient, Page{}); err != nil {
		return nil, err
	}
	if record.Carers, err = s.CarersLinkedTo(ctx, principal, patient, Page{}); err != nil {
		return nil, err
	}
	if record.Reviews, err = s.Reviews(ctx, principal, patient); err != nil {
		return nil, err
	}
	// Each of the rest is one query, newest first, scoped like every read.
	for _, rows := range []any{&record.Requests, &record.Alerts, &record.Shares} {
		if err := s.db.WithContext(ctx).Where("patient_id = ?", patient.ID).Where(principal.mayRead("patient_id")).
			Order("created_at DESC, id DESC").Find(rows).Error; err != nil {
			return nil, err
		}
	}
	return &record, nil
}
