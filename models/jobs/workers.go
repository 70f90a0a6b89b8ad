package jobs

import (
	"context"
	"fmt"
	"time"

	"healthpassport/models/store"

	"github.com/riverqueue/river"
)

// Each worker does one kind of job through the store.

type notifyClinicWorker struct {
	river.WorkerDefaults[store.NotifyClinicArgs]
	store *store.Store
}

func (w *notifyClinicWorker) Work(ctx context.Context, job *river.Job[store.NotifyClinicArgs]) error {
	return w.store.NotifyClinic(ctx, job.Args.AlertID)
}

type sweepWorker struct {
	river.WorkerDefaults[store.SweepArgs]
	store *store.Store
}

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[store.SweepArgs]) error {
	known, err := w.store.Sweep(ctx, job.Args.Target)
	if !known {
		return river.JobCancel(fmt.Errorf("no sweep removes %q", job.Args.Target))
	}
	return err
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

type auditCheckpointWorker struct {
	river.WorkerDefaults[store.AuditCheckpointArgs]
	store *store.Store
}

func (w *auditCheckpointWorker) Work(ctx context.Context, job *river.Job[store.AuditCheckpointArgs]) error {
	_, err := w.store.AuditCheckpoint(ctx)
	return err
}

type sendMessageWorker struct {
	river.WorkerDefaults[store.SendMessageArgs]
	store *store.Store
}

func (w *sendMessageWorker) Work(ctx context.Context, job *river.Job[store.SendMessageArgs]) error {
	return w.store.SendMessage(ctx, job.Args.MessageID, job.Attempt >= job.MaxAttempts)
}

type remindersWorker struct {
	river.WorkerDefaults[store.RemindersArgs]
	store *store.Store
}

func (w *remindersWorker) Work(ctx context.Context, job *river.Job[store.RemindersArgs]) error {
	return w.store.QueueReminders(ctx)
}

type deliveryChecksWorker struct {
	river.WorkerDefaults[store.DeliveryChecksArgs]
	store *store.Store
}

func (w *deliveryChecksWorker) Work(ctx context.Context, job *river.Job[store.DeliveryChecksArgs]) error {
	return w.store.CheckDeliveries(ctx)
}
