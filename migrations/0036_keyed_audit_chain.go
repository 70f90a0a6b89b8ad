package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// keyedAuditChain readies the audit log for entries signed with a key kept
// outside the database, and makes the chain's head follow the entries.
//
// Each entry gains the id of the key it was signed with; entries written
// before are left as they are, unkeyed, and the head records the last of
// them, after which no entry may be unkeyed. Signed checkpoints of the head
// are kept in a table of their own, which like the log is append-only.
//
// The head moves only as entries are added: adding an entry moves it to
// that entry, and the database refuses any other change to it, and its
// removal. An entry whose id is not the one after the head cannot be added,
// since the head could not move to it. So the serving role, which may
// update the head's row to take its turn, cannot set it to anything but
// what the entries already say.
var keyedAuditChain = &gormigrate.Migration{
	ID: "0036_keyed_audit_chain",
	Migrate: func(tx *gorm.DB) error {
		type AuditCheckpoint struct {
			ID          uint      `gorm:"primaryKey"`
			At          time.Time `gorm:"not null"`
			LastEventID uint      `gorm:"not null"`
			LastHash    string    `gorm:"size:64;not null"`
			Entries     int64     `gorm:"not null"`
			KeyID       string    `gorm:"size:16;not null"`
			Signature   string    `gorm:"size:64;not null"`
		}
		if err := tx.AutoMigrate(&AuditCheckpoint{}); err != nil {
			return err
		}
		if err := appendOnly(tx, "audit_checkpoints"); err != nil {
			return err
		}
		const refused = "audit_chains moves only as audit entries are added"
		statements := []string{
			"ALTER TABLE audit_events ADD COLUMN key_id VARCHAR(16) NOT NULL DEFAULT ''",
			"ALTER TABLE audit_chains ADD COLUMN unkeyed_until BIGINT NOT NULL DEFAULT 0",
			"UPDATE audit_chains SET unkeyed_until = last_event_id",
		}
		if tx.Dialector.Name() == "postgres" {
			statements = append(statements,
				"CREATE FUNCTION audit_chain_follows_entries() RETURNS trigger AS $$ BEGIN "+
					"IF TG_OP <> 'UPDATE' OR new.id <> old.id OR new.unkeyed_until <> old.unkeyed_until "+
					"OR new.last_event_id <> old.last_event_id + 1 "+
					"OR new.last_hash IS DISTINCT FROM (SELECT hash FROM audit_events WHERE id = new.last_event_id) THEN "+
					"RAISE EXCEPTION '"+refused+"'; END IF; "+
					"RETURN new; END; $$ LANGUAGE plpgsql",
				"CREATE TRIGGER audit_chains_follow_entries BEFORE UPDATE OR DELETE ON audit_chains "+
					"FOR EACH ROW EXECUTE FUNCTION audit_chain_follows_entries()",
				"CREATE TRIGGER audit_chains_no_truncate BEFORE TRUNCATE ON audit_chains "+
					"FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()",
				"CREATE FUNCTION advance_audit_chain() RETURNS trigger AS $$ BEGIN "+
					"UPDATE audit_chains SET last_event_id = new.id, last_hash = new.hash WHERE id = 1; "+
					"IF NOT FOUND THEN RAISE EXCEPTION 'the audit chain has no head row'; END IF; "+
					"RETURN NULL; END; $$ LANGUAGE plpgsql",
				"CREATE TRIGGER audit_events_advance_chain AFTER INSERT ON audit_events "+
					"FOR EACH ROW EXECUTE FUNCTION advance_audit_chain()")
		} else {
			statements = append(statements,
				"CREATE TRIGGER audit_chains_follow_entries BEFORE UPDATE ON audit_chains "+
					"WHEN new.id IS NOT old.id OR new.unkeyed_until IS NOT old.unkeyed_until "+
					"OR new.last_event_id IS NOT old.last_event_id + 1 "+
					"OR new.last_hash IS NOT (SELECT hash FROM audit_events WHERE id = new.last_event_id) "+
					"BEGIN SELECT RAISE(ABORT, '"+refused+"'); END",
				"CREATE TRIGGER audit_chains_no_delete BEFORE DELETE ON audit_chains "+
					"BEGIN SELECT RAISE(ABORT, '"+refused+"'); END",
				"CREATE TRIGGER audit_events_advance_chain AFTER INSERT ON audit_events BEGIN "+
					"SELECT RAISE(ABORT, 'the audit chain has no head row') WHERE NOT EXISTS (SELECT 1 FROM audit_chains WHERE id = 1); "+
					"UPDATE audit_chains SET last_event_id = new.id, last_hash = new.hash WHERE id = 1; END")
		}
		for _, statement := range statements {
			if err := tx.Exec(statement).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
