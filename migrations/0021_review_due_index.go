package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// reviewDueIndex lets the caseload's review-due filter, scoped by practice
// and ordered by review date then name, read just the patients coming due,
// in order, from the index alone.
var reviewDueIndex = &gormigrate.Migration{
	ID: "0021_review_due_index",
	Migrate: func(tx *gorm.DB) error {
		return tx.Exec("CREATE INDEX idx_patients_review_due ON patients (practice_id, next_review_on, family_name, given_name, id)").Error
	},
}
