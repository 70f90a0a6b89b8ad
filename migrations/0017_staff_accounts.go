package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// staffAccounts lets an ICB's administrators invite their own staff: a
// member of staff has a work email, unique among staff, and sets up their
// account with a one-time code from a letter, as patients do.
var staffAccounts = &gormigrate.Migration{
	ID: "0017_staff_accounts",
	Migrate: func(tx *gorm.DB) error {
		type User struct {
			Email string `gorm:"size:254;not null;default:''"`
		}
		type StaffActivationCode struct {
			ID          uint
			UserID      uint      `gorm:"not null;index"`
			CodeHash    string    `gorm:"size:64;not null;uniqueIndex"`
			CreatedByID uint      `gorm:"not null"`
			ExpiresAt   time.Time `gorm:"not null"`
			UsedAt      *time.Time
			CreatedAt   time.Time `gorm:"not null"`
		}
		if err := tx.AutoMigrate(&User{}, &StaffActivationCode{}); err != nil {
			return err
		}
		return tx.Exec("CREATE UNIQUE INDEX idx_users_staff_email ON users (email) WHERE email <> ''").Error
	},
}
