package models

import (
	"context"
	"slices"
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
// measures at each practice the staff member can see, to the end of the
// month holding now, from the rollup's totals, in one query.
func (s *Store) Uptake(ctx context.Context, staffID uint, filter OutcomeFilter, now time.Time) ([]PracticeUptake, error) {
	starts, _ := periodStarts(now, 1, ByMonth)
	band := everyAge
	if slices.ContainsFunc(AgeBands, func(b AgeBand) bool { return b.Key == filter.AgeBand }) {
		band = filter.AgeBand
	}
	totals := s.db.WithContext(ctx).Model(&OutcomeRollup{}).Select("organisation_id, measure, n").
		Where("span = ? AND level = ? AND condition_code = ? AND age_band = ? AND period_start = ? AND measure IN ?",
			ByMonth, levelPractice, filter.Condition, band, starts[0], []string{measureRegisteredTotal, measureActivatedTotal})
	if filter.PracticeID != 0 {
		totals = totals.Where("organisation_id = ?", filter.PracticeID)
	}
	var rows []PracticeUptake
	err := s.db.WithContext(ctx).Table("(?) AS practices", s.practicesSeenBy(staffID)).
		Select(`organisations.id AS practice_id, organisations.name AS practice_name,
			COALESCE(SUM(CASE WHEN totals.measure = ? THEN totals.n END), 0) AS registered,
			COALESCE(SUM(CASE WHEN totals.measure = ? THEN totals.n END), 0) AS activated`, measureRegisteredTotal, measureActivatedTotal).
		Joins("JOIN organisations ON organisations.id = practices.id").
		Joins("LEFT JOIN (?) AS totals ON totals.organisation_id = organisations.id", totals).
		Group("organisations.id, organisations.name").Order("organisations.name").Scan(&rows).Error
	return rows, err
}
