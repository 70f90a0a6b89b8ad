package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// pendingAuditEntries lets an audit entry that stands on its own (a record
// read, a sign-in, a refusal) be kept without waiting for the chain's head:
// it goes into audit_pending, signed on its own, and a folding step moves
// it into the chain a moment later.
//
// A waiting entry cannot be changed, and leaves audit_pending only once an
// entry of the chain names it in pending_id, in the same transaction: so
// removing one without trace needs a chained entry in its place, which only
// the audit key can sign. Its ids are never given twice (AUTOINCREMENT on
// SQLite, a sequence on PostgreSQL), so an old chained entry can never
// stand for a new waiting one, and pending_id is unique, so no waiting
// entry is chained twice.
var pendingAuditEntries = &gormigrate.Migration{
	ID: "0045_pending_audit_entries",
	Migrate: func(tx *gorm.DB) error {
		const refused = "audit_pending entries leave only as they are chained"
		// The columns are audit_events' (0001), with the key and MAC that
		// sign the entry while it waits.
		columns := `actor_id BIGINT, actor_role VARCHAR(16) NOT NULL DEFAULT '',
			action VARCHAR(64) NOT NULL, patient_id BIGINT, on_behalf_of BIGINT,
			target_type VARCHAR(32) NOT NULL DEFAULT '', target_id VARCHAR(64) NOT NULL DEFAULT '',
			ip_address VARCHAR(64) NOT NULL DEFAULT '', request_id VARCHAR(64) NOT NULL DEFAULT '',
			detail VARCHAR(1000) NOT NULL DEFAULT '', key_id VARCHAR(16) NOT NULL, mac VARCHAR(64) NOT NULL`
		var statements []string
		if tx.Dialector.Name() == "postgres" {
			statements = []string{
				`CREATE TABLE audit_pending (id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL, ` + columns + `)`,
				`ALTER TABLE audit_events ADD COLUMN pending_id BIGINT`,
				`CREATE UNIQUE INDEX idx_audit_events_pending_id ON audit_events (pending_id)`,
				"CREATE FUNCTION audit_pending_leaves_when_chained() RETURNS trigger AS $$ BEGIN " +
					"IF TG_OP <> 'DELETE' OR NOT EXISTS (SELECT 1 FROM audit_events WHERE pending_id = old.id) THEN " +
					"RAISE EXCEPTION '" + refused + "'; END IF; " +
					"RETURN old; END; $$ LANGUAGE plpgsql",
				"CREATE TRIGGER audit_pending_leaves_when_chained BEFORE UPDATE OR DELETE ON audit_pending " +
					"FOR EACH ROW EXECUTE FUNCTION audit_pending_leaves_when_chained()",
				"CREATE TRIGGER audit_pending_no_truncate BEFORE TRUNCATE ON audit_pending " +
					"FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()",
			}
		} else {
			statements = []string{
				`CREATE TABLE audit_pending (id INTEGER PRIMARY KEY AUTOINCREMENT, at DATETIME NOT NULL, ` + columns + `)`,
				`ALTER TABLE audit_events ADD COLUMN pending_id INTEGER`,
				`CREATE UNIQUE INDEX idx_audit_events_pending_id ON audit_events (pending_id)`,
				"CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending " +
					"BEGIN SELECT RAISE(ABORT, '" + refused + "'); END",
				"CREATE TRIGGER audit_pending_leaves_when_chained BEFORE DELETE ON audit_pending " +
					"WHEN NOT EXISTS (SELECT 1 FROM audit_events WHERE pending_id = old.id) " +
					"BEGIN SELECT RAISE(ABORT, '" + refused + "'); END",
			}
		}
		for _, statement := range statements {
			if err := tx.Exec(statement).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
