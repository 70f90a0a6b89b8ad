package store

import (
	"context"
	"slices"

	"healthpassport/models"
)

// LoadPassportRecord gathers a passport's record for a principal who may
// read it, each part through the principal's own reach.
func (s *Store) LoadPassportRecord(ctx context.Context, principal *models.Principal, patient *models.Patient) (*models.PassportRecord, error) {
	passport, err := s.LoadPassport(ctx, principal, patient)
	if err != nil {
		return nil, err
	}
	record := models.PassportRecord{At: s.now(), Patient: passport.Patient, Practice: passport.Practice, Contacts: passport.Contacts}
	record.Patient.Practice = &record.Practice
	if record.Plans, err = s.PublishedPlansOf(ctx, principal, patient, models.Page{}); err != nil {
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
	if record.Readings, err = s.ReadingsOf(ctx, principal, patient, models.Page{}); err != nil {
		return nil, err
	}
	if record.Carers, err = s.CarersLinkedTo(ctx, principal, patient, models.Page{}); err != nil {
		return nil, err
	}
	if record.Reviews, err = s.Reviews(ctx, principal, patient); err != nil {
		return nil, err
	}
	// Each of the rest is one query, newest first, scoped like every read.
	for _, rows := range []any{&record.Requests, &record.Alerts, &record.Shares} {
		if err := s.db.WithContext(ctx).Where("patient_id = ?", patient.ID).Where(mayRead(principal, "patient_id")).
			Order("created_at DESC, id DESC").Find(rows).Error; err != nil {
			return nil, err
		}
	}
	return &record, nil
}
