package jobs

import (
	"context"
	"fmt"
	"time"

	"healthpassport/models/store"

	"github.com/riverqueue/river"
)

// addWorkers gives every kind of job its worker, each doing its work
// through the store. Most are one call; the few that take longer than
// River's default minute, or retry on a schedule of their own, are types
// below.
func addWorkers(workers *river.Workers, s *store.Store) {
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[store.NotifyClinicArgs]) error {
		return s.NotifyClinic(ctx, job.Args.AlertID)
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[store.SweepArgs]) error {
		known, err := s.Sweep(ctx, job.Args.Target)
		if !known {
			return river.JobCancel(fmt.Errorf("no sweep removes %q", job.Args.Target))
		}
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[store.AuditCheckpointArgs]) error {
		_, err := s.AuditCheckpoint(ctx)
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[store.SendMessageArgs]) error {
		return s.SendMessage(ctx, job.Args.MessageID, job.Attempt >= job.MaxAttempts)
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[store.RemindersArgs]) error {
		return s.QueueReminders(ctx)
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[store.DeliveryChecksArgs]) error {
		return s.CheckDeliveries(ctx)
	}))
	river.AddWorker(workers, &exportWorker{store: s})
	river.AddWorker(workers, &webhookWorker{store: s})
	river.AddWorker(workers, &refreshOutcomesWorker{store: s})
}

type exportWorker struct {
	river.WorkerDefaults[store.ExportArgs]
	store *store.Store
}

// An export of a large population takes minutes, not River's default one.
func (w *exportWorker) Timeout(*river.Job[store.ExportArgs]) time.Duration { return 2 * time.Hour }

func (w *exportWorker) Work(ctx context.Context, job *river.Job[store.ExportArgs]) error {
	return w.store.RunExport(ctx, job.Args.ExportID)
}

type webhookWorker struct {
	river.WorkerDefaults[store.WebhookArgs]
	store *store.Store
}

func (w *webhookWorker) Work(ctx context.Context, job *river.Job[store.WebhookArgs]) error {
	return w.store.DeliverWebhook(ctx, job.Args.DeliveryID, job.Attempt)
}

// NextRetry follows the store's schedule of waits.
func (w *webhookWorker) NextRetry(job *river.Job[store.WebhookArgs]) time.Time {
	return time.Now().Add(w.store.WebhookRetryWait(job.Attempt))
}

type refreshOutcomesWorker struct {
	river.WorkerDefaults[store.RefreshOutcomesArgs]
	store *store.Store
}

// A full rebuild of a large population takes more than River's default
// minute.
func (w *refreshOutcomesWorker) Timeout(*river.Job[store.RefreshOutcomesArgs]) time.Duration {
	return 30 * time.Minute
}

func (w *refreshOutcomesWorker) Work(ctx context.Context, job *river.Job[store.RefreshOutcomesArgs]) error {
	return w.store.RefreshOutcomesDue(ctx)
}
