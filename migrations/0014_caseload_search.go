package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// caseloadSearch keeps the caseload quick at a hundred thousand patients:
// an index for any part of a name (trigrams on PostgreSQL, an FTS5 trigram
// table kept in step by triggers on SQLite), and indexes for a date of
// birth and for red-zone readings. An NHS number, or its first digits, is
// found with the unique index it already has, reviews coming due with that
// of step 0001, and repeat prescription requests waiting for a decision
// with the partial unique index of step 0007.
var caseloadSearch = &gormigrate.Migration{
	ID: "0014_caseload_search",
	Migrate: func(tx *gorm.DB) error {
		statements := []string{
			"CREATE INDEX idx_patients_date_of_birth ON patients (practice_id, date_of_birth)",
			"CREATE INDEX idx_readings_red ON readings (created_at, patient_id) WHERE zone = 'red'",
		}
		if tx.Dialector.Name() == "postgres" {
			trigrams, err := trigramOperators(tx)
			if err != nil {
				return err
			}
			// The caseload's name search looks in this expression, written
			// the same way.
			statements = append(statements, "CREATE INDEX idx_patients_name_trigrams ON patients USING gin "+
				"((lower(given_name || ' ' || family_name || ' ' || preferred_name)) "+trigrams+")")
		} else {
			name := "new.given_name || ' ' || new.family_name || ' ' || new.preferred_name"
			statements = append(statements,
				"CREATE VIRTUAL TABLE patient_names USING fts5(name, tokenize = 'trigram')",
				"INSERT INTO patient_names (rowid, name) SELECT id, given_name || ' ' || family_name || ' ' || preferred_name FROM patients",
				"CREATE TRIGGER patient_names_insert AFTER INSERT ON patients BEGIN INSERT INTO patient_names (rowid, name) VALUES (new.id, "+name+"); END",
				"CREATE TRIGGER patient_names_update AFTER UPDATE OF given_name, family_name, preferred_name ON patients BEGIN UPDATE patient_names SET name = "+name+" WHERE rowid = new.id; END",
				"CREATE TRIGGER patient_names_delete AFTER DELETE ON patients BEGIN DELETE FROM patient_names WHERE rowid = old.id; END",
			)
		}
		for _, statement := range statements {
			if err := tx.Exec(statement).Error; err != nil {
				return err
			}
		}
		return nil
	},
}

// trigramOperators makes sure the pg_trgm extension is there and names its
// index operator class wherever it was installed. Creating an extension
// needs a superuser or the database's owner: where the migrating role is
// neither, one of them creates it first, as the README says.
func trigramOperators(tx *gorm.DB) (string, error) {
	// Two databases migrating at once on one server would both try to
	// create the extension; the lock lets one at a time look.
	if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext('create extension pg_trgm'))").Error; err != nil {
		return "", err
	}
	if err := tx.Exec("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public").Error; err != nil {
		return "", err
	}
	var schema string
	err := tx.Raw("SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'").
		Scan(&schema).Error
	return schema + ".gin_trgm_ops", err
}
