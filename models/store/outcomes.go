package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
)

// spreadMinutes is the resolution of the times in minutes: a tenth of an
// hour keeps a year of them to a few thousand values to count.
const spreadMinutes = 6

// Outcomes measures the patients of the practices the staff member can see
// that match the filter, period by period up to the one holding now, from
// the rollup of the measures (see RefreshOutcomes): one query adding up
// its rows, however many practices and periods there are.
func (s *Store) Outcomes(ctx context.Context, staffID uint, filter models.OutcomeFilter, now time.Time) (*models.Outcomes, error) {
	starts, end := periodStarts(now, filter.Period(), filter.Grouping())
	result := &models.Outcomes{Periods: make([]models.PeriodOutcomes, len(starts))}
	index := map[int64]int{}
	for i, start := range starts {
		next := end
		if i+1 < len(starts) {
			next = starts[i+1]
		}
		result.Periods[i] = models.PeriodOutcomes{Start: start.In(models.UK), End: next.In(models.UK), Counts: map[string]int64{}, Spreads: map[string]*models.Spread{}}
		index[start.Unix()] = i
	}
	rollup, single, err := s.rollupFor(ctx, staffID, filter, filter.Grouping(), starts[0], end)
	if err != nil {
		return nil, err
	}
	// One organisation's rows are one a period, measure and value already:
	// a commissioner's ICB, a nurse's practice. Adding them up would only
	// cost time, with tens of thousands of values of the times taken.
	q := s.db.WithContext(ctx).Table("(?) AS rollup", rollup)
	if single {
		q = q.Select("period_start, measure, value, n, people")
	} else {
		q = q.Select("period_start, measure, value, SUM(n) AS n, SUM(people) AS people").Group("period_start, measure, value")
	}
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var row struct {
			PeriodStart time.Time
			Measure     string
			Value       int64
			N, People   int64
		}
		if err := rows.Scan(&row.PeriodStart, &row.Measure, &row.Value, &row.N, &row.People); err != nil {
			return nil, err
		}
		i, ok := index[row.PeriodStart.Unix()]
		if !ok {
			continue
		}
		period := &result.Periods[i]
		switch row.Measure {
		case models.SpreadActivationDays, models.SpreadAcknowledge, models.SpreadReady:
			if period.Spreads[row.Measure] == nil {
				period.Spreads[row.Measure] = &models.Spread{}
			}
			period.Spreads[row.Measure].Add(row.Value, row.N)
		case models.MeasurePatientDays:
			period.Counts[models.MeasureActivePatients] += row.People
			period.Counts[models.MeasurePatientDays] += row.N
		case models.MeasureCarerDays:
			period.Counts[models.MeasureActiveCarers] += row.People
			period.Counts[models.MeasureCarerDays] += row.N
		case models.MeasureFeedback:
			period.Counts[models.MeasureFeedback] += row.N
			period.Counts[models.MeasureScore(int(row.Value))] += row.N
			period.ScoreSum += row.Value * row.N
		case measureRegisteredTotal:
			period.TotalRegistered += row.N
		case measureActivatedTotal:
			period.TotalActivated += row.N
		default:
			period.Counts[row.Measure] += row.N
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	if result.UpToDate, result.Counted, err = s.OutcomesUpToDate(ctx); err != nil {
		return nil, err
	}

	// The people active now are the latest snapshot's, taken on now's UK
	// day or before.
	today, _ := time.Parse(time.DateOnly, models.UKDay(now))
	var snapshot []models.OutcomeRollup
	err = s.db.WithContext(ctx).Select("period_start").
		Where("span = ? AND period_start < ?", spanDay, time.Date(today.Year(), today.Month(), today.Day()+1, 0, 0, 0, 0, models.UK)).
		Order("period_start DESC").Limit(1).Find(&snapshot).Error
	if err != nil || len(snapshot) == 0 {
		return result, err
	}
	rollup, _, err = s.rollupFor(ctx, staffID, filter, spanDay, snapshot[0].PeriodStart, snapshot[0].PeriodStart.Add(time.Second))
	if err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Table("(?) AS rollup", rollup).
		Select(`COALESCE(SUM(CASE WHEN measure = ? THEN n END), 0) AS daily,
			COALESCE(SUM(CASE WHEN measure = ? THEN n END), 0) AS weekly,
			COALESCE(SUM(CASE WHEN measure = ? THEN n END), 0) AS monthly`, measureActiveDaily, measureActiveWeekly, measureActiveMonthly).
		Scan(&result.Active).Error
	return result, err
}

// rollupFor selects the rollup's rows of a span's periods from start to
// before end for the filter, among the practices the staff member can see:
// those of the organisations they belong to, added up (an ICB's), and
// those of practices they belong to whose parent they do not; or one
// practice's when the filter names one. The organisations are looked up
// first, so that each part reads one range of the rollup's key for each;
// single says whether there is one organisation in all.
func (s *Store) rollupFor(ctx context.Context, staffID uint, filter models.OutcomeFilter, span string, start, end time.Time) (rollup *gorm.DB, single bool, err error) {
	band := everyAge
	if slices.ContainsFunc(models.AgeBands, func(b models.AgeBand) bool { return b.Key == filter.AgeBand }) {
		band = filter.AgeBand
	}
	part := func(level string, organisations any) *gorm.DB {
		return s.db.Model(&models.OutcomeRollup{}).Select("period_start, organisation_id, measure, value, n, people").
			Where("span = ? AND level = ? AND organisation_id IN (?) AND condition_code = ? AND age_band = ? AND period_start >= ? AND period_start < ?",
				span, level, organisations, filter.Condition, band, start, end)
	}
	if filter.PracticeID != 0 {
		return part(levelPractice, s.practicesSeenBy(ctx, staffID).Where("id = ?", filter.PracticeID)), true, nil
	}
	var memberships, groups, own []uint
	err = s.db.WithContext(ctx).Model(&models.Membership{}).Where("user_id = ?", staffID).Pluck("organisation_id", &memberships).Error
	if err == nil && len(memberships) > 0 {
		err = s.db.WithContext(ctx).Model(&models.Organisation{}).Distinct("parent_id").
			Where("kind IN ? AND parent_id IN ?", models.CareKinds, memberships).Pluck("parent_id", &groups).Error
	}
	if err == nil && len(memberships) > 0 {
		err = s.db.WithContext(ctx).Model(&models.Organisation{}).
			Where("kind IN ? AND id IN ? AND (parent_id IS NULL OR parent_id NOT IN ?)", models.CareKinds, memberships, memberships).
			Pluck("id", &own).Error
	}
	if err != nil {
		return nil, false, err
	}
	single = len(groups)+len(own) == 1
	// No organisation has id 0.
	if len(groups) == 0 {
		groups = []uint{0}
	}
	if len(own) == 0 {
		own = []uint{0}
	}
	return s.db.Raw("? UNION ALL ?", part(levelGroup, groups), part(levelPractice, own)), single, nil
}

// practicesSeenBy selects the ids of the practices whose figures the
// staff member can see: their own, and those of the ICBs they belong to.
func (s *Store) practicesSeenBy(ctx context.Context, staffID uint) *gorm.DB {
	memberships := s.memberships(ctx, staffID)
	return s.db.WithContext(ctx).Model(&models.Organisation{}).Select("id").
		Where("kind IN ? AND (id IN (?) OR parent_id IN (?))", models.CareKinds, memberships, memberships)
}

// bucketCase numbers the period an instant of column falls in: 0 before
// the first, 1 for the first, and len(starts)+1 from end on.
func bucketCase(column string, starts []time.Time) (string, []any) {
	var sql strings.Builder
	sql.WriteString("CASE")
	args := make([]any, len(starts))
	for i, start := range starts {
		fmt.Fprintf(&sql, " WHEN %s < ? THEN %d", column, i)
		args[i] = start
	}
	fmt.Fprintf(&sql, " ELSE %d END", len(starts))
	return sql.String(), args
}

// periodStarts is the first instant of each period of the last months UK
// calendar months up to and including the one holding now, and the first
// instant of the next, in UTC as the database holds times. Weeks start on
// Monday; there are as many as cover the months.
func periodStarts(now time.Time, months int, by string) (starts []time.Time, end time.Time) {
	uk := now.In(models.UK)
	if by == models.ByWeek {
		monday := time.Date(uk.Year(), uk.Month(), uk.Day()-(int(uk.Weekday())+6)%7, 0, 0, 0, 0, models.UK)
		first := time.Date(uk.Year(), uk.Month()-time.Month(months-1), 1, 0, 0, 0, 0, models.UK)
		for week := monday; week.AddDate(0, 0, 7).After(first); week = week.AddDate(0, 0, -7) {
			starts = append([]time.Time{week.UTC()}, starts...)
		}
		return starts, monday.AddDate(0, 0, 7).UTC()
	}
	for i := months - 1; i >= 0; i-- {
		starts = append(starts, time.Date(uk.Year(), uk.Month()-time.Month(i), 1, 0, 0, 0, 0, models.UK).UTC())
	}
	return starts, time.Date(uk.Year(), uk.Month()+1, 1, 0, 0, 0, 0, models.UK).UTC()
}
