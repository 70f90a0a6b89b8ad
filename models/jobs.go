package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Work that must happen after a change is a River job, inserted in the
// change's own transaction: it runs once the change is committed, and never
// if the change is rolled back.

// OutboxMessage is a message for a clinic, written by a background job.
// Its key names what it is about, so that a job run twice writes it once.
type OutboxMessage struct {
	ID             uint
	Key            string
	OrganisationID uint
	PatientID      uint
	Kind           string
	Message        string
	CreatedAt      time.Time
}

// OutboxRedZoneAlert is the kind of message that tells a clinic about a
// red-zone alert.
const OutboxRedZoneAlert = "red_zone_alert"

// NotifyClinicArgs asks for the clinic to be told about a red-zone alert.
type NotifyClinicArgs struct {
	AlertID uint `json:"alert_id"`
}

func (NotifyClinicArgs) Kind() string { return "notify_clinic" }

// SweepArgs asks for one kind of expired record to be removed.
type SweepArgs struct {
	Target string `json:"target"`
}

func (SweepArgs) Kind() string { return "sweep" }

// sweepInterval is how often each sweep runs, on one instance at a time.
const sweepInterval = 10 * time.Minute

// sweeps names the records that expire and how each is removed.
var sweeps = map[string]func(s *Store) error{
	"expired_sessions":          func(s *Store) error { return NewSessionStore(s.db).DeleteExpired() },
	"ended_devices":             (*Store).ForgetEndedDevices,
	"finished_attempt_counters": (*Store).ForgetFinishedCounters,
	"expired_exports":           (*Store).ForgetExpiredExports,
	// A form is only sent again within moments, by a double click or a retry.
	"old_form_submissions": func(s *Store) error { return s.ForgetSubmissionsBefore(s.now().Add(-24 * time.Hour)) },
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

// notifyClinic writes the message that tells the alert's clinic about it.
func (s *Store) notifyClinic(alertID uint) error {
	var alert Alert
	if err := s.db.First(&alert, alertID).Error; err != nil {
		return fmt.Errorf("alert %d: %w", alertID, notFound(err))
	}
	var patient Patient
	if err := s.db.First(&patient, alert.PatientID).Error; err != nil {
		return fmt.Errorf("patient of alert %d: %w", alertID, err)
	}
	message := OutboxMessage{
		Key:            fmt.Sprintf("%s:%d", OutboxRedZoneAlert, alert.ID),
		OrganisationID: patient.PracticeID,
		PatientID:      patient.ID,
		Kind:           OutboxRedZoneAlert,
		Message:        "A patient recorded a red-zone reading on " + alert.CreatedAt.In(UK).Format("2 January 2006") + ". Check the red-zone queue.",
		CreatedAt:      s.now(),
	}
	return s.db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}).Create(&message).Error
}

type notifyClinicWorker struct {
	river.WorkerDefaults[NotifyClinicArgs]
	store *Store
}

func (w *notifyClinicWorker) Work(ctx context.Context, job *river.Job[NotifyClinicArgs]) error {
	return w.store.notifyClinic(job.Args.AlertID)
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	store *Store
}

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	sweep, ok := sweeps[job.Args.Target]
	if !ok {
		return river.JobCancel(fmt.Errorf("no sweep removes %q", job.Args.Target))
	}
	return sweep(w.store)
}

// RetryJobsAfter replaces River's waits before each retry of a failed job
// (a second, then sixteen, then eighty-one and so on) with these, the last
// repeated once they run out. A webhook's delivery keeps its own schedule:
// see RetryWebhooksAfter.
func (s *Store) RetryJobsAfter(waits []time.Duration) { s.jobRetries = waits }

// retrySchedule is a River retry policy that waits as it lists.
type retrySchedule []time.Duration

// NextRetry is called with the errors before this attempt's, one for each
// attempt already failed.
func (r retrySchedule) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(r[min(len(job.Errors), len(r)-1)])
}

// JobQueue works background jobs in this process.
type JobQueue struct {
	stop func(context.Context) error
}

// StartJobQueue starts working background jobs: the sweeps every
// sweepInterval and the outcome rollup's refresh every RollupInterval (the
// first of each at once), and a checkpoint of the audit log every
// auditCheckpointInterval. On PostgreSQL it opens a small pool of
// its own, to the same database, to hear of new jobs as they are committed;
// on SQLite it shares the one connection and looks for jobs every second.
func (s *Store) StartJobQueue(ctx context.Context) (*JobQueue, error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &notifyClinicWorker{store: s})
	river.AddWorker(workers, &sweepWorker{store: s})
	river.AddWorker(workers, &exportWorker{store: s})
	river.AddWorker(workers, &webhookWorker{store: s})
	river.AddWorker(workers, &refreshOutcomesWorker{store: s})
	river.AddWorker(workers, &auditCheckpointWorker{store: s})
	config := &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers: workers,
		Logger:  slog.Default(),
		// Rebuilding indexes needs the tables' owner, which the serving
		// role is not: the owner can reindex during maintenance.
		ReindexerSchedule: river.NeverSchedule(),
	}
	if s.jobRetries != nil {
		config.RetryPolicy = s.jobRetries
	}
	s.addMessageWorkers(workers, config)
	for target := range sweeps {
		config.PeriodicJobs = append(config.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(sweepInterval),
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{Target: target}, nil },
			&river.PeriodicJobOpts{ID: "sweep_" + target, RunOnStart: true}))
	}
	// The outcome rollup is refreshed every RollupInterval, the first time at
	// once, so that a new instance builds it if it has never been built.
	config.PeriodicJobs = append(config.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(RollupInterval),
		func() (river.JobArgs, *river.InsertOpts) { return RefreshOutcomesArgs{}, refreshOutcomesOpts },
		&river.PeriodicJobOpts{ID: "refresh_outcomes", RunOnStart: true}))
	// A checkpoint of the audit log every hour. Not at start: it checks the
	// whole chain, which on a large log would hold up the work a starting
	// instance has to do first.
	config.PeriodicJobs = append(config.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(auditCheckpointInterval),
		func() (river.JobArgs, *river.InsertOpts) { return AuditCheckpointArgs{}, nil },
		&river.PeriodicJobOpts{ID: "audit_checkpoint"}))
	if dialector, ok := s.db.Dialector.(*postgres.Dialector); ok {
		pool, err := pgxpool.New(ctx, dialector.Config.DSN)
		if err != nil {
			return nil, fmt.Errorf("connecting the job queue: %w", err)
		}
		client, err := river.NewClient[pgx.Tx](riverpgxv5.New(pool), config)
		if err == nil {
			err = client.Start(ctx)
		}
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("starting the job queue: %w", err)
		}
		return &JobQueue{stop: func(ctx context.Context) error {
			defer pool.Close()
			return client.Stop(ctx)
		}}, nil
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	client, err := river.NewClient(riversqlite.New(sqlDB), config)
	if err == nil {
		err = client.Start(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("starting the job queue: %w", err)
	}
	return &JobQueue{stop: client.Stop}, nil
}

// Stop waits for running jobs to finish, until ctx ends, and stops working
// new ones. Jobs not yet run stay in the queue for the next start.
func (q *JobQueue) Stop(ctx context.Context) error { return q.stop(ctx) }
