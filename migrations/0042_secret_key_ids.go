package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// secretKeyIDs names, beside each secret the service must read back, the
// key it is sealed with, and makes room for the sealed webhook secrets
// (nonce and tag with the secret, in base64). Rows written before have no
// key: the service seals them as it starts, since only it knows the key.
var secretKeyIDs = &gormigrate.Migration{
	ID: "0042_secret_key_ids",
	Migrate: func(tx *gorm.DB) error {
		type WebhookEndpoint struct {
			SecretKeyID string `gorm:"size:16;not null;default:''"`
		}
		type Setting struct {
			SecretKeyID string `gorm:"size:16;not null;default:''"`
		}
		if err := tx.Migrator().AddColumn(&WebhookEndpoint{}, "SecretKeyID"); err != nil {
			return err
		}
		// SQLite does not hold text to its declared length.
		if tx.Dialector.Name() == "postgres" {
			if err := tx.Exec("ALTER TABLE webhook_endpoints ALTER COLUMN secret TYPE varchar(200), " +
				"ALTER COLUMN previous_secret TYPE varchar(200)").Error; err != nil {
				return err
			}
		}
		return tx.Migrator().AddColumn(&Setting{}, "SecretKeyID")
	},
}
