package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// What the FHIR API reads. Each query is scoped by the principal's
// practices, as a nurse's are, so a client sees only its organisation's
// patients.

// PatientSearch narrows a search of the principal's patients.
type PatientSearch struct {
	NHSNumber     string     // empty for any
	UpdatedAfter  *time.Time // exclusive bounds on when the record last changed
	UpdatedBefore *time.Time
	Limit         int
}

// SearchPatients lists the principal's patients that match, oldest record
// first, with their practices.
func (s *Store) SearchPatients(ctx context.Context, principal *Principal, search PatientSearch) ([]Patient, error) {
	if len(principal.PracticeIDs) == 0 {
		return nil, nil
	}
	query := s.db.WithContext(ctx).Joins("Practice").Where("patients.practice_id IN ?", principal.PracticeIDs)
	if search.NHSNumber != "" {
		query = query.Where("patients.nhs_number = ?", search.NHSNumber)
	}
	if search.UpdatedAfter != nil {
		query = query.Where("patients.updated_at > ?", *search.UpdatedAfter)
	}
	if search.UpdatedBefore != nil {
		query = query.Where("patients.updated_at < ?", *search.UpdatedBefore)
	}
	var patients []Patient
	err := query.Order("patients.id").Limit(search.Limit).Find(&patients).Error
	return patients, err
}

// Diagnosis is a condition a patient has a published plan for: drafts are
// not shared, so neither is a condition known only from one.
type Diagnosis struct {
	ActionPlan
	PatientRef string
}

// diagnoses are the plans, with a published version, of the principal's
// patients.
func (s *Store) diagnoses(ctx context.Context, principal *Principal) *gorm.DB {
	return s.db.WithContext(ctx).Model(&ActionPlan{}).Select("action_plans.*, patients.ref AS patient_ref").
		Joins("JOIN patients ON patients.id = action_plans.patient_id").
		Where("patients.practice_id IN ? AND EXISTS (SELECT 1 FROM plan_versions WHERE plan_versions.plan_id = action_plans.id AND plan_versions.state = ?)",
			principal.PracticeIDs, VersionPublished)
}

// DiagnosesOf lists a patient's conditions, found for the principal first.
func (s *Store) DiagnosesOf(ctx context.Context, principal *Principal, patient *Patient) ([]Diagnosis, error) {
	var found []Diagnosis
	err := s.diagnoses(ctx, principal).Where("action_plans.patient_id = ?", patient.ID).Order("action_plans.id").Scan(&found).Error
	return found, err
}

// DiagnosisFor finds one condition among the principal's patients.
func (s *Store) DiagnosisFor(ctx context.Context, principal *Principal, planID uint) (*Diagnosis, error) {
	var found []Diagnosis
	if err := s.diagnoses(ctx, principal).Where("action_plans.id = ?", planID).Scan(&found).Error; err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, ErrNotFound
	}
	return &found[0], nil
}

// PeakFlowReading is a peak flow reading with its patient's reference.
type PeakFlowReading struct {
	Reading
	PatientRef string
}

func (s *Store) peakFlowReadings(ctx context.Context, principal *Principal) *gorm.DB {
	return s.db.WithContext(ctx).Model(&Reading{}).Select("readings.*, patients.ref AS patient_ref").
		Joins("JOIN patients ON patients.id = readings.patient_id").
		Where("patients.practice_id IN ? AND readings.kind = ?", principal.PracticeIDs, ReadingPeakFlow)
}

// PeakFlowReadingsOf lists a patient's peak flow readings, newest first.
func (s *Store) PeakFlowReadingsOf(ctx context.Context, principal *Principal, patient *Patient, limit int) ([]PeakFlowReading, error) {
	var found []PeakFlowReading
	err := s.peakFlowReadings(ctx, principal).Where("readings.patient_id = ?", patient.ID).
		Order("readings.created_at DESC, readings.id DESC").Limit(limit).Scan(&found).Error
	return found, err
}

// PeakFlowReadingFor finds one peak flow reading among the principal's
// patients.
func (s *Store) PeakFlowReadingFor(ctx context.Context, principal *Principal, readingID uint) (*PeakFlowReading, error) {
	var found []PeakFlowReading
	if err := s.peakFlowReadings(ctx, principal).Where("readings.id = ?", readingID).Scan(&found).Error; err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, ErrNotFound
	}
	return &found[0], nil
}
