package migrations

import "gorm.io/gorm"

// RunTo brings the database up to the step id and no further.
func RunTo(db *gorm.DB, id string) error { return migrator(db).MigrateTo(id) }
