package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// caseloadIndex lets the caseload, scoped by practice and ordered by name,
// read patients in order instead of sorting them.
var caseloadIndex = &gormigrate.Migration{
	ID: "0003_caseload_index",
	Migrate: func(tx *gorm.DB) error {
		return tx.Exec("CREATE INDEX idx_patients_caseload ON patients (practice_id, family_name, given_name, id)").Error
	},
}
