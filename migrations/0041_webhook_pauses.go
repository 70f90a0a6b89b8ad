package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// webhookPauses records when an administrator paused a webhook endpoint,
// so that a pause is told apart from the switching off that follows failed
// deliveries.
var webhookPauses = &gormigrate.Migration{
	ID: "0041_webhook_pauses",
	Migrate: func(tx *gorm.DB) error {
		type WebhookEndpoint struct {
			PausedAt *time.Time
		}
		return tx.Migrator().AddColumn(&WebhookEndpoint{}, "PausedAt")
	},
}
