package app

import (
	"path/filepath"

	"healthpassport/models"
	"healthpassport/models/fhirmap"

	"gorm.io/gorm"
)

// NewStore is the store as the service runs it: bulk exports are written
// under the data folder, whichever database is used.
func NewStore(db *gorm.DB, cfg Config) *models.Store {
	return models.NewStore(db).WithExports(models.Exports{
		Storage: models.DirStorage(filepath.Join(cfg.DataDir, "exports")),
		Types:   fhirmap.ExportTypes,
	})
}
