// Package jobs works the service's background jobs: every River worker, and
// the queue that runs them, set up in one place by Start.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"healthpassport/models"
	"healthpassport/models/store"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/driver/postgres"
)

// How often each job that runs on a schedule runs, on one instance at a
// time.
const (
	// sweepInterval is how often each sweep of expired records runs.
	sweepInterval = 10 * time.Minute
	// auditCheckpointInterval is how often a checkpoint of the audit log
	// is recorded.
	auditCheckpointInterval = time.Hour
	// Reminders each hour, and delivery checks every quarter of an hour.
	remindersInterval      = time.Hour
	deliveryChecksInterval = 15 * time.Minute
)

// Each queue's workers in one instance: clinical work is short and a person
// waits on it; bulk work is long (an export of a whole population takes
// minutes), and two at a time leave the database room for everything else.
const (
	ClinicalWorkers = 4
	BulkWorkers     = 2
)

// refreshOutcomesOpts keeps one refresh waiting or running at a time.
// Finished ones do not count, so the next can be queued.
var refreshOutcomesOpts = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled}}}

// retrySchedule is a River retry policy that waits as it lists.
type retrySchedule []time.Duration

// NextRetry is called with the errors before this attempt's, one for each
// attempt already failed.
func (r retrySchedule) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(r[min(len(job.Errors), len(r)-1)])
}

// Queue works background jobs in this process.
type Queue struct {
	stop func(context.Context) error
}

// Start starts working background jobs: the sweeps every sweepInterval and
// the outcome rollup's refresh every RollupInterval (the first of each at
// once), reminders and delivery checks, and a checkpoint of the audit log
// every auditCheckpointInterval; and, beside the queue, chains waiting audit
// entries every AuditFoldInterval. On PostgreSQL it opens a small pool of its
// own, to the same database, to hear of new jobs as they are committed; on
// SQLite it shares the one connection and looks for jobs every second.
func Start(ctx context.Context, s *store.Store) (*Queue, error) {
	workers := river.NewWorkers()
	addWorkers(workers, s)
	config := &river.Config{
		// Clinical work has workers of its own: a red-zone alert never
		// waits for a bulk export or the rollup to finish.
		Queues:  map[string]river.QueueConfig{store.QueueClinical: {MaxWorkers: ClinicalWorkers}, store.QueueBulk: {MaxWorkers: BulkWorkers}},
		Workers: workers,
		Logger:  slog.Default(),
		// Rebuilding indexes needs the tables' owner, which the serving
		// role is not: the owner can reindex during maintenance.
		ReindexerSchedule: river.NeverSchedule(),
	}
	if waits := s.JobRetries(); waits != nil {
		config.RetryPolicy = retrySchedule(waits)
	}
	for _, target := range store.SweepTargets() {
		config.PeriodicJobs = append(config.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(sweepInterval),
			func() (river.JobArgs, *river.InsertOpts) { return store.SweepArgs{Target: target}, nil },
			&river.PeriodicJobOpts{ID: "sweep_" + target, RunOnStart: true}))
	}
	// The outcome rollup is refreshed every RollupInterval, the first time at
	// once, so that a new instance builds it if it has never been built.
	config.PeriodicJobs = append(config.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(models.RollupInterval),
		func() (river.JobArgs, *river.InsertOpts) { return store.RefreshOutcomesArgs{}, refreshOutcomesOpts },
		&river.PeriodicJobOpts{ID: "refresh_outcomes", RunOnStart: true}))
	// A checkpoint of the audit log every hour. Not at start: it checks the
	// whole chain, which on a large log would hold up the work a starting
	// instance has to do first.
	config.PeriodicJobs = append(config.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(auditCheckpointInterval),
		func() (river.JobArgs, *river.InsertOpts) { return store.AuditCheckpointArgs{}, nil },
		&river.PeriodicJobOpts{ID: "audit_checkpoint"}))
	config.PeriodicJobs = append(config.PeriodicJobs,
		river.NewPeriodicJob(river.PeriodicInterval(remindersInterval),
			func() (river.JobArgs, *river.InsertOpts) { return store.RemindersArgs{}, nil },
			&river.PeriodicJobOpts{ID: "queue_reminders", RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(deliveryChecksInterval),
			func() (river.JobArgs, *river.InsertOpts) { return store.DeliveryChecksArgs{}, nil },
			&river.PeriodicJobOpts{ID: "check_deliveries"}))
	db := s.DB()
	if dialector, ok := db.Dialector.(*postgres.Dialector); ok {
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
		folder := startAuditFolder(ctx, s, AuditFoldInterval)
		return &Queue{stop: func(ctx context.Context) error {
			defer pool.Close()
			return errors.Join(client.Stop(ctx), folder.stop(ctx, s))
		}}, nil
	}
	sqlDB, err := db.DB()
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
	folder := startAuditFolder(ctx, s, AuditFoldInterval)
	return &Queue{stop: func(ctx context.Context) error {
		return errors.Join(client.Stop(ctx), folder.stop(ctx, s))
	}}, nil
}

// Stop waits for running jobs to finish, until ctx ends, and stops working
// new ones, then chains the audit entries still waiting. Jobs not yet run
// stay in the queue for the next start.
func (q *Queue) Stop(ctx context.Context) error { return q.stop(ctx) }
