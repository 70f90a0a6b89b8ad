package store_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// receiver is a webhook endpoint that fails its first answers.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	failures int
	received []receivedDelivery
}

type receivedDelivery struct {
	header http.Header
	body   string
	status int
}

func newReceiver(t *testing.T, failures int) *receiver {
	r := &receiver{failures: failures}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		status := http.StatusNoContent
		if r.failures != 0 {
			r.failures--
			status = http.StatusServiceUnavailable
		}
		r.received = append(r.received, receivedDelivery{header: req.Header.Clone(), body: string(body), status: status})
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) deliveries() []receivedDelivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedDelivery(nil), r.received...)
}

// verifyWithReference checks a delivery's signature with the Standard
// Webhooks reference library, run by node.
func verifyWithReference(t *testing.T, secret string, delivery receivedDelivery) error {
	t.Helper()
	input, _ := json.Marshal(map[string]any{"secret": secret, "body": delivery.body, "headers": map[string]string{
		"webhook-id": delivery.header.Get("webhook-id"), "webhook-timestamp": delivery.header.Get("webhook-timestamp"),
		"webhook-signature": delivery.header.Get("webhook-signature")}})
	cmd := exec.Command("node", "testdata/verify-webhook.js")
	cmd.Stdin = strings.NewReader(string(input))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return &verifyError{string(out)}
	}
	if !strings.HasPrefix(string(out), "verified ") {
		t.Fatalf("verifier said %q", out)
	}
	return nil
}

type verifyError struct{ output string }

func (e *verifyError) Error() string { return "not verified: " + e.output }

// registerEndpoint registers an endpoint for Amelia's practice.
func registerEndpoint(t *testing.T, st *store.Store, amelia *models.Patient, address string, events ...string) *models.WebhookEndpoint {
	t.Helper()
	endpoint, errs := models.CheckWebhookEndpoint(models.WebhookEntry{URL: address, PracticeID: strconv.FormatUint(uint64(amelia.PracticeID), 10), Events: events},
		[]models.Organisation{{ID: amelia.PracticeID}}, true)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	registered, err := st.RegisterWebhook(t.Context(), models.Actor{UserID: 1, Role: models.RoleAdmin}, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	return registered
}

func TestWebhookIsRetriedUntilDeliveredAndVerifiesWithTheReferenceLibrary(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		st.RetryWebhooksAfter([]time.Duration{time.Millisecond, time.Millisecond, time.Millisecond})
		startJobQueue(t, st)
		receiver := newReceiver(t, 2)
		reader, amelia, plan := ameliasPeakFlow(t, st)
		endpoint := registerEndpoint(t, st, amelia, receiver.URL+"/events", models.EventRedZoneReading)
		if !strings.HasPrefix(endpoint.Secret, "whsec_") {
			t.Fatalf("secret %q", endpoint.Secret)
		}
		started := time.Now()
		reading, err := st.RecordPeakFlow(t.Context(), reader, models.Actor{UserID: reader.User.ID, Role: models.RolePatient}, amelia, plan, plan.Content.PeakFlow.RedBelow-10)
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the third attempt", func() bool { return len(receiver.deliveries()) == 3 })
		t.Logf("delivered at the third attempt %s after the reading", time.Since(started).Round(time.Millisecond))
		got := receiver.deliveries()
		if got[0].header.Get("webhook-id") != got[2].header.Get("webhook-id") || !strings.HasPrefix(got[0].header.Get("webhook-id"), "msg_") {
			t.Errorf("retries sent ids %q and %q: want one id", got[0].header.Get("webhook-id"), got[2].header.Get("webhook-id"))
		}
		var event models.WebhookEvent
		if err := json.Unmarshal([]byte(got[2].body), &event); err != nil {
			t.Fatal(err)
		}
		if event.Type != models.EventRedZoneReading || event.Data["patient"] != "Patient/"+amelia.Ref ||
			event.Data["observation"] != "Observation/"+strconv.FormatUint(uint64(reading.ID), 10) || len(event.Data) != 2 {
			t.Errorf("event %+v", event)
		}
		if err := verifyWithReference(t, endpoint.Secret, got[2]); err != nil {
			t.Fatal(err)
		}
		tampered := got[2]
		tampered.body = strings.Replace(tampered.body, amelia.Ref, "someoneelse00001", 1)
		if err := verifyWithReference(t, endpoint.Secret, tampered); err == nil {
			t.Fatal("the reference library verified a changed body")
		}

		eventually(t, "the delivery to be marked", func() bool {
			var delivery models.WebhookDelivery
			db.Where("endpoint_id = ?", endpoint.ID).Take(&delivery)
			return delivery.Status == models.DeliveryDelivered
		})
		var attempts []models.WebhookAttempt
		db.Order("id").Find(&attempts)
		if len(attempts) != 3 || attempts[0].StatusCode != 503 || attempts[1].StatusCode != 503 || attempts[2].StatusCode != 204 ||
			attempts[0].Failure == "" || attempts[2].Failure != "" {
			t.Errorf("attempts %+v", attempts)
		}
	})
}

func TestRotatedSecretSignsBesideTheOldOneDuringTheOverlap(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		startJobQueue(t, st)
		receiver := newReceiver(t, 0)
		reader, amelia, plan := ameliasPeakFlow(t, st)
		endpoint := registerEndpoint(t, st, amelia, receiver.URL, models.EventRedZoneReading)
		newSecret, err := st.RotateWebhookSecret(t.Context(), models.Actor{UserID: 1, Role: models.RoleAdmin}, endpoint)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.RotateWebhookSecret(t.Context(), models.Actor{UserID: 1, Role: models.RoleAdmin}, endpoint); err != models.ErrSecretChanged {
			t.Errorf("rotating from a stale secret: %v", err)
		}
		started := time.Now()
		if _, err := st.RecordPeakFlow(t.Context(), reader, models.Actor{UserID: reader.User.ID, Role: models.RolePatient}, amelia, plan, plan.Content.PeakFlow.RedBelow-10); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the delivery", func() bool { return len(receiver.deliveries()) == 1 })
		t.Logf("delivered %s after the reading was saved", time.Since(started).Round(time.Millisecond))
		delivery := receiver.deliveries()[0]
		if n := len(strings.Fields(delivery.header.Get("webhook-signature"))); n != 2 {
			t.Fatalf("%d signatures during the overlap", n)
		}
		for _, secret := range []string{newSecret, endpoint.Secret} {
			if err := verifyWithReference(t, secret, delivery); err != nil {
				t.Error(err)
			}
		}
	})
}

func TestEndpointIsSwitchedOffWhenRetriesAreSpentAndCanBeReplayed(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		st.RetryWebhooksAfter([]time.Duration{time.Millisecond})
		startJobQueue(t, st)
		receiver := newReceiver(t, 2)
		reader, amelia, plan := ameliasPeakFlow(t, st)
		endpoint := registerEndpoint(t, st, amelia, receiver.URL, models.EventRedZoneReading)
		if _, err := st.RecordPeakFlow(t.Context(), reader, models.Actor{UserID: reader.User.ID, Role: models.RolePatient}, amelia, plan, plan.Content.PeakFlow.RedBelow-10); err != nil {
			t.Fatal(err)
		}
		admin := models.Actor{UserID: 1, Role: models.RoleAdmin}
		var off models.WebhookEndpoint
		eventually(t, "the endpoint to be switched off", func() bool {
			db.Take(&off, endpoint.ID)
			return off.DisabledAt != nil
		})
		if off.DisabledReason == "" || off.ConsecutiveFailures != 2 || len(receiver.deliveries()) != 2 {
			t.Errorf("switched off %+v after %d deliveries", off, len(receiver.deliveries()))
		}
		var failed models.WebhookDelivery
		db.Take(&failed)
		if failed.Status != models.DeliveryFailed || failed.Attempts != 2 {
			t.Errorf("delivery %+v", failed)
		}
		var disabledEntries int64
		db.Model(&models.AuditEvent{}).Where("action = ?", models.AuditWebhookDisabled).Count(&disabledEntries)
		if disabledEntries != 1 {
			t.Errorf("%d audit entries for switching off", disabledEntries)
		}
		// Switched back on, the failed delivery is replayed with its id.
		if err := st.EnableWebhook(t.Context(), admin, &off); err != nil {
			t.Fatal(err)
		}
		if err := st.ReplayWebhook(t.Context(), admin, &off, failed.ID); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the replay", func() bool { return len(receiver.deliveries()) == 3 })
		waiting := models.WebhookDelivery{EndpointID: off.ID, MessageID: "msg_waiting", EventType: models.EventRedZoneReading, Payload: "{}",
			Status: models.DeliveryPending, CreatedAt: time.Now()}
		db.Create(&waiting)
		if err := st.ReplayWebhook(t.Context(), admin, &off, waiting.ID); err != models.ErrDeliveryWaiting {
			t.Errorf("replaying a delivery already waiting: %v", err)
		}
		if got := receiver.deliveries(); got[2].header.Get("webhook-id") != failed.MessageID || got[2].status != http.StatusNoContent {
			t.Errorf("replay sent id %q, answered %d", got[2].header.Get("webhook-id"), got[2].status)
		}
		if err := st.ReplayWebhook(t.Context(), admin, &models.WebhookEndpoint{ID: off.ID + 1}, failed.ID); err != models.ErrNotFound {
			t.Errorf("replaying through another endpoint: %v", err)
		}
	})
}

// A change that rolls back announces nothing: its delivery is queued in
// the change's own transaction.
func TestRolledBackChangeIsNeverDelivered(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		receiver := newReceiver(t, 0)
		reader, amelia, plan := ameliasPeakFlow(t, st)
		registerEndpoint(t, st, amelia, receiver.URL, models.EventRedZoneReading, models.EventPrescriptionRequested)
		actor := models.Actor{UserID: reader.User.ID, Role: models.RolePatient}
		// The audit log's head row is where every change ends: without it
		// the change fails after its delivery was queued, and rolls back.
		// Only the tables' owner can remove it, lifting its guard first.
		tamper(t, db, "DELETE FROM audit_chains")
		if _, err := st.RecordPeakFlow(t.Context(), reader, actor, amelia, plan, plan.Content.PeakFlow.RedBelow-10); err == nil {
			t.Fatal("the reading was saved without an audit entry")
		}
		var deliveries, jobs int64
		db.Model(&models.WebhookDelivery{}).Count(&deliveries)
		db.Table("river_job").Where("kind = ?", store.WebhookArgs{}.Kind()).Count(&jobs)
		if deliveries != 0 || jobs != 0 {
			t.Fatalf("%d deliveries and %d jobs left by a rolled-back change", deliveries, jobs)
		}
		startJobQueue(t, st)
		time.Sleep(time.Second)
		if n := len(receiver.deliveries()); n != 0 {
			t.Errorf("%d deliveries of a rolled-back change", n)
		}
	})
}

// Each change an endpoint can hear of queues its event, with the FHIR
// references to read and nothing else; an endpoint hears only the events
// it chose, and only for its own practice.
func TestEachChangeQueuesItsEvent(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		ctx := t.Context()
		nurse, reader := principal(t, st, "nurse"), principal(t, st, "patient")
		amelia := reader.Own
		var all []string
		for _, event := range models.WebhookEventTypes {
			all = append(all, event.Type)
		}
		everything := registerEndpoint(t, st, amelia, "https://gp.example.org/all", all...)
		reviewsOnly := registerEndpoint(t, st, amelia, "https://gp.example.org/reviews", models.EventReviewRecorded)
		var hillside models.Organisation
		db.Where("ods_code = ?", "Y90002").Take(&hillside)
		elsewhere := registerEndpoint(t, st, &models.Patient{PracticeID: hillside.ID}, "https://hillside.example.org/all", all...)

		plan, err := st.PeakFlowPlan(ctx, reader, amelia)
		if err != nil {
			t.Fatal(err)
		}
		readerActor := models.Actor{UserID: reader.User.ID, Role: models.RolePatient}
		nurseActor := models.Actor{UserID: nurse.User.ID, Role: models.RoleNurse}
		db.Create(&models.User{Username: "jopatel", Role: models.RoleCarer, DisplayName: "Jo Patel"})
		latest, err := st.LatestVersion(ctx, nurse, &plan.Plan)
		if err != nil {
			t.Fatal(err)
		}
		changes := []struct {
			event  string
			change func() error
		}{
			{models.EventPlanPublished, func() error {
				_, err := st.SavePlanVersion(ctx, nurse, nurseActor, &plan.Plan, latest.Number, plan.Content, models.VersionPublished)
				return err
			}},
			{models.EventRedZoneReading, func() error {
				_, err := st.RecordPeakFlow(ctx, reader, readerActor, amelia, plan, plan.Content.PeakFlow.RedBelow-1)
				return err
			}},
			{models.EventPrescriptionRequested, func() error {
				_, err := st.RequestPrescription(ctx, reader, readerActor, amelia, plan.Plan.ID, models.Medicine{Name: "Montelukast 10 mg tablets", Purpose: "Preventer"})
				return err
			}},
			{models.EventPrescriptionDecided, func() error {
				var request models.PrescriptionRequest
				db.Where("patient_id = ? AND medicine = ?", amelia.ID, "Montelukast 10 mg tablets").Take(&request)
				_, err := st.DecidePrescription(ctx, nurse, nurseActor, request.ID, models.DecisionApprove, "", false)
				return err
			}},
			{models.EventReviewRecorded, func() error {
				return st.RecordReview(ctx, nurse, nurseActor, amelia, models.Review{ReviewedOn: time.Now(), Outcome: "Reviewed", NextReviewOn: time.Now().AddDate(1, 0, 0)})
			}},
			{models.EventShareCreated, func() error {
				_, _, err := st.CreateShare(ctx, reader, readerActor, amelia, "Oak Primary School", 7)
				return err
			}},
			{models.EventShareRevoked, func() error {
				var share models.Share
				db.Where("patient_id = ? AND recipient = ?", amelia.ID, "Oak Primary School").Take(&share)
				return st.RevokeShare(ctx, reader, readerActor, amelia, share.ID)
			}},
			{models.EventCarerLinked, func() error {
				_, err := st.LinkCarer(ctx, nurse, nurseActor, amelia, "jopatel", "Aunt", models.PermissionView)
				return err
			}},
			{models.EventCarerRemoved, func() error {
				var link models.CarerLink
				db.Joins("JOIN users ON users.id = carer_links.carer_id").Where("users.username = ?", "jopatel").Take(&link)
				return st.RevokeCarer(ctx, nurse, nurseActor, amelia, link.ID)
			}},
		}
		for _, c := range changes {
			if err := c.change(); err != nil {
				t.Fatalf("%s: %v", c.event, err)
			}
			var delivery models.WebhookDelivery
			if err := db.Where("endpoint_id = ?", everything.ID).Order("id DESC").Take(&delivery).Error; err != nil || delivery.EventType != c.event {
				t.Fatalf("%s queued %q (%v)", c.event, delivery.EventType, err)
			}
			var event models.WebhookEvent
			if err := json.Unmarshal([]byte(delivery.Payload), &event); err != nil {
				t.Fatal(err)
			}
			for role, reference := range event.Data {
				if !regexp.MustCompile(`^(Patient|Observation|CarePlan|Condition)/[a-z0-9]+$`).MatchString(reference) {
					t.Errorf("%s: data %s is %q, not a FHIR reference", c.event, role, reference)
				}
			}
			if event.Type != c.event || event.Data["patient"] != "Patient/"+amelia.Ref || event.Timestamp == "" {
				t.Errorf("%s: event %+v", c.event, event)
			}
		}
		counts := map[uint]int64{}
		for _, endpoint := range []*models.WebhookEndpoint{everything, reviewsOnly, elsewhere} {
			var n int64
			db.Model(&models.WebhookDelivery{}).Where("endpoint_id = ?", endpoint.ID).Count(&n)
			counts[endpoint.ID] = n
		}
		if counts[everything.ID] != int64(len(changes)) || counts[reviewsOnly.ID] != 1 || counts[elsewhere.ID] != 0 {
			t.Errorf("deliveries: %d for every event, %d for reviews only, %d for another practice", counts[everything.ID], counts[reviewsOnly.ID], counts[elsewhere.ID])
		}
	})
}
