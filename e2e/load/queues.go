package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/demo"
	"healthpassport/models/jobs"
	"healthpassport/models/store"

	"github.com/go-jose/go-jose/v4"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// The queue measurement: how long a red-zone reading waits for its clinic
// to be told (and its family messaged) while a bulk export of a whole
// synthetic population runs, and while nothing bulk runs, on the job queue
// started as the service starts it.

// clinicalDeadline is what a red-zone reading's clinical work must be done
// within, export or no export.
const clinicalDeadline = 5 * time.Second

// QueueLimits say how large a population the queues are measured on, and
// how many readings are timed in each phase.
type QueueLimits struct {
	Patients map[string]int // by database name
	Readings int
	// Reuse keeps the PostgreSQL population in a schema named by its
	// size, and uses it again when it is there.
	Reuse bool
	Pause time.Duration // between one reading's work being done and the next reading
}

// readingLatency is what one red-zone reading waited for.
type readingLatency struct {
	clinic   time.Duration // until its notify_clinic job completed
	all      time.Duration // until every job it queued that was due at once completed
	messages int           // family messages sent at once
	deferred int           // family messages held for quiet hours, not waited for
	bulkOn   bool          // whether the phase's bulk job was still running when the work was done
}

// phaseResult sums up the readings of one phase.
type phaseResult struct {
	name     string
	bulk     bool // whether a bulk job was meant to be running throughout
	readings []readingLatency
}

// measureQueues builds (or reuses) a population, starts the job queue as
// serve does, and times red-zone readings with the bulk queue quiet and
// then during an export of every patient.
func measureQueues(database database, limits QueueLimits) error {
	patients := limits.Patients[database.name]
	open := database.open
	if limits.Reuse && database.reuse != nil {
		open = func() (*gorm.DB, func(), error) { return database.reuse(fmt.Sprintf("passport_queues_%d", patients)) }
	}
	db, closeDB, err := open()
	if err != nil {
		return err
	}
	defer closeDB()
	db.Logger = logger.Default.LogMode(logger.Silent)
	dataDir, err := os.MkdirTemp("", "passport-queues-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)
	cfg := app.Config{Demo: true, DemoPassword: password, PublicURL: "http://127.0.0.1", AuditKey: auditKey, SecretKey: secretKey, DataDir: dataDir}
	if err := app.Prepare(db, cfg); err != nil {
		return err
	}
	st, err := app.NewStore(db, cfg)
	if err != nil {
		return err
	}
	ctx := context.Background()
	var existing int64
	if err := db.Model(&models.Patient{}).Count(&existing).Error; err != nil {
		return err
	}
	if existing >= int64(patients) {
		fmt.Printf("%s: the population of %d patients was there already: reused\n", database.name, existing)
	} else {
		fmt.Printf("%s: building a population of %d patients at one practice...\n", database.name, patients)
		began := time.Now()
		if _, err := demo.BuildPopulation(ctx, st, demo.PopulationSpec{Patients: patients, Practices: 1, Seed: 1, Today: time.Now()}, password); err != nil {
			return fmt.Errorf("building the population: %w", err)
		}
		fmt.Printf("%s: built %d patients in %s\n", database.name, patients, time.Since(began).Round(100*time.Millisecond))
	}
	readers, err := redZoneReaders(ctx, st, 3*limits.Readings)
	if err != nil {
		return err
	}

	var lastJob int64
	if err := db.Table("river_job").Select("COALESCE(MAX(id), 0)").Scan(&lastJob).Error; err != nil {
		return err
	}
	queue, err := jobs.Start(ctx, st)
	if err != nil {
		return err
	}
	defer queue.Stop(context.Background())
	// The queue starts with the bulk work due at start (the outcome
	// rollup's rebuild, the sweeps, reminders): the quiet phase waits for
	// it, so that it measures clinical work alone.
	began := time.Now()
	if err := waitFor(ctx, 30*time.Minute, func() (bool, error) {
		var refreshed int64
		if err := db.Table("river_job").Where("id > ? AND kind = ? AND state = ?", lastJob, store.RefreshOutcomesArgs{}.Kind(), "completed").
			Count(&refreshed).Error; err != nil {
			return false, err
		}
		due, err := bulkJobsDue(ctx, db)
		return refreshed > 0 && due == 0, err
	}); err != nil {
		return fmt.Errorf("waiting for the bulk work due at start: %w", err)
	}
	fmt.Printf("%s: the bulk work due at start took %s\n", database.name, time.Since(began).Round(100*time.Millisecond))

	quiet, err := timePhase(ctx, st, "bulk queue quiet", readers[:limits.Readings], nil, limits.Pause)
	if err != nil {
		return err
	}

	export, principal, err := startWholeExport(ctx, st)
	if err != nil {
		return err
	}
	exportBegan := time.Now()
	// The readings start once the export is under way, holding a bulk
	// worker and reading the database.
	if err := waitFor(ctx, time.Minute, func() (bool, error) {
		running, err := exportRunning(ctx, db, export.ID)
		return running, err
	}); err != nil {
		return fmt.Errorf("waiting for the export to start: %w", err)
	}
	during, err := timePhase(ctx, st, "export of every patient running", readers[limits.Readings:2*limits.Readings],
		func() (bool, error) { return exportRunning(ctx, db, export.ID) }, limits.Pause)
	if err != nil {
		return err
	}
	var resources int64
	if err := waitFor(ctx, 2*time.Hour, func() (bool, error) {
		current, err := st.ExportFor(ctx, principal, export.Ref)
		if err != nil {
			return false, err
		}
		if current.Status == models.ExportFailed {
			return false, fmt.Errorf("the export failed: %s", current.Failure)
		}
		resources = 0
		for _, file := range current.Files {
			resources += file.Count
		}
		return current.Status == models.ExportDone, nil
	}); err != nil {
		return err
	}
	exportTook := time.Since(exportBegan)
	fmt.Printf("%s: the export of %d patients (%d resources) took %s\n", database.name, patients, resources, exportTook.Round(100*time.Millisecond))

	// The outcome rollup rebuilt in full, as a new instance or the daily
	// refresh does: forgetting when it was last refreshed makes the
	// queued refresh a full one.
	if err := db.Where("1 = 1").Delete(&models.OutcomeRollupRefresh{}).Error; err != nil {
		return err
	}
	if err := db.Table("river_job").Select("COALESCE(MAX(id), 0)").Scan(&lastJob).Error; err != nil {
		return err
	}
	if err := db.Transaction(func(tx *gorm.DB) error { return st.Enqueue(tx, store.RefreshOutcomesArgs{}) }); err != nil {
		return err
	}
	rebuildBegan := time.Now()
	rebuildState := func() (string, error) {
		var state string
		err := db.Table("river_job").Select("state").Where("id > ? AND kind = ?", lastJob, store.RefreshOutcomesArgs{}.Kind()).
			Order("id").Limit(1).Scan(&state).Error
		return state, err
	}
	if err := waitFor(ctx, time.Minute, func() (bool, error) {
		state, err := rebuildState()
		return state == "running" || state == "completed", err
	}); err != nil {
		return fmt.Errorf("waiting for the rollup's rebuild to start: %w", err)
	}
	rebuilding, err := timePhase(ctx, st, "outcome rollup rebuilding", readers[2*limits.Readings:],
		func() (bool, error) { state, err := rebuildState(); return state == "running", err }, limits.Pause)
	if err != nil {
		return err
	}
	if err := waitFor(ctx, time.Hour, func() (bool, error) { state, err := rebuildState(); return state == "completed", err }); err != nil {
		return fmt.Errorf("waiting for the rollup's rebuild to finish: %w", err)
	}
	fmt.Printf("%s: the outcome rollup's full rebuild took %s\n", database.name, time.Since(rebuildBegan).Round(100*time.Millisecond))
	// A rebuild that failed and was tried again was not running all along.
	var failed []struct{ Attempt int }
	if err := db.Table("river_job").Select("attempt").Where("id > ? AND kind = ? AND attempt > 1", lastJob, store.RefreshOutcomesArgs{}.Kind()).
		Find(&failed).Error; err != nil {
		return err
	}
	for _, f := range failed {
		fmt.Printf("%s: the rebuild took %d attempts\n", database.name, f.Attempt)
	}
	fmt.Println()
	return reportQueues(database.name, patients, []phaseResult{quiet, during, rebuilding})
}

// timePhase times a red-zone reading of each reader in turn, noting
// whether the phase's bulk job (none for nil) was still running as each
// reading's work was done.
func timePhase(ctx context.Context, st *store.Store, name string, readers []redZoneReader, bulkRunning func() (bool, error), pause time.Duration) (phaseResult, error) {
	phase := phaseResult{name: name, bulk: bulkRunning != nil}
	for _, reader := range readers {
		latency, err := timeRedZoneReading(ctx, st, reader)
		if err != nil {
			return phase, err
		}
		if bulkRunning != nil {
			if latency.bulkOn, err = bulkRunning(); err != nil {
				return phase, err
			}
		}
		phase.readings = append(phase.readings, latency)
		time.Sleep(pause)
	}
	return phase, nil
}

// reportQueues prints each phase's latencies and whether each reading's
// clinical work was done within the deadline.
func reportQueues(name string, patients int, phases []phaseResult) error {
	table := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(table, "Database\tPatients\tPhase\tReadings\tClinic told p50\tmax\tAll due work p50\tmax\tFamily messages\tHeld for quiet hours\tBulk job running throughout\t")
	var late []string
	for _, phase := range phases {
		var clinic, all []time.Duration
		messages, deferred, throughout := 0, 0, true
		for _, r := range phase.readings {
			clinic, all = append(clinic, r.clinic), append(all, r.all)
			messages += r.messages
			deferred += r.deferred
			throughout = throughout && r.bulkOn
		}
		slices.Sort(clinic)
		slices.Sort(all)
		running := "-"
		if phase.bulk {
			running = map[bool]string{true: "yes", false: "no"}[throughout]
		}
		fmt.Fprintf(table, "%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t\n", name, patients, phase.name, len(phase.readings),
			milliseconds(Percentile(clinic, 0.5)), milliseconds(clinic[len(clinic)-1]),
			milliseconds(Percentile(all, 0.5)), milliseconds(all[len(all)-1]), messages, deferred, running)
		if all[len(all)-1] > clinicalDeadline {
			late = append(late, phase.name)
		}
	}
	table.Flush()
	fmt.Println()
	if len(late) > 0 {
		return fmt.Errorf("clinical work took longer than %s with the %s", clinicalDeadline, strings.Join(late, " and "))
	}
	return nil
}

// redZoneReader is a patient signed in, with a peak flow plan.
type redZoneReader struct {
	principal *models.Principal
	patient   *models.Patient
	plan      *models.PlanSummary
}

// redZoneReaders signs in count patients of the population who have an
// account and a peak flow plan and no alert open today, so that each
// reading raises an alert of its own.
func redZoneReaders(ctx context.Context, st *store.Store, count int) ([]redZoneReader, error) {
	var users []models.User
	err := st.DB().WithContext(ctx).Where("role = ? AND disabled = ? AND patient_id IS NOT NULL", models.RolePatient, false).
		Where("patient_id NOT IN (SELECT patient_id FROM alerts WHERE status = ?)", models.AlertOpen).
		Where("patient_id IN (SELECT patient_id FROM action_plans WHERE snomed_code = ?)", "195967001").
		Order("id DESC").Limit(4 * count).Find(&users).Error
	if err != nil {
		return nil, err
	}
	var readers []redZoneReader
	for _, user := range users {
		token := models.RandomToken(32)
		if err := st.RecordDevice(ctx, user.ID, token, "queue measurement", "127.0.0.1"); err != nil {
			return nil, err
		}
		principal, err := st.SignedInPrincipal(ctx, token, user.ID)
		if err != nil {
			return nil, err
		}
		if principal.Own == nil {
			continue
		}
		plan, err := st.PeakFlowPlan(ctx, principal, principal.Own)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		readers = append(readers, redZoneReader{principal: principal, patient: principal.Own, plan: plan})
		if len(readers) == count {
			return readers, nil
		}
	}
	return nil, fmt.Errorf("the population has %d patients with an account, a peak flow plan and no open alert; %d are needed", len(readers), count)
}

// queuedJob is a row of River's job table, as far as the measurement
// needs it.
type queuedJob struct {
	ID          int64
	Kind        string
	Args        []byte
	State       string
	ScheduledAt time.Time
}

// timeRedZoneReading records a red-zone reading through the store, as the
// peak flow page does, and waits for the clinic's notification and each
// family message due at once to be completed by the queue.
func timeRedZoneReading(ctx context.Context, st *store.Store, reader redZoneReader) (readingLatency, error) {
	// The clock starts before the first query: on SQLite a bulk job
	// holding the one connection delays that query as it would the page.
	began := time.Now()
	db := st.DB().WithContext(ctx)
	var before int64
	if err := db.Table("river_job").Select("COALESCE(MAX(id), 0)").Scan(&before).Error; err != nil {
		return readingLatency{}, err
	}
	actor := models.Actor{UserID: reader.principal.User.ID, Role: models.RolePatient, IPAddress: "127.0.0.1"}
	reading, err := st.RecordPeakFlow(ctx, reader.principal, actor, reader.patient, reader.plan, reader.plan.Content.PeakFlow.RedBelow/2)
	if err != nil {
		return readingLatency{}, err
	}
	if reading.Zone != models.ZoneRed {
		return readingLatency{}, fmt.Errorf("a reading of %d was in the %s zone", *reading.PeakFlow, reading.Zone)
	}
	var alert models.Alert
	if err := db.Where("reading_id = ?", reading.ID).Take(&alert).Error; err != nil {
		return readingLatency{}, fmt.Errorf("the alert of reading %d: %w", reading.ID, err)
	}
	var messageIDs []uint
	if err := db.Model(&models.Notification{}).Where("key LIKE ?", fmt.Sprintf("red-reading:%d:%%", alert.ID)).Pluck("id", &messageIDs).Error; err != nil {
		return readingLatency{}, err
	}
	// The jobs the reading's transaction queued, told apart from others
	// (reminders, say) by their arguments.
	var candidates []queuedJob
	if err := db.Table("river_job").Select("id, kind, args, state, scheduled_at").Where("id > ? AND kind IN ?", before,
		[]string{store.NotifyClinicArgs{}.Kind(), store.SendMessageArgs{}.Kind()}).Find(&candidates).Error; err != nil {
		return readingLatency{}, err
	}
	var clinicJob int64
	var due []int64
	latency := readingLatency{}
	for _, job := range candidates {
		switch job.Kind {
		case store.NotifyClinicArgs{}.Kind():
			var args store.NotifyClinicArgs
			if json.Unmarshal(job.Args, &args) == nil && args.AlertID == alert.ID {
				clinicJob = job.ID
				due = append(due, job.ID)
			}
		case store.SendMessageArgs{}.Kind():
			var args store.SendMessageArgs
			if json.Unmarshal(job.Args, &args) != nil || !slices.Contains(messageIDs, args.MessageID) {
				continue
			}
			if job.ScheduledAt.After(began.Add(time.Second)) {
				latency.deferred++
				continue
			}
			latency.messages++
			due = append(due, job.ID)
		}
	}
	if clinicJob == 0 {
		return readingLatency{}, fmt.Errorf("reading %d queued no clinic notification", reading.ID)
	}
	// Polled every 20 ms: fine enough against a deadline of seconds, and
	// light enough not to slow the queue it watches.
	for latency.all == 0 {
		var states []struct {
			ID    int64
			State string
		}
		if err := db.Table("river_job").Select("id, state").Where("id IN ?", due).Find(&states).Error; err != nil {
			return readingLatency{}, err
		}
		elapsed := time.Since(began)
		completed := 0
		for _, s := range states {
			if s.State == "completed" {
				completed++
				if s.ID == clinicJob && latency.clinic == 0 {
					latency.clinic = elapsed
				}
			} else if s.State == "discarded" || s.State == "cancelled" {
				return readingLatency{}, fmt.Errorf("job %d of reading %d ended %s", s.ID, reading.ID, s.State)
			}
		}
		if completed == len(due) {
			latency.all = elapsed
			break
		}
		if elapsed > 5*time.Minute {
			return readingLatency{}, fmt.Errorf("reading %d's work was not done after five minutes", reading.ID)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return latency, nil
}

// startWholeExport registers a connected system at the population's
// practice and starts a system-level export of every resource type, as
// the API's $export does.
func startWholeExport(ctx context.Context, st *store.Store) (*models.BulkExport, *models.Principal, error) {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	keys, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES384", Use: "sig"}}})
	if err != nil {
		return nil, nil, err
	}
	client, err := st.CreateAPIClient(ctx, models.NewAPIClient{Name: "Queue measurement " + models.RandomToken(4), ODSCode: "Y90001",
		Scopes: []string{"system/Patient.rs", "system/Condition.rs", "system/Observation.rs"}, PublicKeys: string(keys)})
	if err != nil {
		return nil, nil, err
	}
	principal := &models.Principal{Client: client, PracticeIDs: []uint{client.OrganisationID}, Scopes: strings.Fields(client.Scopes)}
	export, err := st.StartExport(ctx, principal, models.Actor{Role: models.RoleAPIClient},
		models.ExportRequest{Kind: models.ExportSystem, Types: st.ExportTypes(), Request: "http://127.0.0.1/fhir/$export"})
	return export, principal, err
}

func exportRunning(ctx context.Context, db *gorm.DB, exportID uint) (bool, error) {
	var status string
	err := db.WithContext(ctx).Model(&models.BulkExport{}).Select("status").Where("id = ?", exportID).Scan(&status).Error
	return status == models.ExportRunning, err
}

// bulkJobsDue counts the bulk queue's jobs waiting for a worker.
func bulkJobsDue(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Table("river_job").Where("queue = ? AND state = ?", store.QueueBulk, "available").Count(&n).Error
	return n, err
}

// waitFor polls done every 100 ms until it holds, fails, or limit passes.
func waitFor(ctx context.Context, limit time.Duration, done func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gave up after %s", limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
