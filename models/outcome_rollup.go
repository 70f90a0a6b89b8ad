package models

import (
	"time"
)

// The outcome measures are counted ahead of time into a rollup, because
// counting a year of events for 100,000 patients takes seconds and a
// dashboard must answer in a fraction of one. A row is one count for one
// period, practice, condition, age band and measure (and, for the times
// measured, one value). Any filter a dashboard offers is a sum of rows:
//
//   - practices divide patients between them, and rows of each practice's
//     parent (an ICB) add them up ahead, so that a commissioner reads one
//     organisation's rows;
//   - age bands divide them too, taking each patient's age on the last day
//     of the period, so a past period's figures never change as people
//     have birthdays; rows of band everyAge add the bands up ahead;
//   - conditions do not, as a patient can have two, so each patient is
//     also counted once under condition '' for "any condition";
//   - a carer is counted with the first person they care for (the lowest
//     patient), so that a carer of two children is one carer.
//
// People counted once a period (the active patients and carers) are
// counted distinct when the period is built, never added up from days.
//
// A periodic job keeps the recent periods current every quarter of an hour; a
// full rebuild runs when there is none, or the last is a day old, to take
// in changes to older periods (such as an alert acknowledged weeks later).
// Each refresh deletes and inserts its periods in one transaction, so that
// a dashboard sees the figures before it or after it, never half. The
// build is a few set-based queries a span, whatever the number of
// practices and periods.

// OutcomeRollup is one pre-counted figure of the outcome measures.
type OutcomeRollup struct {
	Span           string    `gorm:"primaryKey;size:10"` // ByMonth, ByWeek or spanDay
	Level          string    `gorm:"primaryKey;size:10"` // levelPractice or levelGroup
	OrganisationID uint      `gorm:"primaryKey;autoIncrement:false"`
	ConditionCode  string    `gorm:"primaryKey;size:20"` // '' for any condition
	AgeBand        string    `gorm:"primaryKey;size:10"` // an AgeBand key, everyAge, or '' when the date of birth is unknown
	PeriodStart    time.Time `gorm:"primaryKey"`
	Measure        string    `gorm:"primaryKey;size:40"`
	Value          int64     `gorm:"primaryKey;autoIncrement:false"` // a spread's value or a feedback score, else 0
	N              int64     `gorm:"not null"`                       // the count; for activity, the days
	People         int64     `gorm:"not null"`                       // for activity, the people active in the period
}

// OutcomeRollupRefresh says when a kind of refresh last brought the
// rollup up to date.
type OutcomeRollupRefresh struct {
	Kind        string    `gorm:"primaryKey;size:10"`
	RefreshedAt time.Time `gorm:"not null"`
}

// RollupInterval is how often the periodic job refreshes the rollup; the
// dashboards and the README give the same figure. A refresh of the recent
// periods takes PostgreSQL about a minute at 100,000 patients: a quarter of an hour keeps that to a few per cent of
// one processor, and a commissioner's figures need be no fresher.
const RollupInterval = 15 * time.Minute
