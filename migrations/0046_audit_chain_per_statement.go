package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// auditChainPerStatement moves the chain's head once for each statement
// that adds audit entries on PostgreSQL, not once for each entry.
//
// PostgreSQL keeps every version of a row that a transaction updates until
// the transaction ends, and each update walks past those before it: a
// transaction that added a million entries one head move at a time did a
// million moves of one row, each slower than the last. The head now moves
// to the newest of a statement's entries when the statement ends, and the
// database still refuses entries that do not follow the head in an unbroken
// run, and any move of the head but to an entry that is there with nothing
// missing before it. SQLite updates the row in place, so it keeps moving
// the head entry by entry (0036).
var auditChainPerStatement = &gormigrate.Migration{
	ID: "0046_audit_chain_per_statement",
	Migrate: func(tx *gorm.DB) error {
		if tx.Dialector.Name() != "postgres" {
			return nil
		}
		const refused = "audit_chains moves only as audit entries are added"
		for _, statement := range []string{
			"CREATE OR REPLACE FUNCTION audit_chain_follows_entries() RETURNS trigger AS $$ BEGIN " +
				"IF TG_OP <> 'UPDATE' OR new.id <> old.id OR new.unkeyed_until <> old.unkeyed_until " +
				"OR new.last_event_id <= old.last_event_id " +
				"OR new.last_hash IS DISTINCT FROM (SELECT hash FROM audit_events WHERE id = new.last_event_id) " +
				"OR (SELECT count(*) FROM audit_events WHERE id > old.last_event_id AND id <= new.last_event_id) " +
				"<> new.last_event_id - old.last_event_id THEN " +
				"RAISE EXCEPTION '" + refused + "'; END IF; " +
				"RETURN new; END; $$ LANGUAGE plpgsql",
			"DROP TRIGGER audit_events_advance_chain ON audit_events",
			"CREATE OR REPLACE FUNCTION advance_audit_chain() RETURNS trigger AS $$ " +
				"DECLARE first_id BIGINT; last_id BIGINT; entries BIGINT; BEGIN " +
				"SELECT min(id), max(id), count(*) INTO first_id, last_id, entries FROM added; " +
				"IF entries = 0 THEN RETURN NULL; END IF; " +
				"IF NOT EXISTS (SELECT 1 FROM audit_chains WHERE id = 1) THEN " +
				"RAISE EXCEPTION 'the audit chain has no head row'; END IF; " +
				"UPDATE audit_chains SET last_event_id = last_id, last_hash = (SELECT hash FROM added WHERE id = last_id) " +
				"WHERE id = 1 AND last_event_id = first_id - 1 AND last_id - first_id + 1 = entries; " +
				"IF NOT FOUND THEN RAISE EXCEPTION 'audit entries are added only in an unbroken run after the chain''s head'; END IF; " +
				"RETURN NULL; END; $$ LANGUAGE plpgsql",
			"CREATE TRIGGER audit_events_advance_chain AFTER INSERT ON audit_events " +
				"REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION advance_audit_chain()",
		} {
			if err := tx.Exec(statement).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
