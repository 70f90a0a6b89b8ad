package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// outcomeMeasures keeps what the commissioners' measures need beyond what
// the service already holds: a row for each day a person used the service
// (for daily and weekly active people over time, one row a person a day,
// decided by the unique index), the answers to the unplanned care and
// asthma control questions at check-ins and reviews, and whether a
// requested medicine is a preventer or a reliever.
var outcomeMeasures = &gormigrate.Migration{
	ID: "0027_outcome_measures",
	Migrate: func(tx *gorm.DB) error {
		type ActivityDay struct {
			ID     uint      `gorm:"primaryKey"`
			UserID uint      `gorm:"not null;uniqueIndex:idx_activity_days_user_day,priority:1"`
			Day    time.Time `gorm:"type:date;not null;uniqueIndex:idx_activity_days_user_day,priority:2;index:idx_activity_days_day"`
		}
		type Reading struct {
			UnplannedCare string `gorm:"size:20;not null;default:''"`
			RCPScore      *int   `gorm:"column:rcp_score"`
		}
		type Review struct {
			UnplannedCare string `gorm:"size:20;not null;default:''"`
			RCPScore      *int   `gorm:"column:rcp_score"`
		}
		type PrescriptionRequest struct {
			Purpose string `gorm:"size:100;not null;default:''"`
		}
		return tx.AutoMigrate(&ActivityDay{}, &Reading{}, &Review{}, &PrescriptionRequest{})
	},
}
