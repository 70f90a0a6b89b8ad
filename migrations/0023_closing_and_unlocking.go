package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// closingAndUnlocking lets an administrator close a practice, which keeps
// its records to read but changes none of them, and unlock an account that
// too many wrong passwords have throttled: each attempt counter names, as a
// hash, the account it counts against, so every count against one account
// can be started again at once.
var closingAndUnlocking = &gormigrate.Migration{
	ID: "0023_closing_and_unlocking",
	Migrate: func(tx *gorm.DB) error {
		type Organisation struct {
			ClosedAt *time.Time
		}
		type AttemptCounter struct {
			Account string `gorm:"size:64;not null;default:'';index"`
		}
		return tx.AutoMigrate(&Organisation{}, &AttemptCounter{})
	},
}
