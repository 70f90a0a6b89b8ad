package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// apiClientKeysURL keeps, for a client registered with the address of its
// key set rather than the key set itself, that address, so administrators
// can see where its keys came from.
var apiClientKeysURL = &gormigrate.Migration{
	ID: "0029_api_client_keys_url",
	Migrate: func(tx *gorm.DB) error {
		type APIClient struct {
			KeysURL string `gorm:"size:2000;not null;default:''"`
		}
		return tx.Migrator().AddColumn(&APIClient{}, "KeysURL")
	},
}
