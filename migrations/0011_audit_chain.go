package migrations

import (
	"healthpassport/models"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// auditChain makes the audit log tamper-evident: every entry gains a hash
// over its content and the previous entry's hash, and a one-row table holds
// the newest entry of the chain, which writers lock to take their turn.
// Entries written before this step are chained once, in id order.
var auditChain = &gormigrate.Migration{
	ID: "0011_audit_chain",
	Migrate: func(tx *gorm.DB) error {
		type AuditEvent struct {
			Hash string `gorm:"size:64;not null;default:''"`
		}
		type AuditChain struct {
			ID          uint   `gorm:"primaryKey"`
			LastEventID uint   `gorm:"not null"`
			LastHash    string `gorm:"size:64;not null"`
		}
		if err := tx.Migrator().AddColumn(&AuditEvent{}, "Hash"); err != nil {
			return err
		}
		if err := tx.AutoMigrate(&AuditChain{}); err != nil {
			return err
		}
		head := AuditChain{ID: 1}
		err := allowingAuditUpdates(tx, func() error {
			// The columns are named, not *: PostgreSQL refuses a statement
			// prepared here once a later step adds a column, and the
			// service prepares the same query on the same connections.
			var events []models.AuditEvent
			return tx.Table("audit_events").Select("id, at, actor_id, actor_role, action, patient_id, on_behalf_of, "+
				"target_type, target_id, ip_address, request_id, detail").FindInBatches(&events, 1000, func(batch *gorm.DB, _ int) error {
				for _, event := range events {
					hash := models.AuditEventHash(head.LastHash, event)
					if err := tx.Table("audit_events").Where("id = ?", event.ID).Update("hash", hash).Error; err != nil {
						return err
					}
					head.LastEventID, head.LastHash = event.ID, hash
				}
				return nil
			}).Error
		})
		if err != nil {
			return err
		}
		return tx.Create(&head).Error
	},
}

// allowingAuditUpdates lifts the append-only triggers of 0001 while update
// runs, inside the migration's transaction, and puts them back.
func allowingAuditUpdates(tx *gorm.DB, update func() error) error {
	if tx.Dialector.Name() == "postgres" {
		if err := tx.Exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`).Error; err != nil {
			return err
		}
		if err := update(); err != nil {
			return err
		}
		return tx.Exec(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`).Error
	}
	for _, trigger := range []string{"audit_events_no_update", "audit_events_no_delete"} {
		if err := tx.Exec(`DROP TRIGGER ` + trigger).Error; err != nil {
			return err
		}
	}
	if err := update(); err != nil {
		return err
	}
	return appendOnly(tx, "audit_events")
}
