package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// notifications adds what people are sent by SMS, email and letter: each
// person's choice of channel and quiet hours, the codes that prove a
// number or address is theirs, the events people are told about, each
// once (its key is unique), and every message, one row per person told.
var notifications = &gormigrate.Migration{
	ID: "0032_notifications",
	Migrate: func(tx *gorm.DB) error {
		type NotificationPreference struct {
			UserID          uint   `gorm:"primaryKey;autoIncrement:false"`
			Channel         string `gorm:"size:10;not null"`
			Phone           string `gorm:"size:40;not null"`
			PhoneVerifiedAt *time.Time
			Email           string `gorm:"size:254;not null"`
			EmailVerifiedAt *time.Time
			Address         string    `gorm:"size:400;not null"`
			Postcode        string    `gorm:"size:10;not null"`
			QuietHours      bool      `gorm:"not null"`
			UpdatedAt       time.Time `gorm:"not null"`
		}
		type ContactVerification struct {
			UserID      uint      `gorm:"primaryKey;autoIncrement:false"`
			Channel     string    `gorm:"size:10;not null"`
			Destination string    `gorm:"size:254;not null"`
			CodeHash    string    `gorm:"size:64;not null"`
			ExpiresAt   time.Time `gorm:"not null"`
			CreatedAt   time.Time `gorm:"not null"`
		}
		type Notification struct {
			ID             uint   `gorm:"primaryKey"`
			Key            string `gorm:"size:150;not null;uniqueIndex"`
			UserID         *uint
			PatientID      *uint
			OrganisationID *uint     `gorm:"index:idx_notifications_organisation,priority:1"`
			Kind           string    `gorm:"size:40;not null"`
			Channel        string    `gorm:"size:10;not null"`
			Destination    string    `gorm:"size:420;not null"`
			RecipientName  string    `gorm:"size:200;not null"`
			Body           string    `gorm:"size:1000;not null"`
			Urgent         bool      `gorm:"not null"`
			SendAfter      time.Time `gorm:"not null"`
			Status         string    `gorm:"size:20;not null;index"`
			NotifyID       string    `gorm:"size:64;not null"`
			Failure        string    `gorm:"size:300;not null"`
			SentAt         *time.Time
			PrintedAt      *time.Time
			PrintedByID    *uint
			CreatedAt      time.Time `gorm:"not null;index:idx_notifications_organisation,priority:2"`
		}
		type NotificationEvent struct {
			ID        uint      `gorm:"primaryKey"`
			Key       string    `gorm:"size:120;not null;uniqueIndex"`
			CreatedAt time.Time `gorm:"not null"`
		}
		return tx.AutoMigrate(&NotificationPreference{}, &ContactVerification{}, &NotificationEvent{}, &Notification{})
	},
}
