package store

import "github.com/riverqueue/river"

// Work that must happen after a change is a River job, inserted in the
// change's own transaction by Enqueue: it runs once the change is
// committed, and never if the change is rolled back. The arguments of each
// job are here; package jobs works them.

// Jobs run in two queues by urgency, each with workers of its own, so that
// clinical work never waits behind bulk work.
const (
	// QueueClinical is for what a person is waiting on: the clinic told of
	// a red-zone alert, a message to a family.
	QueueClinical = "clinical"
	// QueueBulk is for everything else: exports, the outcome rollup,
	// sweeps, reminders, checkpoints and webhook deliveries.
	QueueBulk = river.QueueDefault
)

// clinical puts a job in the clinical queue.
var clinical = river.InsertOpts{Queue: QueueClinical}

// AuditCheckpointArgs asks for a checkpoint of the audit log.
type AuditCheckpointArgs struct{}

func (AuditCheckpointArgs) Kind() string { return "audit_checkpoint" }

// ExportArgs asks for an export to be written.
type ExportArgs struct {
	ExportID uint `json:"export_id"`
}

func (ExportArgs) Kind() string { return "bulk_export" }

// NotifyClinicArgs asks for the clinic to be told about a red-zone alert.
type NotifyClinicArgs struct {
	AlertID uint `json:"alert_id"`
}

func (NotifyClinicArgs) Kind() string { return "notify_clinic" }

func (NotifyClinicArgs) InsertOpts() river.InsertOpts { return clinical }

// SweepArgs asks for one kind of expired record to be removed.
type SweepArgs struct {
	Target string `json:"target"`
}

func (SweepArgs) Kind() string { return "sweep" }

// SendMessageArgs asks for one message to be sent.
type SendMessageArgs struct {
	MessageID uint `json:"message_id"`
}

func (SendMessageArgs) Kind() string { return "send_message" }

func (SendMessageArgs) InsertOpts() river.InsertOpts { return clinical }

// RemindersArgs asks for the reminders that have come due to be queued.
type RemindersArgs struct{}

func (RemindersArgs) Kind() string { return "queue_reminders" }

// DeliveryChecksArgs asks Notify how the messages it accepted got on.
type DeliveryChecksArgs struct{}

func (DeliveryChecksArgs) Kind() string { return "check_deliveries" }

// RefreshOutcomesArgs asks for the outcome rollup to be brought up to date.
type RefreshOutcomesArgs struct{}

func (RefreshOutcomesArgs) Kind() string { return "refresh_outcomes" }

// WebhookArgs asks for a delivery to be sent.
type WebhookArgs struct {
	DeliveryID uint `json:"delivery_id"`
}

func (WebhookArgs) Kind() string { return "webhook_delivery" }

// InsertOpts lets the worker, not River's attempt limit, decide when a
// delivery has been tried enough: see deliverWebhook.
func (WebhookArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 100} }
