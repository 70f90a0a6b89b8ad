package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// lastActive notes the last day each person used the service, for counting
// daily and weekly active users without reading the audit log.
var lastActive = &gormigrate.Migration{
	ID: "0016_last_active",
	Migrate: func(tx *gorm.DB) error {
		type User struct {
			LastActiveOn *time.Time `gorm:"type:date"`
		}
		return tx.AutoMigrate(&User{})
	},
}
