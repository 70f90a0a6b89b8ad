package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// AgeBand is a range of ages in whole years, as NHS England reports them.
type AgeBand struct {
	Key      string
	From, To int // To is -1 for no upper limit
}

// AgeBands are the bands a commissioner can filter by.
var AgeBands = []AgeBand{
	{Key: "0-4", From: 0, To: 4},
	{Key: "5-11", From: 5, To: 11},
	{Key: "12-17", From: 12, To: 17},
	{Key: "18-64", From: 18, To: 64},
	{Key: "65+", From: 65, To: -1},
}

// OutcomePeriods are the numbers of months a commissioner can look back over.
var OutcomePeriods = []int{3, 6, 12}

// OutcomeFilter narrows the people measured. Its zero value is everyone the
// person may see over the default period.
type OutcomeFilter struct {
	PracticeID uint   // 0 for every practice
	Condition  string // SNOMED CT code of a plan's condition, "" for all
	AgeBand    string // an AgeBand key, "" for all ages
	Months     int    // months up to and including the current one
	By         string // ByMonth or ByWeek
}

// Period is the number of months measured: the longest period when Months
// is not one of OutcomePeriods.
func (f OutcomeFilter) Period() int {
	if slices.Contains(OutcomePeriods, f.Months) {
		return f.Months
	}
	return OutcomePeriods[len(OutcomePeriods)-1]
}

// Groupings of the measures over time.
const (
	ByMonth = "month"
	ByWeek  = "week"
)

// Grouping is how the measures are grouped over time: by month unless By
// is ByWeek.
func (f OutcomeFilter) Grouping() string {
	if f.By == ByWeek {
		return ByWeek
	}
	return ByMonth
}

// Counted measures of each period. Each counts events in the period, but
// the shares and the overdue reviews, which count those standing at its
// end.
const (
	MeasureRegistered         = "registered"
	MeasureActivated          = "activated"
	MeasureReadings           = "readings"
	MeasureCheckIns           = "check-ins"
	MeasureRedZone            = "red-zone"
	MeasureRequests           = "requests"
	MeasureActivePatients     = "active-patients" // patients who used the service in the period
	MeasureActiveCarers       = "active-carers"
	MeasurePatientDays        = "patient-days" // days patients used it, a day for each patient each day
	MeasureCarerDays          = "carer-days"
	MeasureSharesActive       = "shares-active" // shares with schools working at the end of the period
	MeasureAlerts             = "alerts"
	MeasureAlertsAcknowledged = "alerts-acknowledged"
	MeasureRequestsReady      = "requests-ready"
	MeasureReviews            = "reviews"
	MeasureReviewsOnTime      = "reviews-on-time" // done by the date the review before set
	MeasureReviewsDue         = "reviews-due"     // falling due in the period
	MeasureReviewsOverdue     = "reviews-overdue" // past their date and not done at the end of the period
	MeasureUnplannedAnswers   = "unplanned-answers"
	MeasurePreventerRequests  = "preventer-requests"
	MeasureRelieverRequests   = "reliever-requests"
	MeasureRelieverOveruse    = "reliever-overuse" // people asking for a reliever RelieverOveruse times or more in the period
	MeasureRCPAnswers         = "rcp-answers"
	MeasureFeedback           = "feedback"
)

// MeasureUnplanned is the measure counting one answer to the unplanned
// care question, MeasureRCP one score of the RCP questions, and
// MeasureScore one feedback score.
func MeasureUnplanned(answer string) string { return "unplanned-" + answer }
func MeasureRCP(score int) string           { return fmt.Sprintf("rcp-%d", score) }
func MeasureScore(score int) string         { return fmt.Sprintf("score-%d", score) }

// Spread measures: the values of a time taken, counted by value.
const (
	SpreadActivationDays = "activation-days"     // whole days from registration to setting up an account
	SpreadAcknowledge    = "acknowledge-minutes" // minutes from a red-zone alert to a nurse acknowledging it
	SpreadReady          = "ready-minutes"       // minutes from a prescription request to its being ready
)

// spreadMinutes is the resolution of the times in minutes: a tenth of an
// hour keeps a year of them to a few thousand values to count.
const spreadMinutes = 6

// RelieverOveruse is how many reliever requests in a period flag a person:
// two in a month is more than the twelve a year the national review of
// asthma deaths warns about.
const RelieverOveruse = 2

// Preventer and reliever are the purposes of asthma inhalers the asthma
// medication ratio compares.
const (
	PurposePreventer = "Preventer"
	PurposeReliever  = "Reliever"
)

// PeriodOutcomes counts what happened in one week or UK calendar month.
type PeriodOutcomes struct {
	Start, End      time.Time // midnight UK time on the first day and the day after the last
	Counts          map[string]int64
	Spreads         map[string]*Spread
	ScoreSum        int64 // the sum of the feedback scores, for their mean
	TotalRegistered int64 // registered by the end of the period
	TotalActivated  int64 // set up by the end of the period
}

// Spread counts the values of a measure, value by value, so that medians
// and percentiles can be read from it without the rows.
type Spread struct {
	counts map[int64]int64
	n      int64
}

// Add counts n more of value.
func (s *Spread) Add(value, n int64) {
	if s.counts == nil {
		s.counts = map[int64]int64{}
	}
	s.counts[value] += n
	s.n += n
}

// Merge counts another spread's values too.
func (s *Spread) Merge(other *Spread) {
	if other == nil {
		return
	}
	for v, n := range other.counts {
		s.Add(v, n)
	}
}

// N is how many values are counted.
func (s *Spread) N() int64 {
	if s == nil {
		return 0
	}
	return s.n
}

// Percentile is the nearest-rank percentile: the smallest value at least p
// per cent of the values are at or below. The median is the 50th.
func (s *Spread) Percentile(p int64) int64 {
	if s.N() == 0 {
		return 0
	}
	rank := (p*s.n + 99) / 100
	values := make([]int64, 0, len(s.counts))
	for v := range s.counts {
		values = append(values, v)
	}
	slices.Sort(values)
	var seen int64
	for _, v := range values {
		seen += s.counts[v]
		if seen >= rank {
			return v
		}
	}
	return values[len(values)-1]
}

// ActiveUsers counts patients and carers by the last day they used the
// service.
type ActiveUsers struct {
	Daily, Weekly, Monthly int64
}

// Outcomes is every measure for a filter, counted exactly. Show it to a
// commissioner only through Disclose.
type Outcomes struct {
	Periods []PeriodOutcomes
	Active  ActiveUsers
	// UpToDate is when the figures were last brought up to date; Counted
	// is false when they never have been.
	UpToDate time.Time
	Counted  bool
}

// Outcomes measures the patients of the practices the staff member can see
// that match the filter, period by period up to the one holding now, from
// the rollup of the measures (see RefreshOutcomes): one query adding up
// its rows, however many practices and periods there are.
func (s *Store) Outcomes(ctx context.Context, staffID uint, filter OutcomeFilter, now time.Time) (*Outcomes, error) {
	starts, end := periodStarts(now, filter.Period(), filter.Grouping())
	result := &Outcomes{Periods: make([]PeriodOutcomes, len(starts))}
	index := map[int64]int{}
	for i, start := range starts {
		next := end
		if i+1 < len(starts) {
			next = starts[i+1]
		}
		result.Periods[i] = PeriodOutcomes{Start: start.In(UK), End: next.In(UK), Counts: map[string]int64{}, Spreads: map[string]*Spread{}}
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
		case SpreadActivationDays, SpreadAcknowledge, SpreadReady:
			if period.Spreads[row.Measure] == nil {
				period.Spreads[row.Measure] = &Spread{}
			}
			period.Spreads[row.Measure].Add(row.Value, row.N)
		case MeasurePatientDays:
			period.Counts[MeasureActivePatients] += row.People
			period.Counts[MeasurePatientDays] += row.N
		case MeasureCarerDays:
			period.Counts[MeasureActiveCarers] += row.People
			period.Counts[MeasureCarerDays] += row.N
		case MeasureFeedback:
			period.Counts[MeasureFeedback] += row.N
			period.Counts[MeasureScore(int(row.Value))] += row.N
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
	today, _ := time.Parse(time.DateOnly, UKDay(now))
	var snapshot []OutcomeRollup
	err = s.db.WithContext(ctx).Select("period_start").
		Where("span = ? AND period_start < ?", spanDay, time.Date(today.Year(), today.Month(), today.Day()+1, 0, 0, 0, 0, UK)).
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
func (s *Store) rollupFor(ctx context.Context, staffID uint, filter OutcomeFilter, span string, start, end time.Time) (rollup *gorm.DB, single bool, err error) {
	band := everyAge
	if slices.ContainsFunc(AgeBands, func(b AgeBand) bool { return b.Key == filter.AgeBand }) {
		band = filter.AgeBand
	}
	part := func(level string, organisations any) *gorm.DB {
		return s.db.Model(&OutcomeRollup{}).Select("period_start, organisation_id, measure, value, n, people").
			Where("span = ? AND level = ? AND organisation_id IN (?) AND condition_code = ? AND age_band = ? AND period_start >= ? AND period_start < ?",
				span, level, organisations, filter.Condition, band, start, end)
	}
	if filter.PracticeID != 0 {
		return part(levelPractice, s.practicesSeenBy(staffID).Where("id = ?", filter.PracticeID)), true, nil
	}
	var memberships, groups, own []uint
	err = s.db.WithContext(ctx).Model(&Membership{}).Where("user_id = ?", staffID).Pluck("organisation_id", &memberships).Error
	if err == nil && len(memberships) > 0 {
		err = s.db.WithContext(ctx).Model(&Organisation{}).Distinct("parent_id").
			Where("kind IN ? AND parent_id IN ?", CareKinds, memberships).Pluck("parent_id", &groups).Error
	}
	if err == nil && len(memberships) > 0 {
		err = s.db.WithContext(ctx).Model(&Organisation{}).
			Where("kind IN ? AND id IN ? AND (parent_id IS NULL OR parent_id NOT IN ?)", CareKinds, memberships, memberships).
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
func (s *Store) practicesSeenBy(staffID uint) *gorm.DB {
	memberships := s.memberships(staffID)
	return s.db.Model(&Organisation{}).Select("id").
		Where("kind IN ? AND (id IN (?) OR parent_id IN (?))", CareKinds, memberships, memberships)
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
	uk := now.In(UK)
	if by == ByWeek {
		monday := time.Date(uk.Year(), uk.Month(), uk.Day()-(int(uk.Weekday())+6)%7, 0, 0, 0, 0, UK)
		first := time.Date(uk.Year(), uk.Month()-time.Month(months-1), 1, 0, 0, 0, 0, UK)
		for week := monday; week.AddDate(0, 0, 7).After(first); week = week.AddDate(0, 0, -7) {
			starts = append([]time.Time{week.UTC()}, starts...)
		}
		return starts, monday.AddDate(0, 0, 7).UTC()
	}
	for i := months - 1; i >= 0; i-- {
		starts = append(starts, time.Date(uk.Year(), uk.Month()-time.Month(i), 1, 0, 0, 0, 0, UK).UTC())
	}
	return starts, time.Date(uk.Year(), uk.Month()+1, 1, 0, 0, 0, 0, UK).UTC()
}
