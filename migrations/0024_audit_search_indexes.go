package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// auditSearchIndexes let the audit log's searches read a page of the
// newest entries from an index alone, however long the log: by patient and
// action, and by member of staff, each in the order a page lists them
// (newest, that is highest id, first). A date range is a range of ids too,
// as entries are written in order.
var auditSearchIndexes = &gormigrate.Migration{
	ID: "0024_audit_search_indexes",
	Migrate: func(tx *gorm.DB) error {
		for _, statement := range []string{
			"CREATE INDEX idx_audit_events_patient_action ON audit_events (patient_id, action, id)",
			"CREATE INDEX idx_audit_events_actor_action ON audit_events (actor_id, action, id)",
		} {
			if err := tx.Exec(statement).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
