package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// webhooks adds endpoints that an organisation's systems register to hear
// of changes, the deliveries queued for them with the change, and every
// attempt to deliver.
var webhooks = &gormigrate.Migration{
	ID: "0031_webhooks",
	Migrate: func(tx *gorm.DB) error {
		type WebhookEndpoint struct {
			ID                  uint       `gorm:"primaryKey"`
			OrganisationID      uint       `gorm:"not null;index"`
			URL                 string     `gorm:"column:url;size:2000;not null"`
			Description         string     `gorm:"size:200;not null"`
			Events              string     `gorm:"size:1000;not null"`
			Secret              string     `gorm:"size:100;not null"`
			PreviousSecret      string     `gorm:"size:100;not null;default:''"`
			PreviousSecretUntil *time.Time `gorm:""`
			ConsecutiveFailures int        `gorm:"not null;default:0"`
			DisabledAt          *time.Time `gorm:""`
			DisabledReason      string     `gorm:"size:500;not null;default:''"`
			CreatedByID         uint       `gorm:"not null"`
			CreatedAt           time.Time  `gorm:"not null"`
		}
		type WebhookDelivery struct {
			ID          uint      `gorm:"primaryKey"`
			EndpointID  uint      `gorm:"not null;index:idx_webhook_deliveries_endpoint,priority:1"`
			MessageID   string    `gorm:"size:64;not null;uniqueIndex"`
			EventType   string    `gorm:"size:64;not null"`
			Payload     string    `gorm:"type:text;not null"`
			Status      string    `gorm:"size:16;not null"`
			Attempts    int       `gorm:"not null;default:0"`
			CreatedAt   time.Time `gorm:"not null;index:idx_webhook_deliveries_endpoint,priority:2,sort:desc"`
			DeliveredAt *time.Time
		}
		type WebhookAttempt struct {
			ID          uint      `gorm:"primaryKey"`
			DeliveryID  uint      `gorm:"not null;index"`
			AttemptedAt time.Time `gorm:"not null"`
			StatusCode  int       `gorm:"not null"`
			DurationMS  int64     `gorm:"column:duration_ms;not null"`
			Failure     string    `gorm:"size:500;not null;default:''"`
		}
		return tx.AutoMigrate(&WebhookEndpoint{}, &WebhookDelivery{}, &WebhookAttempt{})
	},
}
