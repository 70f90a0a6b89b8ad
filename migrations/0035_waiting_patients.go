package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// waitingPatients lets the caseload's filters read, in name order, only the
// patients they list, at any size of practice.
//
// Each patient keeps how many of their repeat prescription requests wait
// for a decision or for collection, and an index holds the patients with
// any, in caseload order: the prescriptions filter reads its page from it
// and counts from it, where it had looked up the patient of every waiting
// request to sort them by name. Triggers add and take away as a request is
// made, decided or removed, in the change's own transaction, whatever
// makes it; the models never write it. Adding to the count rather than
// counting again keeps it right when two requests are made at once: each
// addition waits for the other's row lock and adds to what it left.
//
// The caseload index also carries each patient's latest red-zone reading
// time, so the red-zone filter walks the index in name order without
// reading the patients it passes over.
var waitingPatients = &gormigrate.Migration{
	ID: "0035_waiting_patients",
	Migrate: func(tx *gorm.DB) error {
		const waiting = "('requested', 'approved')"
		const add = "UPDATE patients SET waiting_requests = waiting_requests + 1 WHERE id = new.patient_id"
		const takeAway = "UPDATE patients SET waiting_requests = waiting_requests - 1 WHERE id = old.patient_id"
		statements := []string{
			"ALTER TABLE patients ADD COLUMN waiting_requests INTEGER NOT NULL DEFAULT 0",
			"UPDATE patients SET waiting_requests = (SELECT COUNT(*) FROM prescription_requests " +
				"WHERE prescription_requests.patient_id = patients.id AND prescription_requests.status IN " + waiting + ") " +
				"WHERE id IN (SELECT patient_id FROM prescription_requests WHERE status IN " + waiting + ")",
			"CREATE INDEX idx_patients_waiting ON patients (practice_id, family_name, given_name, id) WHERE waiting_requests > 0",
			"DROP INDEX idx_patients_caseload",
		}
		if tx.Dialector.Name() == "postgres" {
			statements = append(statements,
				"CREATE INDEX idx_patients_caseload ON patients (practice_id, family_name, given_name, id) INCLUDE (last_red_at)",
				"CREATE FUNCTION count_waiting_requests() RETURNS trigger AS $$ BEGIN "+
					"IF TG_OP IN ('UPDATE', 'DELETE') AND old.status IN "+waiting+" THEN "+takeAway+"; END IF; "+
					"IF TG_OP IN ('INSERT', 'UPDATE') AND new.status IN "+waiting+" THEN "+add+"; END IF; "+
					"RETURN NULL; END; $$ LANGUAGE plpgsql",
				"CREATE TRIGGER prescription_requests_waiting_added AFTER INSERT OR DELETE ON prescription_requests "+
					"FOR EACH ROW EXECUTE FUNCTION count_waiting_requests()",
				"CREATE TRIGGER prescription_requests_waiting_changed AFTER UPDATE OF status, patient_id ON prescription_requests "+
					"FOR EACH ROW WHEN (old.status IS DISTINCT FROM new.status OR old.patient_id IS DISTINCT FROM new.patient_id) "+
					"EXECUTE FUNCTION count_waiting_requests()")
		} else {
			// SQLite has no covering columns: the time is the index's last key.
			statements = append(statements,
				"CREATE INDEX idx_patients_caseload ON patients (practice_id, family_name, given_name, id, last_red_at)",
				"CREATE TRIGGER prescription_requests_waiting_added AFTER INSERT ON prescription_requests "+
					"WHEN new.status IN "+waiting+" BEGIN "+add+"; END",
				"CREATE TRIGGER prescription_requests_waiting_removed AFTER DELETE ON prescription_requests "+
					"WHEN old.status IN "+waiting+" BEGIN "+takeAway+"; END",
				"CREATE TRIGGER prescription_requests_waiting_changed AFTER UPDATE OF status, patient_id ON prescription_requests "+
					"WHEN old.status IS NOT new.status OR old.patient_id IS NOT new.patient_id BEGIN "+
					takeAway+" AND old.status IN "+waiting+"; "+add+" AND new.status IN "+waiting+"; END")
		}
		for _, statement := range statements {
			if err := tx.Exec(statement).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
