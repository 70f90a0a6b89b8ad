package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"gorm.io/gorm"
)

// backgroundJobs adds the outbox of messages for clinics, which background
// jobs fill. The jobs' own tables are River's: see migrateJobQueue.
var backgroundJobs = &gormigrate.Migration{
	ID: "0013_background_jobs",
	Migrate: func(tx *gorm.DB) error {
		type OutboxMessage struct {
			ID             uint      `gorm:"primaryKey"`
			Key            string    `gorm:"size:100;not null;uniqueIndex"`
			OrganisationID uint      `gorm:"not null;index"`
			PatientID      uint      `gorm:"not null"`
			Kind           string    `gorm:"size:40;not null"`
			Message        string    `gorm:"size:500;not null"`
			CreatedAt      time.Time `gorm:"not null;index"`
		}
		return tx.AutoMigrate(&OutboxMessage{})
	},
}

// jobQueueVersion is the version of River's schema, on its main line, that
// the job queue needs. It is pinned so that upgrading River cannot change
// the schema unasked: raise it in a later step.
const jobQueueVersion = 6

// migrateJobQueue brings River's tables to jobQueueVersion with River's own
// migrator, each of its versions in a transaction of its own. It cannot run
// inside our steps' single transaction: PostgreSQL refuses to use an enum
// value added in the same transaction, and River's version 6 uses the one
// its version 4 adds.
func migrateJobQueue(db *gorm.DB) error {
	migrator, current, err := jobQueueMigrator(db)
	if err != nil || current >= jobQueueVersion {
		return err
	}
	_, err = migrator.Migrate(context.Background(), rivermigrate.DirectionUp,
		&rivermigrate.MigrateOpts{TargetVersion: jobQueueVersion})
	return err
}

// jobQueueMigrator is River's migrator for the engine in use, and the
// newest version of River's schema applied so far (0 for none).
func jobQueueMigrator(db *gorm.DB) (*rivermigrate.Migrator[*sql.Tx], int, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, 0, err
	}
	var driver riverdriver.Driver[*sql.Tx] = riversqlite.New(sqlDB)
	if db.Dialector.Name() == "postgres" {
		driver = riverdatabasesql.New(sqlDB)
	}
	migrator, err := rivermigrate.New(driver, nil)
	if err != nil {
		return nil, 0, err
	}
	applied, err := migrator.ExistingVersions(context.Background())
	if err != nil {
		return nil, 0, fmt.Errorf("reading the job queue's schema version: %w", err)
	}
	current := 0
	for _, version := range applied {
		current = max(current, version.Version)
	}
	return migrator, current, nil
}
