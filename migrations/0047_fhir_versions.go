package migrations

import (
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// fhirVersions numbers the versions of the rows the FHIR API serves that
// can change: a patient, a member of staff (Practitioner), a practice
// (Organization, and its patients as a Group) and a carer's link
// (RelatedPerson). Triggers count every change to what the resource says,
// in the change's own transaction, whatever makes it; the API sends the
// number as meta.versionId and ETag. Rows with an updated_at (patients,
// users) take their Last-Modified from it; the others keep the moment of
// their last counted change, empty until the first.
//
// Readings, conditions and care plans need no counter: a reading and a
// plan's condition are never changed, and a care plan's published versions
// are numbered already.
var fhirVersions = &gormigrate.Migration{
	ID: "0047_fhir_versions",
	Migrate: func(tx *gorm.DB) error {
		postgres := tx.Dialector.Name() == "postgres"
		now, instant := "strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')", "DATETIME"
		if postgres {
			now, instant = "now()", "TIMESTAMPTZ"
		}
		statements := []string{
			"ALTER TABLE patients ADD COLUMN record_version BIGINT NOT NULL DEFAULT 1",
			"ALTER TABLE users ADD COLUMN record_version BIGINT NOT NULL DEFAULT 1",
			"ALTER TABLE organisations ADD COLUMN record_version BIGINT NOT NULL DEFAULT 1",
			"ALTER TABLE organisations ADD COLUMN record_changed_at " + instant,
			"ALTER TABLE organisations ADD COLUMN cohort_version BIGINT NOT NULL DEFAULT 1",
			"ALTER TABLE organisations ADD COLUMN cohort_changed_at " + instant,
			"ALTER TABLE carer_links ADD COLUMN record_version BIGINT NOT NULL DEFAULT 1",
			"ALTER TABLE carer_links ADD COLUMN record_changed_at " + instant,
			// When a practice's patients last changed is not known: from now
			// on it is.
			"UPDATE organisations SET cohort_changed_at = " + now,
			"UPDATE carer_links SET record_changed_at = revoked_at",
		}
		// watch is a change that alters resources: on an event of table
		// (for UPDATE, of one of columns, to a different value), each
		// statement runs, naming the changed row as old or new.
		type watch struct {
			name, event, table string
			columns            []string
			statements         []string
		}
		patientColumns := []string{"ref", "nhs_number", "given_name", "family_name", "preferred_name", "date_of_birth", "practice_id", "phone", "email"}
		bumpCohort := func(row string) string {
			return "UPDATE organisations SET cohort_version = cohort_version + 1, cohort_changed_at = " + now + " WHERE id = " + row + ".practice_id"
		}
		watches := []watch{
			{name: "patients_fhir_version", event: "UPDATE", table: "patients", columns: patientColumns,
				statements: []string{"UPDATE patients SET record_version = record_version + 1 WHERE id = new.id"}},
			// A Group's members are the practice's patients, named by ref.
			{name: "patients_move_cohort", event: "UPDATE", table: "patients", columns: []string{"practice_id", "ref"},
				statements: []string{bumpCohort("old"), bumpCohort("new")}},
			{name: "users_fhir_version", event: "UPDATE", table: "users", columns: []string{"display_name", "disabled"},
				statements: []string{"UPDATE users SET record_version = record_version + 1 WHERE id = new.id"}},
			// A RelatedPerson carries the carer's name.
			{name: "users_carer_links_version", event: "UPDATE", table: "users", columns: []string{"display_name"},
				statements: []string{"UPDATE carer_links SET record_version = record_version + 1, record_changed_at = " + now + " WHERE carer_id = new.id"}},
			{name: "carer_links_fhir_version", event: "UPDATE", table: "carer_links", columns: []string{"relationship", "revoked_at", "carer_id", "patient_id"},
				statements: []string{"UPDATE carer_links SET record_version = record_version + 1, record_changed_at = " + now + " WHERE id = new.id"}},
			// A practice's name is its Organization's, its Group's, and its
			// patients' generalPractitioner's.
			{name: "organisations_fhir_version", event: "UPDATE", table: "organisations", columns: []string{"name", "ods_code"},
				statements: []string{
					"UPDATE organisations SET record_version = record_version + 1, record_changed_at = " + now +
						", cohort_version = cohort_version + 1, cohort_changed_at = " + now + " WHERE id = new.id",
					"UPDATE patients SET record_version = record_version + 1, updated_at = " + now + " WHERE practice_id = new.id",
				}},
		}
		for _, w := range watches {
			on := w.event
			var changed []string
			if len(w.columns) > 0 {
				on += " OF " + strings.Join(w.columns, ", ")
				for _, column := range w.columns {
					if postgres {
						changed = append(changed, "old."+column+" IS DISTINCT FROM new."+column)
					} else {
						changed = append(changed, "old."+column+" IS NOT new."+column)
					}
				}
			}
			when := ""
			if len(changed) > 0 {
				when = "WHEN (" + strings.Join(changed, " OR ") + ") "
			}
			body := strings.Join(w.statements, "; ") + "; "
			if postgres {
				statements = append(statements,
					"CREATE FUNCTION note_"+w.name+"() RETURNS trigger AS $$ BEGIN "+body+"RETURN NULL; END; $$ LANGUAGE plpgsql",
					"CREATE TRIGGER "+w.name+" AFTER "+on+" ON "+w.table+" FOR EACH ROW "+when+"EXECUTE FUNCTION note_"+w.name+"()")
			} else {
				statements = append(statements, "CREATE TRIGGER "+w.name+" AFTER "+on+" ON "+w.table+" FOR EACH ROW "+when+"BEGIN "+body+"END")
			}
		}
		// A practice's patients joining and leaving its Group. On PostgreSQL
		// the count runs once a statement, over the rows it added or removed,
		// by as many as there are: a row trigger would update the practice's
		// row once for each patient, and PostgreSQL keeps every version of a
		// row until the transaction ends, so a register of thousands added
		// in one transaction would slow with each patient.
		for _, cohort := range []struct{ name, event, row, rows string }{
			{"patients_join_cohort", "INSERT", "new", "NEW"},
			{"patients_leave_cohort", "DELETE", "old", "OLD"},
		} {
			if postgres {
				statements = append(statements,
					"CREATE FUNCTION note_"+cohort.name+"() RETURNS trigger AS $$ BEGIN "+
						"UPDATE organisations SET cohort_version = cohort_version + counted.patients, cohort_changed_at = "+now+
						" FROM (SELECT practice_id, count(*) AS patients FROM changed GROUP BY practice_id) AS counted"+
						" WHERE organisations.id = counted.practice_id; RETURN NULL; END; $$ LANGUAGE plpgsql",
					"CREATE TRIGGER "+cohort.name+" AFTER "+cohort.event+" ON patients REFERENCING "+cohort.rows+
						" TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_"+cohort.name+"()")
			} else {
				statements = append(statements, "CREATE TRIGGER "+cohort.name+" AFTER "+cohort.event+" ON patients FOR EACH ROW BEGIN "+
					bumpCohort(cohort.row)+"; END")
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
