package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// nhsLogin links NHS login identities to accounts: one identity to one
// account and one account to one identity, decided by unique indexes.
var nhsLogin = &gormigrate.Migration{
	ID: "0020_nhs_login",
	Migrate: func(tx *gorm.DB) error {
		type NHSLoginIdentity struct {
			ID        uint
			Subject   string    `gorm:"size:255;not null;uniqueIndex"`
			UserID    uint      `gorm:"not null;uniqueIndex"`
			CreatedAt time.Time `gorm:"not null"`
		}
		return tx.AutoMigrate(&NHSLoginIdentity{})
	},
}
