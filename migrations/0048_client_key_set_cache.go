package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// clientKeySetCache keeps, on a client whose keys are fetched from an
// address, when they were last fetched and until when they may be kept,
// so that every instance of the service, and one just restarted, uses the
// same fetched set until it expires; and when they were last asked for,
// so that an unknown key id sends at most one request a minute to the
// client's server, however many instances see it.
var clientKeySetCache = &gormigrate.Migration{
	ID: "0048_client_key_set_cache",
	Migrate: func(tx *gorm.DB) error {
		type APIClient struct {
			KeysFetchedAt *time.Time
			KeysExpireAt  *time.Time
			KeysCheckedAt *time.Time
		}
		for _, column := range []string{"KeysFetchedAt", "KeysExpireAt", "KeysCheckedAt"} {
			if err := tx.Migrator().AddColumn(&APIClient{}, column); err != nil {
				return err
			}
		}
		return nil
	},
}
