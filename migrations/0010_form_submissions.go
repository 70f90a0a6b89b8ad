package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// formSubmissions remembers which forms have been sent, by the one-time key
// each form carries, so that a form sent twice is acted on once.
var formSubmissions = &gormigrate.Migration{
	ID: "0010_form_submissions",
	Migrate: func(tx *gorm.DB) error {
		type FormSubmission struct {
			ID            uint      `gorm:"primaryKey"`
			Scope         string    `gorm:"size:80;not null;uniqueIndex:idx_form_submissions_key,priority:1"`
			SubmissionKey string    `gorm:"size:64;not null;uniqueIndex:idx_form_submissions_key,priority:2"`
			Location      string    `gorm:"size:2048;not null;default:''"`
			CreatedAt     time.Time `gorm:"not null;index"`
		}
		return tx.AutoMigrate(&FormSubmission{})
	},
}
