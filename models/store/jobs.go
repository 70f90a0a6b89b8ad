package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"healthpassport/models"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// sweeps names the records that expire and how each is removed.
var sweeps = map[string]func(s *Store, ctx context.Context) error{
	"expired_sessions":          func(s *Store, ctx context.Context) error { return NewSessionStore(s.db).DeleteExpired() },
	"ended_devices":             (*Store).ForgetEndedDevices,
	"finished_attempt_counters": (*Store).ForgetFinishedCounters,
	"expired_exports":           (*Store).ForgetExpiredExports,
	// A form is only sent again within moments, by a double click or a retry.
	"old_form_submissions": func(s *Store, ctx context.Context) error {
		return s.ForgetSubmissionsBefore(ctx, s.now().Add(-24*time.Hour))
	},
}

// jobInserter inserts jobs in a transaction of ours. GORM's transactions are
// database/sql ones on both engines, so on PostgreSQL this is River's
// database/sql driver, whose inserts also notify the queue at once.
func jobInserter(db *gorm.DB) *river.Client[*sql.Tx] {
	sqlDB, err := db.DB()
	if err != nil {
		panic(fmt.Sprintf("models: the job queue needs a database/sql connection: %v", err))
	}
	var inserter *river.Client[*sql.Tx]
	if db.Dialector.Name() == "postgres" {
		inserter, err = river.NewClient(riverdatabasesql.New(sqlDB), &river.Config{})
	} else {
		inserter, err = river.NewClient(riversqlite.New(sqlDB), &river.Config{})
	}
	if err != nil {
		panic(fmt.Sprintf("models: the job queue refused its configuration: %v", err))
	}
	return inserter
}

// Enqueue adds a job in the transaction tx, so that it runs only if tx
// commits.
func (s *Store) Enqueue(tx *gorm.DB, args river.JobArgs) error {
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	_, err = s.jobs.InsertTx(tx.Statement.Context, sqlTx, args, nil)
	return err
}

// sqlTxOf is the database/sql transaction under a GORM one, which River
// inserts jobs in.
func sqlTxOf(tx *gorm.DB) (*sql.Tx, error) {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, errors.New("models: jobs are enqueued inside a transaction")
	}
	return sqlTx, nil
}

// Sweep removes the expired records target names; known reports whether
// a sweep has that name.
func (s *Store) Sweep(ctx context.Context, target string) (known bool, err error) {
	sweep, ok := sweeps[target]
	if !ok {
		return false, nil
	}
	return true, sweep(s, ctx)
}

// SweepTargets names every sweep.
func SweepTargets() []string { return slices.Sorted(maps.Keys(sweeps)) }

// NotifyClinic writes the message that tells the alert's clinic about it.
func (s *Store) NotifyClinic(ctx context.Context, alertID uint) error {
	var alert models.Alert
	if err := s.db.WithContext(ctx).First(&alert, alertID).Error; err != nil {
		return fmt.Errorf("alert %d: %w", alertID, notFound(err))
	}
	var patient models.Patient
	if err := s.db.WithContext(ctx).First(&patient, alert.PatientID).Error; err != nil {
		return fmt.Errorf("patient of alert %d: %w", alertID, err)
	}
	message := models.OutboxMessage{
		Key:            fmt.Sprintf("%s:%d", models.OutboxRedZoneAlert, alert.ID),
		OrganisationID: patient.PracticeID,
		PatientID:      patient.ID,
		Kind:           models.OutboxRedZoneAlert,
		Message:        "A patient recorded a red-zone reading on " + alert.CreatedAt.In(models.UK).Format("2 January 2006") + ". Check the red-zone queue.",
		CreatedAt:      s.now(),
	}
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}).Create(&message).Error
}
