package store_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/jobs"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"github.com/go-jose/go-jose/v4"
	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// startJobQueue works jobs until the test ends, and checks that the queue
// stops cleanly.
func startJobQueue(t *testing.T, st *store.Store) {
	t.Helper()
	queue, err := jobs.Start(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := queue.Stop(ctx); err != nil {
			t.Errorf("stopping the job queue: %v", err)
		}
	})
}

// eventually waits up to a minute for done to hold: on SQLite the queue
// looks for new jobs every second, and on a busy machine, beside the other
// tests, a job takes more.
func eventually(t *testing.T, what string, done func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !done() {
		if time.Since(start) > time.Minute {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

func outboxMessages(t *testing.T, db *gorm.DB, alertID uint) int64 {
	t.Helper()
	var count int64
	if err := db.Model(&models.OutboxMessage{}).Where("key = ?", fmt.Sprintf("%s:%d", models.OutboxRedZoneAlert, alertID)).
		Count(&count).Error; err != nil {
		t.Fatal(err)
	}
	return count
}

// notifyJobs counts the clinic notifications in a state, or in any with "".
func notifyJobs(t *testing.T, db *gorm.DB, state string) int64 {
	t.Helper()
	query := db.Table("river_job").Where("kind = ?", store.NotifyClinicArgs{}.Kind())
	if state != "" {
		query = query.Where("state = ?", state)
	}
	var count int64
	if err := query.Count(&count).Error; err != nil {
		t.Fatal(err)
	}
	return count
}

// failedNotifyJobs counts the clinic notifications that have failed at
// least once and wait to be tried again.
func failedNotifyJobs(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var count int64
	if err := db.Table("river_job").Where("kind = ? AND attempt >= 1 AND state IN ?", store.NotifyClinicArgs{}.Kind(), []string{"available", "retryable"}).
		Count(&count).Error; err != nil {
		t.Fatal(err)
	}
	return count
}

// ameliasAlert is a past alert of Amelia's, raised without a job.
func ameliasAlert(t *testing.T, db *gorm.DB, st *store.Store) *models.Alert {
	t.Helper()
	reader, amelia, plan := ameliasPeakFlow(t, st)
	patient := reader.User
	reading, err := st.RecordPeakFlow(t.Context(), reader, models.Actor{UserID: patient.ID, Role: models.RolePatient}, amelia, plan, plan.Content.PeakFlow.AmberBelow)
	if err != nil {
		t.Fatal(err)
	}
	alert := models.Alert{PatientID: amelia.ID, ReadingID: reading.ID, RaisedOn: "2026-01-01", ReadingCount: 1,
		Status: models.AlertAcknowledged, CreatedAt: reading.CreatedAt}
	if err := db.Create(&alert).Error; err != nil {
		t.Fatal(err)
	}
	return &alert
}

// Red readings raise one alert and tell its clinic once, however many jobs
// ask.
func TestRedZoneAlertTellsTheClinicOnce(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		startJobQueue(t, st)
		reader, amelia, plan := ameliasPeakFlow(t, st)
		patient := reader.User
		actor := models.Actor{UserID: patient.ID, Role: models.RolePatient}
		for range 2 {
			if _, err := st.RecordPeakFlow(t.Context(), reader, actor, amelia, plan, plan.Content.PeakFlow.RedBelow-10); err != nil {
				t.Fatal(err)
			}
		}
		var alert models.Alert
		if err := db.Where("patient_id = ? AND status = ? AND raised_on = ?", amelia.ID, models.AlertOpen, models.UKDay(time.Now())).
			First(&alert).Error; err != nil {
			t.Fatal(err)
		}
		latency := eventually(t, "the clinic to be told", func() bool { return outboxMessages(t, db, alert.ID) > 0 })
		t.Logf("clinic told %s after the readings were saved", latency)
		eventually(t, "both jobs to finish", func() bool { return notifyJobs(t, db, "completed") == 2 })
		var message models.OutboxMessage
		db.Where("patient_id = ?", amelia.ID).First(&message)
		if n := outboxMessages(t, db, alert.ID); n != 1 || message.OrganisationID != amelia.PracticeID {
			t.Errorf("%d messages, first %+v: want one for practice %d", n, message, amelia.PracticeID)
		}
	})
}

// A job enqueued in a transaction that rolls back is never run; one whose
// transaction commits runs once.
func TestJobsRunOnlyWhenTheirTransactionCommits(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		rolledBack, committed := ameliasAlert(t, db, st), ameliasAlert(t, db, st)
		errRollBack := errors.New("roll back")
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := st.Enqueue(tx, store.NotifyClinicArgs{AlertID: rolledBack.ID}); err != nil {
				return err
			}
			return errRollBack
		})
		if !errors.Is(err, errRollBack) {
			t.Fatal(err)
		}
		if err := db.Transaction(func(tx *gorm.DB) error {
			return st.Enqueue(tx, store.NotifyClinicArgs{AlertID: committed.ID})
		}); err != nil {
			t.Fatal(err)
		}
		startJobQueue(t, st)
		eventually(t, "the committed job to finish", func() bool { return notifyJobs(t, db, "completed") == 1 })
		if n := notifyJobs(t, db, ""); n != 1 {
			t.Errorf("%d jobs queued, want only the committed one", n)
		}
		if outboxMessages(t, db, rolledBack.ID) != 0 || outboxMessages(t, db, committed.ID) != 1 {
			t.Error("want a message for the committed job's alert only")
		}
	})
}

// A job that fails is tried again, and succeeds once it can.
func TestFailedJobIsRetried(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		const missing = 999999
		if err := db.Transaction(func(tx *gorm.DB) error {
			return st.Enqueue(tx, store.NotifyClinicArgs{AlertID: missing})
		}); err != nil {
			t.Fatal(err)
		}
		// River would wait a second, then sixteen.
		st.RetryJobsAfter([]time.Duration{50 * time.Millisecond})
		startJobQueue(t, st)
		eventually(t, "the first attempt to fail", func() bool { return failedNotifyJobs(t, db) == 1 })
		alert := ameliasAlert(t, db, st)
		if err := db.Model(alert).Update("id", missing).Error; err != nil {
			t.Fatal(err)
		}
		eventually(t, "the retry to succeed", func() bool { return notifyJobs(t, db, "completed") == 1 })
		var attempts int
		db.Table("river_job").Select("attempt").Where("kind = ?", store.NotifyClinicArgs{}.Kind()).Scan(&attempts)
		if attempts < 2 || outboxMessages(t, db, missing) != 1 {
			t.Errorf("attempts = %d, messages = %d: want one message after a retry", attempts, outboxMessages(t, db, missing))
		}
	})
}

// The periodic sweeps, first run when the queue starts, remove what has
// expired and keep what has not.
func TestSweepsRemoveExpiredRecords(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		someone := user(t, st, "patient").ID
		now := time.Now().UTC()
		for _, row := range []any{
			&models.Session{Token: "expired", Data: []byte{1}, Expiry: now.Add(-time.Minute)},
			&models.Session{Token: "current", Data: []byte{1}, Expiry: now.Add(time.Hour)},
			&models.Device{Token: "ended", UserID: someone, CreatedAt: now.Add(-time.Hour)},
			&models.Device{Token: "current", UserID: someone, CreatedAt: now.Add(-time.Hour)},
			&store.AttemptCounter{Key: "finished", ResetsAt: now.Add(-time.Minute)},
			&store.AttemptCounter{Key: "counting", ResetsAt: now.Add(time.Minute)},
			&models.FormSubmission{Scope: "old", SubmissionKey: "k", CreatedAt: now.Add(-25 * time.Hour)},
			&models.FormSubmission{Scope: "recent", SubmissionKey: "k", CreatedAt: now},
		} {
			if err := db.Create(row).Error; err != nil {
				t.Fatal(err)
			}
		}
		startJobQueue(t, st)
		left := func() int64 {
			var total int64
			for _, model := range []any{&models.Session{}, &models.Device{}, &store.AttemptCounter{}, &models.FormSubmission{}} {
				var n int64
				db.Model(model).Count(&n)
				total += n
			}
			return total
		}
		eventually(t, "the sweeps", func() bool { return left() == 4 })
		var sessions []models.Session
		db.Find(&sessions)
		if len(sessions) != 1 || sessions[0].Token != "current" {
			t.Errorf("sessions left: %+v", sessions)
		}
	})
}

// Readings sent all at once, each enqueueing a job in its transaction, all
// save promptly while the queue polls and works on the same database: on
// SQLite, that is the one connection. It times them, so it has the process
// to itself.
func TestJobQueueLeavesRoomForRequests(t *testing.T) {
	modelstest.EachInTurn(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		startJobQueue(t, st)
		reader, amelia, plan := ameliasPeakFlow(t, st)
		patient := reader.User
		actor := models.Actor{UserID: patient.ID, Role: models.RolePatient}
		const readings = 40
		began := time.Now()
		if err := errors.Join(atOnce(readings, func(int) error {
			_, err := st.RecordPeakFlow(t.Context(), reader, actor, amelia, plan, plan.Content.PeakFlow.RedBelow-10)
			return err
		})...); err != nil {
			t.Fatal(err)
		}
		took := time.Since(began)
		t.Logf("%d readings saved in %s with the queue running", readings, took)
		if took > 10*time.Second {
			t.Errorf("readings took %s", took)
		}
		eventually(t, "every job to finish", func() bool { return notifyJobs(t, db, "completed") == readings })
	})
}

// TestJobsGoToTheQueueOfTheirUrgency: what a person is waiting on (the
// clinic told of a red-zone alert, a message to a family) goes to the
// clinical queue, whose workers bulk work never takes; everything else to
// the bulk queue.
func TestJobsGoToTheQueueOfTheirUrgency(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		jobs := []struct {
			args  river.JobArgs
			queue string
		}{
			{store.NotifyClinicArgs{AlertID: 1}, store.QueueClinical},
			{store.SendMessageArgs{MessageID: 1}, store.QueueClinical},
			{store.ExportArgs{ExportID: 1}, store.QueueBulk},
			{store.RefreshOutcomesArgs{}, store.QueueBulk},
			{store.SweepArgs{Target: "expired_sessions"}, store.QueueBulk},
			{store.RemindersArgs{}, store.QueueBulk},
			{store.DeliveryChecksArgs{}, store.QueueBulk},
			{store.AuditCheckpointArgs{}, store.QueueBulk},
			{store.WebhookArgs{DeliveryID: 1}, store.QueueBulk},
		}
		for _, job := range jobs {
			if err := db.Transaction(func(tx *gorm.DB) error { return st.Enqueue(tx, job.args) }); err != nil {
				t.Fatal(err)
			}
			var queue string
			if err := db.Table("river_job").Select("queue").Where("kind = ?", job.args.Kind()).Order("id DESC").Limit(1).Scan(&queue).Error; err != nil {
				t.Fatal(err)
			}
			if queue != job.queue {
				t.Errorf("%s went to the %q queue; want %q", job.args.Kind(), queue, job.queue)
			}
		}
	})
}

// blockingExports is a bulk export type whose writing holds its worker
// until released, counting the jobs that hold one.
type blockingExports struct {
	release           chan struct{}
	holding, finished atomic.Int32
}

func (b *blockingExports) exportType() store.ExportType {
	return store.ExportType{ResourceType: "Patient", Write: func(ctx context.Context, _ *store.Store, _ models.ExportScope, _ func(any) error) error {
		b.holding.Add(1)
		defer b.finished.Add(1)
		select {
		case <-b.release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
}

// TestClinicalWorkIsDoneWhileEveryBulkWorkerIsBusy: with every worker of
// the bulk queue held by an export that cannot finish, a red-zone reading
// still has its clinic told, by the clinical queue's own workers, while the
// exports are still held.
func TestClinicalWorkIsDoneWhileEveryBulkWorkerIsBusy(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		exports := &blockingExports{release: make(chan struct{})}
		st.WithExports(store.Exports{Storage: models.DirStorage(t.TempDir()), Types: []store.ExportType{exports.exportType()}})
		startJobQueue(t, st)
		// Released before the queue stops (cleanups run last first), which
		// waits for running jobs.
		t.Cleanup(func() { close(exports.release) })

		client := exportClient(t, st)
		for range jobs.BulkWorkers {
			if _, err := st.StartExport(t.Context(), client, models.Actor{Role: models.RoleAPIClient},
				models.ExportRequest{Kind: models.ExportSystem, Types: st.ExportTypes(), Request: "http://passport.test/fhir/$export"}); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, "every bulk worker to be held by an export", func() bool { return exports.holding.Load() == jobs.BulkWorkers })

		reader, amelia, plan := ameliasPeakFlow(t, st)
		actor := models.Actor{UserID: reader.User.ID, Role: models.RolePatient}
		if _, err := st.RecordPeakFlow(t.Context(), reader, actor, amelia, plan, plan.Content.PeakFlow.RedBelow-10); err != nil {
			t.Fatal(err)
		}
		latency := eventually(t, "the clinic to be told", func() bool { return notifyJobs(t, db, "completed") == 1 })
		t.Logf("clinic told %s after the reading, with %d bulk workers held", latency, jobs.BulkWorkers)
		var running int64
		db.Model(&models.BulkExport{}).Where("status = ?", models.ExportRunning).Count(&running)
		if exports.finished.Load() != 0 || running != jobs.BulkWorkers {
			t.Errorf("%d exports finished and %d running when the clinic was told: want every bulk worker still held", exports.finished.Load(), running)
		}
	})
}

// exportClient is a connected system of the demo practice, as it is
// signed in for a bulk export.
func exportClient(t *testing.T, st *store.Store) *models.Principal {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES384", Use: "sig"}}})
	client, err := st.CreateAPIClient(t.Context(), models.NewAPIClient{Name: "Riverside GP system", ODSCode: "Y90001",
		Scopes: []string{"system/Patient.rs"}, PublicKeys: string(keys)})
	if err != nil {
		t.Fatal(err)
	}
	return &models.Principal{Client: client, PracticeIDs: []uint{client.OrganisationID}, Scopes: strings.Fields(client.Scopes)}
}
