package store

import (
	"context"
	"slices"
	"time"

	"healthpassport/models"
)

// Uptake counts registrations and activations of the patients a filter
// measures at each practice the staff member can see, to the end of the
// month holding now, from the rollup's totals, in one query.
func (s *Store) Uptake(ctx context.Context, staffID uint, filter models.OutcomeFilter, now time.Time) ([]models.PracticeUptake, error) {
	starts, _ := periodStarts(now, 1, models.ByMonth)
	band := everyAge
	if slices.ContainsFunc(models.AgeBands, func(b models.AgeBand) bool { return b.Key == filter.AgeBand }) {
		band = filter.AgeBand
	}
	totals := s.db.WithContext(ctx).Model(&models.OutcomeRollup{}).Select("organisation_id, measure, n").
		Where("span = ? AND level = ? AND condition_code = ? AND age_band = ? AND period_start = ? AND measure IN ?",
			models.ByMonth, levelPractice, filter.Condition, band, starts[0], []string{measureRegisteredTotal, measureActivatedTotal})
	if filter.PracticeID != 0 {
		totals = totals.Where("organisation_id = ?", filter.PracticeID)
	}
	var rows []models.PracticeUptake
	err := s.db.WithContext(ctx).Table("(?) AS practices", s.practicesSeenBy(ctx, staffID)).
		Select(`organisations.id AS practice_id, organisations.name AS practice_name,
			COALESCE(SUM(CASE WHEN totals.measure = ? THEN totals.n END), 0) AS registered,
			COALESCE(SUM(CASE WHEN totals.measure = ? THEN totals.n END), 0) AS activated`, measureRegisteredTotal, measureActivatedTotal).
		Joins("JOIN organisations ON organisations.id = practices.id").
		Joins("LEFT JOIN (?) AS totals ON totals.organisation_id = organisations.id", totals).
		Group("organisations.id, organisations.name").Order("organisations.name").Scan(&rows).Error
	return rows, err
}
