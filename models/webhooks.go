package models

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"healthpassport/models/outbound"
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

// SecretPrefix marks a Standard Webhooks signing secret.
const SecretPrefix = "whsec_"

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

// ErrSecretChanged means someone else changed the endpoint's secret first.
var ErrSecretChanged = errors.New("the endpoint's secret was changed by someone else")

// ErrDeliveryWaiting means a delivery is already waiting to be sent.
var ErrDeliveryWaiting = errors.New("the delivery is already waiting to be sent")

// WebhookEvent is the body of a delivery: Standard Webhooks' type,
// timestamp and data, the data holding FHIR references only.
type WebhookEvent struct {
	Type      string            `json:"type"`
	Timestamp string            `json:"timestamp"`
	Data      map[string]string `json:"data"`
}
