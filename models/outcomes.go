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
}

// outcomeRow is a row of the measures' aggregate queries: a count of a
// measure, or of one value of a spread, in a period. Activity rows hold
// the people in Value and their days in N.
type outcomeRow struct {
	Bucket  int
	Measure string
	Value   int64
	N       int64
}

// Outcomes measures the patients of the practices the staff member can see
// that match the filter, period by period up to the one holding now. It
// takes the same few aggregate queries however many practices and periods
// there are.
func (s *Store) Outcomes(ctx context.Context, staffID uint, filter OutcomeFilter, now time.Time) (*Outcomes, error) {
	population := s.outcomePopulation(ctx, staffID, filter, now)
	starts, end := periodStarts(now, filter.Period(), filter.Grouping())
	result := &Outcomes{Periods: make([]PeriodOutcomes, len(starts))}
	for i, start := range starts {
		next := end
		if i+1 < len(starts) {
			next = starts[i+1]
		}
		result.Periods[i] = PeriodOutcomes{Start: start.In(UK), End: next.In(UK), Counts: map[string]int64{}, Spreads: map[string]*Spread{}}
	}
	// Dates, such as a review's, are compared with the UK days the
	// periods start on.
	days := make([]time.Time, len(starts)+1)
	for i, start := range append(slices.Clone(starts), end) {
		days[i], _ = time.Parse(time.DateOnly, UKDay(start))
	}
	users := s.db.Model(&User{}).Select("id").Where("role = ? AND patient_id IN (?)", RolePatient, population)
	carers := s.db.Table("carer_links").Select("carer_id").Where("revoked_at IS NULL AND patient_id IN (?)", population)

	var rows []outcomeRow
	for _, q := range []*gorm.DB{
		s.eventCounts(ctx, population, starts, end),
		s.reviewCounts(ctx, population, days),
		s.spreadCounts(ctx, population, starts, end),
		s.overuseCounts(ctx, population, starts, end),
		s.activityCounts(ctx, population, carers, days),
		s.feedbackCounts(ctx, users, carers, starts, end),
	} {
		var some []outcomeRow
		if err := q.Scan(&some).Error; err != nil {
			return nil, err
		}
		rows = append(rows, some...)
	}
	standing, err := s.standingCounts(ctx, population, starts, end, days)
	if err != nil {
		return nil, err
	}
	rows = append(rows, standing...)

	before := map[string]int64{}
	for _, row := range rows {
		// Bucket 0 holds what happened before the first period, for the
		// running totals.
		if row.Bucket == 0 {
			before[row.Measure] += row.N
			continue
		}
		period := &result.Periods[row.Bucket-1]
		switch row.Measure {
		case SpreadActivationDays, SpreadAcknowledge, SpreadReady:
			if period.Spreads[row.Measure] == nil {
				period.Spreads[row.Measure] = &Spread{}
			}
			period.Spreads[row.Measure].Add(row.Value, row.N)
		case string(RolePatient):
			period.Counts[MeasureActivePatients] += row.Value
			period.Counts[MeasurePatientDays] += row.N
		case string(RoleCarer):
			period.Counts[MeasureActiveCarers] += row.Value
			period.Counts[MeasureCarerDays] += row.N
		case MeasureFeedback:
			period.Counts[MeasureFeedback] += row.N
			period.Counts[MeasureScore(int(row.Value))] += row.N
			period.ScoreSum += row.Value * row.N
		default:
			period.Counts[row.Measure] += row.N
		}
	}
	registered, activated := before[MeasureRegistered], before[MeasureActivated]
	for i := range result.Periods {
		registered += result.Periods[i].Counts[MeasureRegistered]
		activated += result.Periods[i].Counts[MeasureActivated]
		result.Periods[i].TotalRegistered, result.Periods[i].TotalActivated = registered, activated
	}

	today, _ := time.Parse(time.DateOnly, UKDay(now))
	err = s.db.WithContext(ctx).Model(&User{}).
		Select(`COUNT(CASE WHEN last_active_on >= ? THEN 1 END) AS daily,
			COUNT(CASE WHEN last_active_on >= ? THEN 1 END) AS weekly,
			COUNT(CASE WHEN last_active_on >= ? THEN 1 END) AS monthly`,
			today, today.AddDate(0, 0, -6), today.AddDate(0, 0, -29)).
		Where("role IN ? AND (patient_id IN (?) OR id IN (?))", []Role{RolePatient, RoleCarer}, population, carers).
		Scan(&result.Active).Error
	return result, err
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

// eventCounts counts the events of each measure in each period. Only
// registrations and activations are counted from the beginning, for the
// running totals; everything else from the first period.
func (s *Store) eventCounts(ctx context.Context, population *gorm.DB, starts []time.Time, end time.Time) *gorm.DB {
	from := starts[0]
	events := s.db.Raw(`SELECT 'registered' AS measure, id AS patient_id, created_at AS at FROM patients WHERE created_at < ?
		UNION ALL SELECT 'activated', patient_id, created_at FROM users WHERE role = ? AND patient_id IS NOT NULL AND created_at < ?
		UNION ALL SELECT CASE kind WHEN ? THEN 'readings' ELSE 'check-ins' END, patient_id, created_at FROM readings WHERE created_at >= ? AND created_at < ?
		UNION ALL SELECT 'red-zone', patient_id, created_at FROM readings WHERE zone = ? AND created_at >= ? AND created_at < ?
		UNION ALL SELECT 'unplanned-' || unplanned_care, patient_id, created_at FROM readings WHERE unplanned_care <> '' AND created_at >= ? AND created_at < ?
		UNION ALL SELECT 'rcp-' || rcp_score, patient_id, created_at FROM readings WHERE rcp_score IS NOT NULL AND created_at >= ? AND created_at < ?
		UNION ALL SELECT 'requests', patient_id, created_at FROM prescription_requests WHERE created_at >= ? AND created_at < ?
		UNION ALL SELECT CASE purpose WHEN ? THEN 'preventer-requests' ELSE 'reliever-requests' END, patient_id, created_at
			FROM prescription_requests WHERE purpose IN (?, ?) AND created_at >= ? AND created_at < ?
		UNION ALL SELECT 'requests-ready', patient_id, created_at FROM prescription_requests WHERE status = ? AND created_at >= ? AND created_at < ?
		UNION ALL SELECT 'alerts', patient_id, created_at FROM alerts WHERE created_at >= ? AND created_at < ?
		UNION ALL SELECT 'alerts-acknowledged', patient_id, created_at FROM alerts WHERE acknowledged_at IS NOT NULL AND created_at >= ? AND created_at < ?`,
		end, RolePatient, end,
		ReadingPeakFlow, from, end, ZoneRed, from, end, from, end, from, end,
		from, end, PurposePreventer, PurposePreventer, PurposeReliever, from, end, RequestReady, from, end, from, end, from, end)
	bucket, args := bucketCase("events.at", starts)
	return s.db.WithContext(ctx).Table("(?) AS events", events).
		Select(bucket+" AS bucket, events.measure, 0 AS value, COUNT(*) AS n", args...).
		Where("events.patient_id IN (?) AND events.at < ?", population, end).
		Group("bucket, events.measure")
}

// reviewCounts counts reviews done, done on time and falling due, with
// the answers nurses recorded at them, by the UK day of the review.
func (s *Store) reviewCounts(ctx context.Context, population *gorm.DB, days []time.Time) *gorm.DB {
	from, end := days[0], days[len(days)-1]
	// A review is on time when done by the date the one before set; a
	// first review is on time.
	chain := s.db.Table("reviews").Select("patient_id, reviewed_on, unplanned_care, rcp_score, " +
		"LAG(next_review_on) OVER (PARTITION BY patient_id ORDER BY reviewed_on, id) AS due_on")
	events := s.db.Raw(`SELECT 'reviews' AS measure, patient_id, reviewed_on AS at FROM reviews WHERE reviewed_on >= ? AND reviewed_on < ?
		UNION ALL SELECT 'reviews-on-time', patient_id, reviewed_on FROM (?) AS chain
			WHERE (due_on IS NULL OR reviewed_on <= due_on) AND reviewed_on >= ? AND reviewed_on < ?
		UNION ALL SELECT 'unplanned-' || unplanned_care, patient_id, reviewed_on FROM reviews WHERE unplanned_care <> '' AND reviewed_on >= ? AND reviewed_on < ?
		UNION ALL SELECT 'rcp-' || rcp_score, patient_id, reviewed_on FROM reviews WHERE rcp_score IS NOT NULL AND reviewed_on >= ? AND reviewed_on < ?
		UNION ALL SELECT 'reviews-due', patient_id, next_review_on FROM reviews WHERE next_review_on >= ? AND next_review_on < ?
		UNION ALL SELECT 'reviews-due', id, next_review_on FROM patients WHERE last_review_on IS NULL AND next_review_on >= ? AND next_review_on < ?`,
		from, end, chain, from, end, from, end, from, end, from, end, from, end)
	bucket, args := bucketCase("events.at", days[:len(days)-1])
	return s.db.WithContext(ctx).Table("(?) AS events", events).
		Select(bucket+" AS bucket, events.measure, 0 AS value, COUNT(*) AS n", args...).
		Where("events.patient_id IN (?)", population).
		Group("bucket, events.measure")
}

// spreadCounts counts the times taken, by value: from registration to an
// account by the day the account was set up, from alert to acknowledgement
// by the alert's time, and from request to ready by the request's.
func (s *Store) spreadCounts(ctx context.Context, population *gorm.DB, starts []time.Time, end time.Time) *gorm.DB {
	from := starts[0]
	events := s.db.Raw(`SELECT 'activation-days' AS measure, users.patient_id, users.created_at AS at, `+
		s.secondsBetween("patients.created_at", "users.created_at")+` / 86400 AS value
			FROM users JOIN patients ON patients.id = users.patient_id WHERE users.role = ? AND users.created_at >= ? AND users.created_at < ?
		UNION ALL SELECT 'acknowledge-minutes', patient_id, created_at, `+s.secondsBetween("created_at", "acknowledged_at")+` / ? * ?
			FROM alerts WHERE acknowledged_at IS NOT NULL AND created_at >= ? AND created_at < ?
		UNION ALL SELECT 'ready-minutes', patient_id, created_at, `+s.secondsBetween("created_at", "updated_at")+` / ? * ?
			FROM prescription_requests WHERE status = ? AND created_at >= ? AND created_at < ?`,
		RolePatient, from, end, spreadMinutes*60, spreadMinutes, from, end, spreadMinutes*60, spreadMinutes, RequestReady, from, end)
	bucket, args := bucketCase("events.at", starts)
	return s.db.WithContext(ctx).Table("(?) AS events", events).
		Select(bucket+" AS bucket, events.measure, events.value, COUNT(*) AS n", args...).
		Where("events.patient_id IN (?)", population).
		Group("bucket, events.measure, events.value")
}

// secondsBetween is the whole seconds from one time column to another.
// A ready request's last change made it ready, so its updated_at is when.
func (s *Store) secondsBetween(from, to string) string {
	if s.db.Dialector.Name() == "postgres" {
		return fmt.Sprintf("CAST(FLOOR(EXTRACT(EPOCH FROM (%s - %s))) AS BIGINT)", to, from)
	}
	return fmt.Sprintf("(CAST(strftime('%%s', %s) AS INTEGER) - CAST(strftime('%%s', %s) AS INTEGER))", to, from)
}

// overuseCounts counts the people who asked for a reliever RelieverOveruse
// times or more in each period.
func (s *Store) overuseCounts(ctx context.Context, population *gorm.DB, starts []time.Time, end time.Time) *gorm.DB {
	bucket, args := bucketCase("created_at", starts)
	people := s.db.Table("prescription_requests").
		Select(bucket+" AS bucket, patient_id", args...).
		Where("purpose = ? AND created_at >= ? AND created_at < ? AND patient_id IN (?)", PurposeReliever, starts[0], end, population).
		Group("bucket, patient_id").Having("COUNT(*) >= ?", RelieverOveruse)
	return s.db.WithContext(ctx).Table("(?) AS people", people).
		Select("people.bucket, '" + MeasureRelieverOveruse + "' AS measure, 0 AS value, COUNT(*) AS n").Group("people.bucket")
}

// activityCounts counts the patients and carers who used the service in
// each period, and the days they did.
func (s *Store) activityCounts(ctx context.Context, population, carers *gorm.DB, days []time.Time) *gorm.DB {
	bucket, args := bucketCase("activity_days.day", days[:len(days)-1])
	return s.db.WithContext(ctx).Table("activity_days").
		Select(bucket+" AS bucket, users.role AS measure, COUNT(DISTINCT activity_days.user_id) AS value, COUNT(*) AS n", args...).
		Joins("JOIN users ON users.id = activity_days.user_id").
		Where("activity_days.day >= ? AND activity_days.day < ?", days[0], days[len(days)-1]).
		Where("(users.role = ? AND users.patient_id IN (?)) OR (users.role = ? AND users.id IN (?))", RolePatient, population, RoleCarer, carers).
		Group("bucket, users.role")
}

// feedbackCounts counts the feedback scores patients and carers gave.
func (s *Store) feedbackCounts(ctx context.Context, users, carers *gorm.DB, starts []time.Time, end time.Time) *gorm.DB {
	bucket, args := bucketCase("created_at", starts)
	return s.db.WithContext(ctx).Model(&Feedback{}).
		Select(bucket+" AS bucket, '"+MeasureFeedback+"' AS measure, score AS value, COUNT(*) AS n", args...).
		Where("created_at >= ? AND created_at < ? AND (user_id IN (?) OR user_id IN (?))", starts[0], end, users, carers).
		Group("bucket, score")
}

// standingCounts counts what stood at the end of each period: shares with
// schools still working, and reviews past their date and not yet done.
// Each period is a column of one row.
func (s *Store) standingCounts(ctx context.Context, population *gorm.DB, starts []time.Time, end time.Time, days []time.Time) ([]outcomeRow, error) {
	ends := append(slices.Clone(starts[1:]), end)
	var shares, overdue strings.Builder
	var shareArgs, overdueArgs []any
	for i, at := range ends {
		if i > 0 {
			shares.WriteString(", ")
			overdue.WriteString(", ")
		}
		fmt.Fprintf(&shares, "COUNT(CASE WHEN created_at < ? AND expires_at >= ? AND (revoked_at IS NULL OR revoked_at >= ?) THEN 1 END) AS p%d", i)
		shareArgs = append(shareArgs, at, at, at)
		fmt.Fprintf(&overdue, "COUNT(CASE WHEN due_on < ? AND (done_on IS NULL OR done_on >= ?) THEN 1 END) AS p%d", i)
		overdueArgs = append(overdueArgs, days[i+1], days[i+1])
	}
	chain := s.db.Raw(`SELECT patient_id, next_review_on AS due_on,
			LEAD(reviewed_on) OVER (PARTITION BY patient_id ORDER BY reviewed_on, id) AS done_on FROM reviews
		UNION ALL SELECT id, next_review_on, NULL FROM patients WHERE last_review_on IS NULL AND next_review_on IS NOT NULL`)
	var rows []outcomeRow
	for _, q := range []struct {
		measure string
		query   *gorm.DB
	}{
		{MeasureSharesActive, s.db.WithContext(ctx).Model(&Share{}).Select(shares.String(), shareArgs...).
			Where("created_at < ? AND expires_at >= ? AND patient_id IN (?)", end, starts[0], population)},
		{MeasureReviewsOverdue, s.db.WithContext(ctx).Table("(?) AS chain", chain).Select(overdue.String(), overdueArgs...).
			Where("due_on < ? AND (done_on IS NULL OR done_on >= ?) AND patient_id IN (?)", days[len(days)-1], days[1], population)},
	} {
		columns, err := q.query.Rows()
		if err != nil {
			return nil, err
		}
		counts := make([]int64, len(ends))
		targets := make([]any, len(ends))
		for i := range counts {
			targets[i] = &counts[i]
		}
		for columns.Next() {
			err = columns.Scan(targets...)
		}
		if closeErr := columns.Close(); err == nil {
			err = closeErr
		}
		if err != nil {
			return nil, err
		}
		for i, n := range counts {
			rows = append(rows, outcomeRow{Bucket: i + 1, Measure: q.measure, N: n})
		}
	}
	return rows, nil
}

// outcomePopulation selects the ids of the patients a filter measures,
// among those of the practices the staff member can see. Age is taken on
// the UK day of now.
func (s *Store) outcomePopulation(ctx context.Context, staffID uint, filter OutcomeFilter, now time.Time) *gorm.DB {
	memberships := s.db.Model(&Membership{}).Select("organisation_id").Where("user_id = ?", staffID)
	practices := s.db.Model(&Organisation{}).Select("id").
		Where("kind IN ? AND (id IN (?) OR parent_id IN (?))", CareKinds, memberships, memberships)
	q := s.db.WithContext(ctx).Model(&Patient{}).Select("patients.id").Where("patients.practice_id IN (?)", practices)
	if filter.PracticeID != 0 {
		q = q.Where("patients.practice_id = ?", filter.PracticeID)
	}
	if filter.Condition != "" {
		q = q.Where("EXISTS (SELECT 1 FROM action_plans WHERE action_plans.patient_id = patients.id AND action_plans.snomed_code = ?)", filter.Condition)
	}
	if i := slices.IndexFunc(AgeBands, func(b AgeBand) bool { return b.Key == filter.AgeBand }); i >= 0 {
		today, _ := time.Parse(time.DateOnly, UKDay(now))
		band := AgeBands[i]
		// Someone is at least From years old when born on or before today
		// From years ago, and at most To when born after today To+1 years ago.
		q = q.Where("patients.date_of_birth <= ?", today.AddDate(-band.From, 0, 0))
		if band.To >= 0 {
			q = q.Where("patients.date_of_birth > ?", today.AddDate(-band.To-1, 0, 0))
		}
	}
	return q
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
