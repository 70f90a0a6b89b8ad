package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// signInCodes adds the one-time codes that let people sign in, or set a new
// password, with a code sent to the mobile number or email address they
// have confirmed. Each code belongs to the browser that asked for it (a
// hash of a random value kept in its session), so a stranger's guesses at
// their own code never touch the owner's; only hashes are kept.
var signInCodes = &gormigrate.Migration{
	ID: "0038_sign_in_codes",
	Migrate: func(tx *gorm.DB) error {
		type SignInCode struct {
			ID        uint      `gorm:"primaryKey"`
			UserID    uint      `gorm:"not null;index"`
			Request   string    `gorm:"size:64;not null;uniqueIndex"`
			CodeHash  string    `gorm:"size:64;not null"`
			ExpiresAt time.Time `gorm:"not null"`
			CreatedAt time.Time `gorm:"not null"`
		}
		return tx.AutoMigrate(&SignInCode{})
	},
}
