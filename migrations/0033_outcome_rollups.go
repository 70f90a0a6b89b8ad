package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// outcomeRollups keeps the outcome measures already counted, so that a
// dashboard adds up a few hundred rows instead of a year of events. A row
// is one count for one period (a week, a month or the day of a snapshot),
// practice, condition (” for any condition, so that a patient with two is
// counted once), age band ('*' for every age) and measure, and, for the
// times measured, one value. Rows of level "group" add up the practices
// whose parent is the organisation, such as an ICB's. The key puts the
// filters before the period, so that a dashboard reads one short range of
// the index for each organisation; the second index finds a refresh's
// periods. The refreshes table says when each kind of refresh last
// brought the figures up to date.
var outcomeRollups = &gormigrate.Migration{
	ID: "0033_outcome_rollups",
	Migrate: func(tx *gorm.DB) error {
		type OutcomeRollup struct {
			Span           string    `gorm:"primaryKey;size:10;index:idx_outcome_rollups_period,priority:1"`
			Level          string    `gorm:"primaryKey;size:10"`
			OrganisationID uint      `gorm:"primaryKey;autoIncrement:false"`
			ConditionCode  string    `gorm:"primaryKey;size:20"`
			AgeBand        string    `gorm:"primaryKey;size:10"`
			PeriodStart    time.Time `gorm:"primaryKey;index:idx_outcome_rollups_period,priority:2"`
			Measure        string    `gorm:"primaryKey;size:40"`
			Value          int64     `gorm:"primaryKey;autoIncrement:false"`
			N              int64     `gorm:"not null"`
			People         int64     `gorm:"not null"`
		}
		type OutcomeRollupRefresh struct {
			Kind        string    `gorm:"primaryKey;size:10"`
			RefreshedAt time.Time `gorm:"not null"`
		}
		return tx.AutoMigrate(&OutcomeRollup{}, &OutcomeRollupRefresh{})
	},
}
