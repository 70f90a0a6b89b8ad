package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// clinicalSafety records who approved each template version and when,
// keeps drafts of plans from patients, carers and schools, and gathers a
// person's red-zone readings of one day into one alert that counts them.
var clinicalSafety = &gormigrate.Migration{
	ID: "0012_clinical_safety",
	Migrate: func(tx *gorm.DB) error {
		type ConditionTemplate struct {
			ApprovedBy string `gorm:"size:100;not null;default:''"`
			ApprovedAt *time.Time
		}
		// Versions saved before drafts existed were all shown to patients.
		type PlanVersion struct {
			State string `gorm:"size:16;not null;default:'published'"`
		}
		type Alert struct {
			RaisedOn     string `gorm:"size:10;not null;default:''"`
			ReadingCount int    `gorm:"not null;default:1"`
		}
		if err := tx.AutoMigrate(&ConditionTemplate{}, &PlanVersion{}, &Alert{}); err != nil {
			return err
		}
		day := "substr(created_at, 1, 10)"
		if tx.Dialector.Name() == "postgres" {
			day = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
		}
		sameDay := "FROM alerts a2 WHERE a2.patient_id = alerts.patient_id AND a2.raised_on = alerts.raised_on AND a2.status = 'open'"
		for _, statement := range []string{
			"UPDATE alerts SET raised_on = " + day,
			// Open alerts of one person and day become the earliest of them,
			// counting them all, so that the index below can hold.
			"UPDATE alerts SET reading_count = (SELECT COUNT(*) " + sameDay + ") WHERE status = 'open'",
			"DELETE FROM alerts WHERE status = 'open' AND id > (SELECT MIN(a2.id) " + sameDay + ")",
			"CREATE UNIQUE INDEX idx_alerts_open_day ON alerts (patient_id, raised_on) WHERE status = 'open'",
		} {
			if err := tx.Exec(statement).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
