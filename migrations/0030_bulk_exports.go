package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// bulkExports adds FHIR bulk exports: a machine client asks for one, the
// queue writes one NDJSON file per resource type, and the client fetches
// the files until they expire.
var bulkExports = &gormigrate.Migration{
	ID: "0030_bulk_exports",
	Migrate: func(tx *gorm.DB) error {
		type BulkExport struct {
			ID              uint       `gorm:"primaryKey"`
			Ref             string     `gorm:"size:32;not null;uniqueIndex"`
			APIClientID     uint       `gorm:"not null;index"`
			OrganisationID  uint       `gorm:"not null"`
			Kind            string     `gorm:"size:16;not null"`
			Types           string     `gorm:"size:1000;not null"`
			Since           *time.Time `gorm:""`
			Request         string     `gorm:"size:2000;not null"`
			Status          string     `gorm:"size:16;not null"`
			Progress        string     `gorm:"size:200;not null;default:''"`
			Failure         string     `gorm:"size:1000;not null;default:''"`
			TransactionTime time.Time  `gorm:"not null"`
			FinishedAt      *time.Time `gorm:""`
			ExpiresAt       time.Time  `gorm:"not null;index"`
			CreatedAt       time.Time  `gorm:"not null"`
		}
		type BulkExportFile struct {
			ID           uint   `gorm:"primaryKey"`
			BulkExportID uint   `gorm:"not null;uniqueIndex:idx_bulk_export_files_type"`
			ResourceType string `gorm:"size:64;not null;uniqueIndex:idx_bulk_export_files_type"`
			Name         string `gorm:"size:200;not null"`
			Count        int64  `gorm:"not null"`
		}
		return tx.AutoMigrate(&BulkExport{}, &BulkExportFile{})
	},
}
