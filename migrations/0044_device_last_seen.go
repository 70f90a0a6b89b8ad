package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// deviceLastSeen records when each signed-in device was last used, so a
// person can tell a device they use every day from one left signed in.
// Devices already signed in were last seen, as far as anyone knows, when
// they signed in.
var deviceLastSeen = &gormigrate.Migration{
	ID: "0044_device_last_seen",
	Migrate: func(tx *gorm.DB) error {
		type Device struct {
			LastSeenAt *time.Time
		}
		if err := tx.Migrator().AddColumn(&Device{}, "LastSeenAt"); err != nil {
			return err
		}
		return tx.Exec("UPDATE devices SET last_seen_at = created_at").Error
	},
}
