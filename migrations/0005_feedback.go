package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// feedback keeps people's satisfaction scores and comments.
var feedback = &gormigrate.Migration{
	ID: "0005_feedback",
	Migrate: func(tx *gorm.DB) error {
		type Feedback struct {
			ID        uint      `gorm:"primaryKey"`
			UserID    uint      `gorm:"not null;index"`
			Score     int       `gorm:"not null"`
			Comment   string    `gorm:"size:1000;not null;default:''"`
			CreatedAt time.Time `gorm:"not null;index"`
		}
		return tx.AutoMigrate(&Feedback{})
	},
}
