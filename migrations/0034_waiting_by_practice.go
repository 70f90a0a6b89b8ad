package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// waitingByPractice keeps the practice of each prescription request and
// red-zone alert on its own row, so that what waits for a practice's staff
// is counted from an index of the waiting rows of that practice alone. The
// counts head every staff page: through the patients, they looked up the
// patient of every waiting row of every practice, some 800 at 100,000
// patients. Triggers fill the column as a row is added and follow a
// patient who moves practice, in the change's own transaction, whatever
// makes it; the models never write it.
var waitingByPractice = &gormigrate.Migration{
	ID: "0034_waiting_by_practice",
	Migrate: func(tx *gorm.DB) error {
		var statements []string
		for _, table := range []string{"prescription_requests", "alerts"} {
			statements = append(statements,
				"ALTER TABLE "+table+" ADD COLUMN practice_id BIGINT",
				"UPDATE "+table+" SET practice_id = (SELECT practice_id FROM patients WHERE patients.id = "+table+".patient_id)")
		}
		// The statuses are written out so that both databases match the
		// counts' conditions to these indexes. The patients of waiting
		// requests come from the index too, for the caseload's filter.
		statements = append(statements,
			"CREATE INDEX idx_prescription_requests_waiting ON prescription_requests (practice_id, patient_id) WHERE status IN ('requested', 'approved')",
			"CREATE INDEX idx_alerts_waiting ON alerts (practice_id) WHERE status = 'open'")
		const practiceOf = "(SELECT practice_id FROM patients WHERE patients.id = new.patient_id)"
		if tx.Dialector.Name() == "postgres" {
			statements = append(statements,
				"CREATE FUNCTION note_practice_of_patient() RETURNS trigger AS $$ BEGIN "+
					"new.practice_id := "+practiceOf+"; RETURN new; END; $$ LANGUAGE plpgsql",
				"CREATE TRIGGER prescription_requests_practice BEFORE INSERT OR UPDATE OF patient_id ON prescription_requests "+
					"FOR EACH ROW EXECUTE FUNCTION note_practice_of_patient()",
				"CREATE TRIGGER alerts_practice BEFORE INSERT OR UPDATE OF patient_id ON alerts "+
					"FOR EACH ROW EXECUTE FUNCTION note_practice_of_patient()",
				"CREATE FUNCTION follow_patient_to_practice() RETURNS trigger AS $$ BEGIN "+
					"UPDATE prescription_requests SET practice_id = new.practice_id WHERE patient_id = new.id; "+
					"UPDATE alerts SET practice_id = new.practice_id WHERE patient_id = new.id; "+
					"RETURN NULL; END; $$ LANGUAGE plpgsql",
				"CREATE TRIGGER patients_waiting_practice AFTER UPDATE OF practice_id ON patients "+
					"FOR EACH ROW WHEN (old.practice_id IS DISTINCT FROM new.practice_id) EXECUTE FUNCTION follow_patient_to_practice()")
		} else {
			for _, table := range []string{"prescription_requests", "alerts"} {
				statements = append(statements,
					"CREATE TRIGGER "+table+"_practice AFTER INSERT ON "+table+" BEGIN "+
						"UPDATE "+table+" SET practice_id = "+practiceOf+" WHERE id = new.id; END",
					"CREATE TRIGGER "+table+"_patient_moved AFTER UPDATE OF patient_id ON "+table+" BEGIN "+
						"UPDATE "+table+" SET practice_id = "+practiceOf+" WHERE id = new.id; END")
			}
			statements = append(statements,
				"CREATE TRIGGER patients_waiting_practice AFTER UPDATE OF practice_id ON patients "+
					"WHEN old.practice_id IS NOT new.practice_id BEGIN "+
					"UPDATE prescription_requests SET practice_id = new.practice_id WHERE patient_id = new.id; "+
					"UPDATE alerts SET practice_id = new.practice_id WHERE patient_id = new.id; END")
		}
		for _, statement := range statements {
			if err := tx.Exec(statement).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
