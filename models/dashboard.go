package models

import (
	"context"
	"time"
)

// PracticeUptake counts passports at one practice. It names no patient.
type PracticeUptake struct {
	PracticeID   uint
	PracticeName string
	Registered   int64
	Activated    int64
}

// Uptake counts registrations and activations of the patients a filter
// measures at each practice the staff member can see, in one query.
func (s *Store) Uptake(ctx context.Context, staffID uint, filter OutcomeFilter, now time.Time) ([]PracticeUptake, error) {
	memberships := s.db.Model(&Membership{}).Select("organisation_id").Where("user_id = ?", staffID)
	var rows []PracticeUptake
	err := s.db.WithContext(ctx).Model(&Organisation{}).
		Select("organisations.id AS practice_id, organisations.name AS practice_name, COUNT(patients.id) AS registered, COUNT(users.id) AS activated").
		Joins("LEFT JOIN patients ON patients.practice_id = organisations.id AND patients.id IN (?)", s.outcomePopulation(ctx, staffID, filter, now)).
		Joins("LEFT JOIN users ON users.patient_id = patients.id").
		Where("organisations.kind IN ? AND (organisations.id IN (?) OR organisations.parent_id IN (?))", CareKinds, memberships, memberships).
		Group("organisations.id, organisations.name").Order("organisations.name").Scan(&rows).Error
	return rows, err
}
