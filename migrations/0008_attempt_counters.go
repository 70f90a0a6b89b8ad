package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// attemptCounters replaces the log of sign-in attempts with one counter per
// thing guesses are counted against (an account from an address, a device,
// an address, a code), so that an attempt is reserved by one conditional
// write before the secret is checked and no burst of guesses can overtake
// the limit.
var attemptCounters = &gormigrate.Migration{
	ID: "0008_attempt_counters",
	Migrate: func(tx *gorm.DB) error {
		type AttemptCounter struct {
			Key      string    `gorm:"primaryKey;size:64"`
			Used     int       `gorm:"not null"`
			ResetsAt time.Time `gorm:"not null;index"`
		}
		if err := tx.AutoMigrate(&AttemptCounter{}); err != nil {
			return err
		}
		return tx.Migrator().DropTable("sign_in_attempts")
	},
}
