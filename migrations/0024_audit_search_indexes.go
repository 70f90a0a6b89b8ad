package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// auditSearchIndexes let every search of the audit log read its page of
// newest entries straight from one index, however long the log and
// whatever the dates: by patient, patient and action, member of staff,
// member of staff and action, action, or dates alone, each in the order a
// page lists them (newest first, then by id). They replace the single
// column indexes they begin with.
var auditSearchIndexes = &gormigrate.Migration{
	ID: "0024_audit_search_indexes",
	Migrate: func(tx *gorm.DB) error {
		for _, statement := range []string{
			"DROP INDEX idx_audit_events_patient_id",
			"DROP INDEX idx_audit_events_actor_id",
			"DROP INDEX idx_audit_events_action",
			"DROP INDEX idx_audit_events_at",
			"CREATE INDEX idx_audit_events_patient_at ON audit_events (patient_id, at, id)",
			"CREATE INDEX idx_audit_events_patient_action_at ON audit_events (patient_id, action, at, id)",
			"CREATE INDEX idx_audit_events_actor_at ON audit_events (actor_id, at, id)",
			"CREATE INDEX idx_audit_events_actor_action_at ON audit_events (actor_id, action, at, id)",
			"CREATE INDEX idx_audit_events_action_at ON audit_events (action, at, id)",
			"CREATE INDEX idx_audit_events_at_id ON audit_events (at, id)",
		} {
			if err := tx.Exec(statement).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
