package migrations

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// passportVersion numbers each state of what a patient's passport shows
// beyond the patient's own row: their plans with the versions people read,
// whether the templates behind them are approved, and their contacts.
// Triggers count every change in the change's own transaction, whatever
// makes it, so a server may keep a passport it has read and show it again
// while the number read with the patient is the same, on any number of
// instances. Only ever up: a number never names two states.
var passportVersion = &gormigrate.Migration{
	ID: "0028_passport_version",
	Migrate: func(tx *gorm.DB) error {
		statements := []string{"ALTER TABLE patients ADD COLUMN passport_version BIGINT NOT NULL DEFAULT 1"}
		const bump = "UPDATE patients SET passport_version = passport_version + 1 WHERE id "
		// What each change touches, as the patients it belongs to, by the
		// changed row's old and new values.
		type watched struct {
			table, patients string
		}
		changes := []watched{
			{table: "contacts", patients: "= %s.patient_id"},
			{table: "action_plans", patients: "= %s.patient_id"},
			{table: "plan_versions", patients: "= (SELECT patient_id FROM action_plans WHERE action_plans.id = %s.plan_id)"},
		}
		if tx.Dialector.Name() == "postgres" {
			for _, change := range changes {
				statements = append(statements,
					"CREATE FUNCTION note_"+change.table+"_change() RETURNS trigger AS $$ BEGIN "+
						"IF TG_OP <> 'INSERT' THEN "+bump+fmt.Sprintf(change.patients, "old")+"; END IF; "+
						"IF TG_OP <> 'DELETE' THEN "+bump+fmt.Sprintf(change.patients, "new")+"; END IF; "+
						"RETURN NULL; END; $$ LANGUAGE plpgsql",
					"CREATE TRIGGER "+change.table+"_passport_version AFTER INSERT OR UPDATE OR DELETE ON "+change.table+
						" FOR EACH ROW EXECUTE FUNCTION note_"+change.table+"_change()")
			}
			statements = append(statements,
				"CREATE FUNCTION note_template_approval() RETURNS trigger AS $$ BEGIN "+
					bump+"IN (SELECT patient_id FROM action_plans WHERE template_id = new.id); RETURN NULL; END; $$ LANGUAGE plpgsql",
				"CREATE TRIGGER condition_templates_passport_version AFTER UPDATE OF approved ON condition_templates "+
					"FOR EACH ROW WHEN (old.approved IS DISTINCT FROM new.approved) EXECUTE FUNCTION note_template_approval()")
		} else {
			for _, change := range changes {
				for _, op := range []struct{ event, rows string }{
					{"INSERT", "new"}, {"DELETE", "old"}, {"UPDATE", "old"}, {"UPDATE", "new"},
				} {
					statements = append(statements, fmt.Sprintf("CREATE TRIGGER %s_passport_%s_%s AFTER %s ON %s BEGIN %s%s; END",
						change.table, op.event, op.rows, op.event, change.table, bump, fmt.Sprintf(change.patients, op.rows)))
				}
			}
			statements = append(statements,
				"CREATE TRIGGER condition_templates_passport_version AFTER UPDATE OF approved ON condition_templates "+
					"WHEN old.approved IS NOT new.approved BEGIN "+
					bump+"IN (SELECT patient_id FROM action_plans WHERE template_id = new.id); END")
		}
		for _, statement := range statements {
			if err := tx.Exec(statement).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
