package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// bulkExportFiles lets an export write a resource type into several files,
// each of at most a fixed number of resources, and keeps the _typeFilter
// queries it was asked with for the job that writes it.
var bulkExportFiles = &gormigrate.Migration{
	ID: "0049_bulk_export_files",
	Migrate: func(tx *gorm.DB) error {
		type BulkExport struct {
			TypeFilters string `gorm:"size:4000;not null;default:''"`
		}
		if err := tx.Migrator().AddColumn(&BulkExport{}, "TypeFilters"); err != nil {
			return err
		}
		if err := tx.Exec("DROP INDEX idx_bulk_export_files_type").Error; err != nil {
			return err
		}
		return tx.Exec("CREATE UNIQUE INDEX idx_bulk_export_files_name ON bulk_export_files (bulk_export_id, name)").Error
	},
}
