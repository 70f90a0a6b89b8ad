package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// shares lets a patient or carer share the emergency page with a school or
// another carer through a time-limited access code.
var shares = &gormigrate.Migration{
	ID: "0004_shares",
	Migrate: func(tx *gorm.DB) error {
		type Share struct {
			ID          uint      `gorm:"primaryKey"`
			PatientID   uint      `gorm:"not null;index"`
			CodeHash    string    `gorm:"size:64;not null;uniqueIndex"`
			Recipient   string    `gorm:"size:200;not null"`
			CreatedByID uint      `gorm:"not null"`
			ExpiresAt   time.Time `gorm:"not null"`
			RevokedAt   *time.Time
			LastUsedAt  *time.Time
			CreatedAt   time.Time `gorm:"not null"`
		}
		return tx.AutoMigrate(&Share{})
	},
}
