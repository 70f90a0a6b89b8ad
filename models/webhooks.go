package models

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"healthpassport/models/outbound"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// Webhooks tell an organisation's systems that something changed, following
// the Standard Webhooks specification: each delivery is signed with the
// endpoint's secret, queued in the same transaction as the change, and
// retried with growing waits for about a day.

// Webhook event types. Events are thin: what happened, when, and FHIR
// references to read; never clinical text.
const (
	EventPlanPublished         = "plan.published"
	EventRedZoneReading        = "reading.red-zone"
	EventPrescriptionRequested = "prescription.requested"
	EventPrescriptionDecided   = "prescription.decided"
	EventReviewRecorded        = "review.recorded"
	EventShareCreated          = "share.created"
	EventShareRevoked          = "share.revoked"
	EventCarerLinked           = "carer.linked"
	EventCarerRemoved          = "carer.removed"
)

// WebhookEventType is an event an endpoint can choose, as an administrator
// reads it.
type WebhookEventType struct {
	Type        string
	Description string
}

// WebhookEventTypes are the events, in the order the form lists them.
var WebhookEventTypes = []WebhookEventType{
	{EventPlanPublished, "An action plan is published"},
	{EventRedZoneReading, "A patient records a red-zone reading"},
	{EventPrescriptionRequested, "A repeat prescription is asked for"},
	{EventPrescriptionDecided, "A repeat prescription is approved or turned down"},
	{EventReviewRecorded, "A review is recorded"},
	{EventShareCreated, "An emergency page is shared"},
	{EventShareRevoked, "Sharing an emergency page is stopped"},
	{EventCarerLinked, "A carer is added"},
	{EventCarerRemoved, "A carer is removed"},
}

// WebhookEndpoint is an address an organisation's system listens at.
type WebhookEndpoint struct {
	ID             uint
	OrganisationID uint
	URL            string `gorm:"column:url"`
	Description    string
	Events         string // space-separated event types
	// The secret signs deliveries; the previous secret signs them too
	// until PreviousSecretUntil, so that a receiver can change over. Both
	// are kept sealed with the key SecretKeyID names (see SecretKeys) and
	// read with WebhookSecrets. Secret is the new secret in plain text,
	// only on the endpoint RegisterWebhook gives back; it is never stored.
	Secret               string `gorm:"-"`
	SealedSecret         string `gorm:"column:secret"`
	SealedPreviousSecret string `gorm:"column:previous_secret"`
	SecretKeyID          string
	PreviousSecretUntil  *time.Time
	ConsecutiveFailures  int
	DisabledAt           *time.Time
	DisabledReason       string
	PausedAt             *time.Time // see PauseWebhook
	CreatedByID          uint
	CreatedAt            time.Time
	Organisation         *Organisation
}

// Subscribes reports whether the endpoint chose an event type.
func (e *WebhookEndpoint) Subscribes(eventType string) bool {
	return slices.Contains(strings.Fields(e.Events), eventType)
}

// WebhookDelivery is one event for one endpoint. Its message id stays the
// same through retries and replays, so a receiver can drop duplicates.
type WebhookDelivery struct {
	ID          uint
	EndpointID  uint
	MessageID   string
	EventType   string
	Payload     string
	Status      string
	Attempts    int
	CreatedAt   time.Time
	DeliveredAt *time.Time
}

// Where a delivery stands.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WebhookAttempt is one try at delivering.
type WebhookAttempt struct {
	ID          uint
	DeliveryID  uint
	AttemptedAt time.Time
	StatusCode  int   // 0 when no answer came
	DurationMS  int64 `gorm:"column:duration_ms"`
	Failure     string
}

// webhookRetrySchedule is the wait before each retry, after the Standard
// Webhooks guidance: about a day in all, then the endpoint is switched off.
var webhookRetrySchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// RetryWebhooksAfter replaces the waits between delivery attempts; the
// number of waits is the number of retries.
func (s *Store) RetryWebhooksAfter(waits []time.Duration) { s.webhookRetries = waits }

// webhookTimeout is how long a receiver has to answer.
const webhookTimeout = 15 * time.Second

// secretPrefix marks a Standard Webhooks signing secret.
const secretPrefix = "whsec_"

// newWebhookSecret is 32 random bytes, as a whsec_ secret.
func newWebhookSecret() string {
	return secretPrefix + base64.StdEncoding.EncodeToString(randomBytes(32))
}

// SignWebhook is the Standard Webhooks signature of a message: v1, then the
// base64 HMAC-SHA256, keyed with the secret's bytes, of id.timestamp.body.
func SignWebhook(secret, messageID string, timestamp int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil {
		return "", fmt.Errorf("webhook secret is not base64: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", messageID, timestamp)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// WebhookEntry is what an administrator typed to register an endpoint.
type WebhookEntry struct {
	URL         string
	Description string
	PracticeID  string
	Events      []string
}

// Fields of the webhook form.
const (
	FieldWebhookURL         = "url"
	FieldWebhookDescription = "description"
	FieldWebhookPractice    = "practice"
	FieldWebhookEvents      = "events"
)

// CheckWebhookEndpoint checks an endpoint as registered: an https address
// (http too in demo mode) on a public host, a practice the administrator
// looks after and at least one event. An address written as a private or
// loopback IP, in any spelling, is refused here (demo mode allows this
// machine, where its receivers run); names are checked each time they are
// looked up, when delivering.
func CheckWebhookEndpoint(entry WebhookEntry, practices []Organisation, demo bool) (WebhookEndpoint, FieldErrors) {
	var errs FieldErrors
	endpoint := WebhookEndpoint{Description: entry.Description}
	example := "Enter an address starting https://, like https://example.org/events"
	if demo {
		example = "Enter an address starting https:// or http://, like https://example.org/events"
	}
	switch {
	case entry.URL == "":
		errs.Add(FieldWebhookURL, "Enter the address to send events to")
	case len(entry.URL) > 2000:
		errs.Add(FieldWebhookURL, "The address must be 2,000 characters or fewer")
	default:
		if message := userAddressMessage(outbound.CheckAddress(entry.URL, demo, demo), example); message != "" {
			errs.Add(FieldWebhookURL, message)
		} else {
			address, _ := url.Parse(entry.URL)
			endpoint.URL = address.String()
		}
	}
	errs.optionalText(FieldWebhookDescription, entry.Description, "The description", 200)
	id, err := strconv.ParseUint(entry.PracticeID, 10, 32)
	if i := slices.IndexFunc(practices, func(o Organisation) bool { return err == nil && o.ID == uint(id) }); i >= 0 {
		endpoint.OrganisationID = practices[i].ID
	} else {
		errs.Add(FieldWebhookPractice, "Select the practice whose events to send")
	}
	var chosen []string
	for _, event := range WebhookEventTypes {
		if slices.Contains(entry.Events, event.Type) {
			chosen = append(chosen, event.Type)
		}
	}
	if len(chosen) == 0 || len(chosen) != len(slices.Compact(slices.Sorted(slices.Values(entry.Events)))) {
		errs.Add(FieldWebhookEvents, "Select the events to send")
	}
	endpoint.Events = strings.Join(chosen, " ")
	return endpoint, errs
}

// RegisterWebhook saves a checked endpoint with a new secret, which is
// shown once.
func (s *Store) RegisterWebhook(ctx context.Context, actor Actor, endpoint WebhookEndpoint) (*WebhookEndpoint, error) {
	secret := newWebhookSecret()
	endpoint.CreatedByID = actor.UserID
	endpoint.CreatedAt = s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The sealed secret is bound to the row's id, known once it is in.
		if err := tx.Create(&endpoint).Error; err != nil {
			return err
		}
		sealed, keyID, err := s.secretKeys.seal(secret, webhookSecretPlace("secret", endpoint.ID))
		if err != nil {
			return err
		}
		endpoint.SealedSecret, endpoint.SecretKeyID = sealed, keyID
		if err := tx.Model(&endpoint).Updates(map[string]any{"secret": sealed, "secret_key_id": keyID}).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditWebhookRegistered, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
			Detail: fmt.Sprintf("%s for %s", endpoint.URL, endpoint.Events)})
	})
	endpoint.Secret = secret
	return &endpoint, err
}

// webhookSecretPlace is what a sealed webhook secret is bound to: its
// column and its endpoint.
func webhookSecretPlace(column string, endpointID uint) string {
	return "webhook_endpoints." + column + ":" + strconv.FormatUint(uint64(endpointID), 10)
}

// WebhookSecrets opens an endpoint's secrets: the current one, and the
// previous one or "" when there is none.
func (s *Store) WebhookSecrets(endpoint *WebhookEndpoint) (current, previous string, err error) {
	current, err = s.secretKeys.open(endpoint.SealedSecret, endpoint.SecretKeyID, webhookSecretPlace("secret", endpoint.ID))
	if err != nil || endpoint.SealedPreviousSecret == "" {
		return current, "", err
	}
	previous, err = s.secretKeys.open(endpoint.SealedPreviousSecret, endpoint.SecretKeyID, webhookSecretPlace("previous_secret", endpoint.ID))
	return current, previous, err
}

// WebhooksAt lists the endpoints of some practices, newest first.
func (s *Store) WebhooksAt(ctx context.Context, practiceIDs []uint) ([]WebhookEndpoint, error) {
	var endpoints []WebhookEndpoint
	err := s.db.WithContext(ctx).Joins("Organisation").Where("webhook_endpoints.organisation_id IN ?", orNone(practiceIDs)).
		Order("webhook_endpoints.id DESC").Find(&endpoints).Error
	return endpoints, err
}

// WebhookAt finds one endpoint among some practices'.
func (s *Store) WebhookAt(ctx context.Context, practiceIDs []uint, id uint) (*WebhookEndpoint, error) {
	var endpoint WebhookEndpoint
	err := s.db.WithContext(ctx).Joins("Organisation").Where("webhook_endpoints.id = ? AND webhook_endpoints.organisation_id IN ?", id, orNone(practiceIDs)).
		Take(&endpoint).Error
	return &endpoint, notFound(err)
}

func orNone(ids []uint) []uint {
	if len(ids) == 0 {
		return []uint{0}
	}
	return ids
}

// ErrSecretChanged means someone else changed the endpoint's secret first.
var ErrSecretChanged = errors.New("the endpoint's secret was changed by someone else")

// secretOverlap is how long a replaced secret still signs deliveries.
const secretOverlap = 24 * time.Hour

// RotateWebhookSecret gives an endpoint a new secret; the old one signs
// deliveries too for a day, while the receiver changes over.
func (s *Store) RotateWebhookSecret(ctx context.Context, actor Actor, endpoint *WebhookEndpoint) (string, error) {
	old, _, err := s.WebhookSecrets(endpoint)
	if err != nil {
		return "", err
	}
	secret := newWebhookSecret()
	sealed, keyID, err := s.secretKeys.seal(secret, webhookSecretPlace("secret", endpoint.ID))
	if err != nil {
		return "", err
	}
	sealedOld, _, err := s.secretKeys.seal(old, webhookSecretPlace("previous_secret", endpoint.ID))
	if err != nil {
		return "", err
	}
	until := s.now().Add(secretOverlap)
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&WebhookEndpoint{}).Where("id = ? AND secret = ?", endpoint.ID, endpoint.SealedSecret).
			Updates(map[string]any{"secret": sealed, "previous_secret": sealedOld, "secret_key_id": keyID, "previous_secret_until": until})
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return ErrSecretChanged
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditWebhookSecretRotated, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
			Detail: endpoint.URL})
	})
	return secret, err
}

// EnableWebhook switches an endpoint that failed back on.
func (s *Store) EnableWebhook(ctx context.Context, actor Actor, endpoint *WebhookEndpoint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&WebhookEndpoint{}).Where("id = ? AND disabled_at IS NOT NULL", endpoint.ID).
			Updates(map[string]any{"disabled_at": nil, "disabled_reason": "", "consecutive_failures": 0})
		if update.Error != nil || update.RowsAffected != 1 {
			return update.Error // already on: nothing to do
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditWebhookEnabled, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
			Detail: endpoint.URL})
	})
}

// WebhookDeliveries lists an endpoint's latest deliveries, newest first.
func (s *Store) WebhookDeliveries(ctx context.Context, endpoint *WebhookEndpoint, limit int) ([]WebhookDelivery, error) {
	var deliveries []WebhookDelivery
	err := s.db.WithContext(ctx).Where("endpoint_id = ?", endpoint.ID).Order("created_at DESC, id DESC").Limit(limit).Find(&deliveries).Error
	return deliveries, err
}

// WebhookAttempts lists the attempts at an endpoint's deliveries, newest
// first, by delivery.
func (s *Store) WebhookAttempts(ctx context.Context, deliveries []WebhookDelivery) (map[uint][]WebhookAttempt, error) {
	ids := make([]uint, len(deliveries))
	for i, d := range deliveries {
		ids[i] = d.ID
	}
	var attempts []WebhookAttempt
	if err := s.db.WithContext(ctx).Where("delivery_id IN ?", orNone(ids)).Order("id DESC").Find(&attempts).Error; err != nil {
		return nil, err
	}
	byDelivery := map[uint][]WebhookAttempt{}
	for _, a := range attempts {
		byDelivery[a.DeliveryID] = append(byDelivery[a.DeliveryID], a)
	}
	return byDelivery, nil
}

// ErrDeliveryWaiting means a delivery is already waiting to be sent.
var ErrDeliveryWaiting = errors.New("the delivery is already waiting to be sent")

// ReplayWebhook queues a delivery of an endpoint's again, with the same
// message id.
func (s *Store) ReplayWebhook(ctx context.Context, actor Actor, endpoint *WebhookEndpoint, deliveryID uint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// A delivery still waiting is left alone: two jobs would send it twice.
		update := tx.Model(&WebhookDelivery{}).Where("id = ? AND endpoint_id = ? AND status <> ?", deliveryID, endpoint.ID, DeliveryPending).
			Update("status", DeliveryPending)
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			var waiting int64
			if err := tx.Model(&WebhookDelivery{}).Where("id = ? AND endpoint_id = ?", deliveryID, endpoint.ID).Count(&waiting).Error; err != nil {
				return err
			}
			if waiting == 1 {
				return ErrDeliveryWaiting
			}
			return ErrNotFound
		}
		if err := s.Enqueue(tx, WebhookArgs{DeliveryID: deliveryID}); err != nil {
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditWebhookReplayed, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
			Detail: fmt.Sprintf("delivery %d to %s", deliveryID, endpoint.URL)})
	})
}

// WebhookEvent is the body of a delivery: Standard Webhooks' type,
// timestamp and data, the data holding FHIR references only.
type WebhookEvent struct {
	Type      string            `json:"type"`
	Timestamp string            `json:"timestamp"`
	Data      map[string]string `json:"data"`
}

// queueWebhooks queues, in the change's own transaction tx, a delivery of
// an event about a patient to every endpoint of the patient's practice
// that chose it: a change rolled back is never announced. resources are
// FHIR references, such as "Observation/12", named by their role.
func (s *Store) queueWebhooks(tx *gorm.DB, patientID uint, eventType string, resources map[string]string) error {
	var patient Patient
	if err := tx.Select("id", "ref", "practice_id").Take(&patient, patientID).Error; err != nil {
		return err
	}
	var endpoints []WebhookEndpoint
	if err := tx.Where("organisation_id = ? AND disabled_at IS NULL", patient.PracticeID).Find(&endpoints).Error; err != nil {
		return err
	}
	now := s.now()
	data := map[string]string{"patient": "Patient/" + patient.Ref}
	for role, reference := range resources {
		data[role] = reference
	}
	body, err := json.Marshal(WebhookEvent{Type: eventType, Timestamp: now.Format(time.RFC3339), Data: data})
	if err != nil {
		return err
	}
	for _, endpoint := range endpoints {
		if !endpoint.Subscribes(eventType) {
			continue
		}
		delivery := WebhookDelivery{EndpointID: endpoint.ID, MessageID: "msg_" + RandomToken(26), EventType: eventType,
			Payload: string(body), Status: DeliveryPending, CreatedAt: now}
		if err := tx.Create(&delivery).Error; err != nil {
			return err
		}
		if err := s.Enqueue(tx, WebhookArgs{DeliveryID: delivery.ID}); err != nil {
			return err
		}
	}
	return nil
}

// WebhookArgs asks for a delivery to be sent.
type WebhookArgs struct {
	DeliveryID uint `json:"delivery_id"`
}

func (WebhookArgs) Kind() string { return "webhook_delivery" }

// InsertOpts lets the worker, not River's attempt limit, decide when a
// delivery has been tried enough: see deliverWebhook.
func (WebhookArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 100} }

type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	store *Store
}

func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	return w.store.deliverWebhook(ctx, job.Args.DeliveryID, job.Attempt)
}

// NextRetry follows the store's schedule of waits.
func (w *webhookWorker) NextRetry(job *river.Job[WebhookArgs]) time.Time {
	waits := w.store.webhookRetries
	return time.Now().Add(waits[min(job.Attempt, len(waits))-1])
}

// givenUp ends a delivery's job without River retrying it.
func givenUp(err error) error { return river.JobCancel(err) }

// deliverWebhook makes one attempt at a delivery and logs it. A failure is
// retried after the next wait of the schedule; once the schedule is spent
// the delivery has failed and its endpoint is switched off, with a notice
// for the administrators.
func (s *Store) deliverWebhook(ctx context.Context, deliveryID uint, attempt int) error {
	var delivery WebhookDelivery
	if err := s.db.WithContext(ctx).First(&delivery, deliveryID).Error; err != nil {
		return givenUp(notFound(err))
	}
	if delivery.Status != DeliveryPending {
		return nil
	}
	var endpoint WebhookEndpoint
	if err := s.db.WithContext(ctx).First(&endpoint, delivery.EndpointID).Error; err != nil {
		return givenUp(notFound(err))
	}
	if endpoint.DisabledAt != nil {
		return givenUp(errors.New("the endpoint is switched off"))
	}
	demo, err := s.IsDemo()
	if err != nil {
		return err
	}
	started := s.now()
	status, sendErr := s.sendWebhook(ctx, &endpoint, &delivery, demo)
	record := WebhookAttempt{DeliveryID: delivery.ID, AttemptedAt: started, StatusCode: status, DurationMS: s.now().Sub(started).Milliseconds()}
	if sendErr != nil {
		record.Failure = truncate(sendErr.Error(), 500)
	}
	delivered := sendErr == nil
	spent := !delivered && attempt > len(s.webhookRetries)
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&record).Error; err != nil {
			return err
		}
		deliveryChange := map[string]any{"attempts": gorm.Expr("attempts + 1")}
		endpointChange := map[string]any{"consecutive_failures": gorm.Expr("consecutive_failures + 1")}
		switch {
		case delivered:
			deliveryChange["status"], deliveryChange["delivered_at"] = DeliveryDelivered, record.AttemptedAt
			endpointChange["consecutive_failures"] = 0
		case spent:
			deliveryChange["status"] = DeliveryFailed
		}
		if err := tx.Model(&WebhookDelivery{}).Where("id = ?", delivery.ID).Updates(deliveryChange).Error; err != nil {
			return err
		}
		if err := tx.Model(&WebhookEndpoint{}).Where("id = ?", endpoint.ID).Updates(endpointChange).Error; err != nil {
			return err
		}
		if !spent {
			return nil
		}
		reason := fmt.Sprintf("Switched off on %s: %d attempts to deliver an event failed over %s.",
			s.now().In(UK).Format("2 January 2006 at 3:04pm"), attempt, started.Sub(delivery.CreatedAt).Round(time.Minute))
		off := tx.Model(&WebhookEndpoint{}).Where("id = ? AND disabled_at IS NULL", endpoint.ID).
			Updates(map[string]any{"disabled_at": s.now(), "disabled_reason": reason})
		if off.Error != nil || off.RowsAffected == 0 {
			return off.Error
		}
		return s.audit(tx, Actor{}, AuditEntry{Action: AuditWebhookDisabled, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
			Detail: endpoint.URL})
	})
	switch {
	case err != nil:
		return err
	case spent:
		return givenUp(sendErr)
	default:
		return sendErr
	}
}

// sendWebhook posts a delivery, signed with the endpoint's secrets, and
// reports the answer's status; anything but a 2xx answer is a failure.
func (s *Store) sendWebhook(ctx context.Context, endpoint *WebhookEndpoint, delivery *WebhookDelivery, demo bool) (int, error) {
	timestamp := s.now().Unix()
	body := []byte(delivery.Payload)
	signatures := []string{}
	current, previous, err := s.WebhookSecrets(endpoint)
	if err != nil {
		return 0, err
	}
	secrets := []string{current}
	if previous != "" && endpoint.PreviousSecretUntil != nil && s.now().Before(*endpoint.PreviousSecretUntil) {
		secrets = append(secrets, previous)
	}
	for _, secret := range secrets {
		signature, err := SignWebhook(secret, delivery.MessageID, timestamp, body)
		if err != nil {
			return 0, err
		}
		signatures = append(signatures, signature)
	}
	header := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"HealthPassport-Webhooks/1"},
		"Webhook-Id": {delivery.MessageID}, "Webhook-Timestamp": {strconv.FormatInt(timestamp, 10)},
		"Webhook-Signature": {strings.Join(signatures, " ")}}
	client := liveWebhookClient
	if demo {
		client = demoWebhookClient
	}
	res, err := client.Post(ctx, endpoint.URL, header, body)
	if err != nil {
		return 0, err
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, fmt.Errorf("the endpoint answered %d", res.StatusCode)
	}
	return res.StatusCode, nil
}

// The clients deliveries are posted with, kept so connections are reused:
// see the outbound package for the rules they keep.
var (
	liveWebhookClient = outbound.New(outbound.Config{Timeout: webhookTimeout})
	demoWebhookClient = outbound.New(outbound.Config{Timeout: webhookTimeout, AllowLoopback: true})
)
