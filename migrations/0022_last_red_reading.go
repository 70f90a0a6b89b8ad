package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// lastRedReading keeps on each patient the time of their latest red-zone
// reading, so that the caseload's red-zone filter reads the few patients
// with a recent one from an index, and their practices with them, instead
// of matching every patient of the practice against the red readings. A trigger keeps it in
// step with every reading saved, in the reading's own transaction, whatever
// saves it.
var lastRedReading = &gormigrate.Migration{
	ID: "0022_last_red_reading",
	Migrate: func(tx *gorm.DB) error {
		type Patient struct {
			LastRedAt *time.Time
		}
		if err := tx.AutoMigrate(&Patient{}); err != nil {
			return err
		}
		// Only ever later: readings saved out of order leave the latest.
		// The index holds only patients who have had a red-zone reading, so
		// that it offers no other way to read a practice's patients.
		const update = "UPDATE patients SET last_red_at = new.created_at " +
			"WHERE id = new.patient_id AND (last_red_at IS NULL OR last_red_at < new.created_at)"
		statements := []string{
			"UPDATE patients SET last_red_at = red.latest FROM " +
				"(SELECT patient_id, MAX(created_at) AS latest FROM readings WHERE zone = 'red' GROUP BY patient_id) AS red " +
				"WHERE red.patient_id = patients.id",
			"CREATE INDEX idx_patients_last_red ON patients (last_red_at, practice_id) WHERE last_red_at IS NOT NULL",
		}
		if tx.Dialector.Name() == "postgres" {
			statements = append(statements,
				"CREATE FUNCTION note_red_reading() RETURNS trigger AS $$ BEGIN "+update+"; RETURN NULL; END; $$ LANGUAGE plpgsql",
				"CREATE TRIGGER readings_note_red AFTER INSERT ON readings FOR EACH ROW WHEN (new.zone = 'red') EXECUTE FUNCTION note_red_reading()")
		} else {
			statements = append(statements,
				"CREATE TRIGGER readings_note_red AFTER INSERT ON readings WHEN new.zone = 'red' BEGIN "+update+"; END")
		}
		for _, statement := range statements {
			if err := tx.Exec(statement).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
