package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// templateGovernance puts condition templates under a clinical safety
// officer's governance in the browser: an approval carries a statement and
// a reference to the local safety case, and the officer's account; a
// version can be retired; and an administrator's local variant records the
// version it was made from and who made it.
var templateGovernance = &gormigrate.Migration{
	ID: "0025_template_governance",
	Migrate: func(tx *gorm.DB) error {
		type ConditionTemplate struct {
			SafetyStatement string `gorm:"size:2000;not null;default:''"`
			SafetyCaseRef   string `gorm:"size:200;not null;default:''"`
			ApprovedByID    *uint
			RetiredBy       string `gorm:"size:100;not null;default:''"`
			RetiredByID     *uint
			RetiredAt       *time.Time
			BasedOnID       *uint
			CreatedByID     *uint
		}
		return tx.AutoMigrate(&ConditionTemplate{})
	},
}
