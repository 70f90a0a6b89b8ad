package models

import (
	"fmt"
	"slices"
	"time"
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
