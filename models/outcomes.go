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
}

// Period is the number of months measured: the longest period when Months
// is not one of OutcomePeriods.
func (f OutcomeFilter) Period() int {
	if slices.Contains(OutcomePeriods, f.Months) {
		return f.Months
	}
	return OutcomePeriods[len(OutcomePeriods)-1]
}

// Measures of each month. Each counts events in the month; the totals count
// everything up to the end of the month.
const (
	MeasureRegistered = "registered"
	MeasureActivated  = "activated"
	MeasureReadings   = "readings"
	MeasureCheckIns   = "check-ins"
	MeasureRedZone    = "red-zone"
	MeasureRequests   = "requests"
)

// MonthOutcomes counts what happened in one UK calendar month.
type MonthOutcomes struct {
	Month           time.Time // midnight UK time on the first day
	Counts          map[string]int64
	TotalRegistered int64 // registered by the end of the month
	TotalActivated  int64 // set up by the end of the month
}

// ActiveUsers counts patients and carers by the last day they used the
// service.
type ActiveUsers struct {
	Daily, Weekly, Monthly int64
}

// Outcomes is every measure for a filter, counted exactly. Show it to a
// commissioner only through Disclose.
type Outcomes struct {
	Months []MonthOutcomes
	Active ActiveUsers
}

// Outcomes measures the patients of the practices the staff member can see
// that match the filter, month by month up to the month holding now. It
// takes two queries however many practices and months there are.
func (s *Store) Outcomes(ctx context.Context, staffID uint, filter OutcomeFilter, now time.Time) (*Outcomes, error) {
	population := s.outcomePopulation(ctx, staffID, filter, now)
	starts, end := monthStarts(now, filter.Period())
	result := &Outcomes{Months: make([]MonthOutcomes, len(starts))}
	for i, start := range starts {
		result.Months[i] = MonthOutcomes{Month: start.In(UK), Counts: map[string]int64{}}
	}

	// Bucket 0 holds everything before the period, for the running totals;
	// bucket i the i-th month.
	var bucket strings.Builder
	bucket.WriteString("CASE")
	args := make([]any, len(starts))
	for i, start := range starts {
		fmt.Fprintf(&bucket, " WHEN events.at < ? THEN %d", i)
		args[i] = start
	}
	fmt.Fprintf(&bucket, " ELSE %d END", len(starts))
	events := s.db.Raw(`SELECT 'registered' AS measure, id AS patient_id, created_at AS at FROM patients
		UNION ALL SELECT 'activated', patient_id, created_at FROM users WHERE role = ? AND patient_id IS NOT NULL
		UNION ALL SELECT CASE kind WHEN ? THEN 'readings' ELSE 'check-ins' END, patient_id, created_at FROM readings
		UNION ALL SELECT 'red-zone', patient_id, created_at FROM readings WHERE zone = ?
		UNION ALL SELECT 'requests', patient_id, created_at FROM prescription_requests`,
		RolePatient, ReadingPeakFlow, ZoneRed)
	var rows []struct {
		Bucket  int
		Measure string
		N       int64
	}
	err := s.db.WithContext(ctx).Table("(?) AS events", events).
		Select(bucket.String()+" AS bucket, events.measure, COUNT(*) AS n", args...).
		Where("events.patient_id IN (?) AND events.at < ?", population, end).
		Group("bucket, events.measure").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	var registered, activated int64
	before := map[string]int64{}
	for _, row := range rows {
		if row.Bucket == 0 {
			before[row.Measure] = row.N
			continue
		}
		result.Months[row.Bucket-1].Counts[row.Measure] = row.N
	}
	registered, activated = before[MeasureRegistered], before[MeasureActivated]
	for i := range result.Months {
		registered += result.Months[i].Counts[MeasureRegistered]
		activated += result.Months[i].Counts[MeasureActivated]
		result.Months[i].TotalRegistered, result.Months[i].TotalActivated = registered, activated
	}

	today, _ := time.Parse(time.DateOnly, UKDay(now))
	carers := s.db.Table("carer_links").Select("carer_id").Where("revoked_at IS NULL AND patient_id IN (?)", population)
	err = s.db.WithContext(ctx).Model(&User{}).
		Select(`COUNT(CASE WHEN last_active_on >= ? THEN 1 END) AS daily,
			COUNT(CASE WHEN last_active_on >= ? THEN 1 END) AS weekly,
			COUNT(CASE WHEN last_active_on >= ? THEN 1 END) AS monthly`,
			today, today.AddDate(0, 0, -6), today.AddDate(0, 0, -29)).
		Where("role IN ? AND (patient_id IN (?) OR id IN (?))", []Role{RolePatient, RoleCarer}, population, carers).
		Scan(&result.Active).Error
	return result, err
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

// monthStarts is the first instant of each of the last n UK calendar
// months up to and including the one holding now, and the first instant of
// the next, in UTC as the database holds times.
func monthStarts(now time.Time, n int) (starts []time.Time, end time.Time) {
	uk := now.In(UK)
	for i := n - 1; i >= 0; i-- {
		starts = append(starts, time.Date(uk.Year(), uk.Month()-time.Month(i), 1, 0, 0, 0, 0, UK).UTC())
	}
	return starts, time.Date(uk.Year(), uk.Month()+1, 1, 0, 0, 0, 0, UK).UTC()
}
