package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// sickleCellDisorder names the condition by one term everywhere: "sickle
// cell disorder", SNOMED CT 417357006's preferred term, where the standard
// template and the plans made from it said "disease". Only the name
// changes: the template's content and approval stay as they were.
var sickleCellDisorder = &gormigrate.Migration{
	ID: "0039_sickle_cell_disorder",
	Migrate: func(tx *gorm.DB) error {
		for _, statement := range []string{
			"UPDATE condition_templates SET name = 'Sickle cell disorder' WHERE name = 'Sickle cell disease'",
			"UPDATE action_plans SET condition_name = 'Sickle cell disorder' WHERE condition_name = 'Sickle cell disease'",
		} {
			if err := tx.Exec(statement).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
