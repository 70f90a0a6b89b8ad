package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// apiClients adds the machine clients that read patients' records through
// the FHIR API: each acts for one organisation, proves who it is with a
// signed assertion that may be used only once, and gets a short-lived
// access token, of which only a hash is kept.
var apiClients = &gormigrate.Migration{
	ID: "0019_api_clients",
	Migrate: func(tx *gorm.DB) error {
		type APIClient struct {
			ID             uint       `gorm:"primaryKey"`
			ClientID       string     `gorm:"size:64;not null;uniqueIndex"`
			Name           string     `gorm:"size:200;not null"`
			OrganisationID uint       `gorm:"not null;index"`
			Scopes         string     `gorm:"size:1000;not null"`
			PublicKeys     string     `gorm:"type:text;not null"`
			RevokedAt      *time.Time `gorm:""`
			CreatedAt      time.Time  `gorm:"not null"`
		}
		type APIClientAssertion struct {
			ID          uint      `gorm:"primaryKey"`
			APIClientID uint      `gorm:"not null;uniqueIndex:idx_api_client_assertions_jti"`
			JTI         string    `gorm:"column:jti;size:255;not null;uniqueIndex:idx_api_client_assertions_jti"`
			ExpiresAt   time.Time `gorm:"not null"`
		}
		type APIAccessToken struct {
			ID          uint      `gorm:"primaryKey"`
			TokenHash   string    `gorm:"size:64;not null;uniqueIndex"`
			APIClientID uint      `gorm:"not null;index"`
			Scopes      string    `gorm:"size:1000;not null"`
			ExpiresAt   time.Time `gorm:"not null"`
			CreatedAt   time.Time `gorm:"not null"`
		}
		return tx.AutoMigrate(&APIClient{}, &APIClientAssertion{}, &APIAccessToken{})
	},
}
