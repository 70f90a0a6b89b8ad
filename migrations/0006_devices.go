package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// devices records which sessions belong to whom, so people can see where
// they are signed in and sign those places out.
var devices = &gormigrate.Migration{
	ID: "0006_devices",
	Migrate: func(tx *gorm.DB) error {
		type Device struct {
			ID        uint      `gorm:"primaryKey"`
			UserID    uint      `gorm:"not null;index"`
			Token     string    `gorm:"size:64;not null;uniqueIndex"`
			UserAgent string    `gorm:"size:300;not null;default:''"`
			IPAddress string    `gorm:"size:64;not null;default:''"`
			CreatedAt time.Time `gorm:"not null"`
		}
		return tx.AutoMigrate(&Device{})
	},
}
