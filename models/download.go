package models

import (
	"context"
	"slices"
)

// PassportRecord is everything held about one passport that its patient,
// or a carer acting for them, may take away: the patient and their
// practice and contacts, each plan's published version with its author,
// every reading, and the carers linked now.
type PassportRecord struct {
	Patient  Patient
	Practice Organisation
	Contacts []Contact
	Plans    []PublishedPlan
	Authors  []User
	Readings []PatientReading
	Carers   []Carer
}

// LoadPassportRecord gathers a passport's record for a principal who may
// read it, each part through the principal's own reach.
func (s *Store) LoadPassportRecord(ctx context.Context, principal *Principal, patient *Patient) (*PassportRecord, error) {
	passport, err := s.LoadPassport(ctx, principal, patient)
	if err != nil {
		return nil, err
	}
	record := PassportRecord{Patient: passport.Patient, Practice: passport.Practice, Contacts: passport.Contacts}
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
	return &record, nil
}
