package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"healthpassport/models"
	"healthpassport/models/webhooks"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// webhookRetrySchedule is the wait before each retry, after the Standard
// Webhooks guidance: about a day in all, then the endpoint is switched off.
var webhookRetrySchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// RetryWebhooksAfter replaces the waits between delivery attempts; the
// number of waits is the number of retries.
func (s *Store) RetryWebhooksAfter(waits []time.Duration) { s.webhookRetries = waits }

// RetryJobsAfter replaces River's waits before each retry of a failed job
// (a second, then sixteen, then eighty-one and so on) with these, the last
// repeated once they run out. A webhook's delivery keeps its own schedule:
// see RetryWebhooksAfter.
func (s *Store) RetryJobsAfter(waits []time.Duration) { s.jobRetries = waits }

// JobRetries are the waits RetryJobsAfter gave, or nil for River's own.
func (s *Store) JobRetries() []time.Duration { return s.jobRetries }

// newWebhookSecret is 32 random bytes, as a whsec_ secret.
func newWebhookSecret() string {
	return models.SecretPrefix + base64.StdEncoding.EncodeToString(models.RandomBytes(32))
}

// RegisterWebhook saves a checked endpoint with a new secret, which is
// shown once.
func (s *Store) RegisterWebhook(ctx context.Context, actor models.Actor, endpoint models.WebhookEndpoint) (*models.WebhookEndpoint, error) {
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
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditWebhookRegistered, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
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
func (s *Store) WebhookSecrets(endpoint *models.WebhookEndpoint) (current, previous string, err error) {
	current, err = s.secretKeys.open(endpoint.SealedSecret, endpoint.SecretKeyID, webhookSecretPlace("secret", endpoint.ID))
	if err != nil || endpoint.SealedPreviousSecret == "" {
		return current, "", err
	}
	previous, err = s.secretKeys.open(endpoint.SealedPreviousSecret, endpoint.SecretKeyID, webhookSecretPlace("previous_secret", endpoint.ID))
	return current, previous, err
}

// WebhooksAt lists the endpoints of some practices, newest first.
func (s *Store) WebhooksAt(ctx context.Context, practiceIDs []uint) ([]models.WebhookEndpoint, error) {
	var endpoints []models.WebhookEndpoint
	err := s.db.WithContext(ctx).Joins("Organisation").Where("webhook_endpoints.organisation_id IN ?", orNone(practiceIDs)).
		Order("webhook_endpoints.id DESC").Find(&endpoints).Error
	return endpoints, err
}

// WebhookAt finds one endpoint among some practices'.
func (s *Store) WebhookAt(ctx context.Context, practiceIDs []uint, id uint) (*models.WebhookEndpoint, error) {
	var endpoint models.WebhookEndpoint
	err := s.db.WithContext(ctx).Joins("Organisation").Where("webhook_endpoints.id = ? AND webhook_endpoints.organisation_id IN ?", id, orNone(practiceIDs)).
		Take(&endpoint).Error
	return &endpoint, notFound(err)
}

// secretOverlap is how long a replaced secret still signs deliveries.
const secretOverlap = 24 * time.Hour

// RotateWebhookSecret gives an endpoint a new secret; the old one signs
// deliveries too for a day, while the receiver changes over.
func (s *Store) RotateWebhookSecret(ctx context.Context, actor models.Actor, endpoint *models.WebhookEndpoint) (string, error) {
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
		update := tx.Model(&models.WebhookEndpoint{}).Where("id = ? AND secret = ?", endpoint.ID, endpoint.SealedSecret).
			Updates(map[string]any{"secret": sealed, "previous_secret": sealedOld, "secret_key_id": keyID, "previous_secret_until": until})
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return models.ErrSecretChanged
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditWebhookSecretRotated, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
			Detail: endpoint.URL})
	})
	return secret, err
}

// EnableWebhook switches an endpoint that failed back on.
func (s *Store) EnableWebhook(ctx context.Context, actor models.Actor, endpoint *models.WebhookEndpoint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&models.WebhookEndpoint{}).Where("id = ? AND disabled_at IS NOT NULL", endpoint.ID).
			Updates(map[string]any{"disabled_at": nil, "disabled_reason": "", "consecutive_failures": 0})
		if update.Error != nil || update.RowsAffected != 1 {
			return update.Error // already on: nothing to do
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditWebhookEnabled, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
			Detail: endpoint.URL})
	})
}

// WebhookDeliveries lists a page of an endpoint's deliveries, newest
// first: those of one status, or all when status is empty.
func (s *Store) WebhookDeliveries(ctx context.Context, endpoint *models.WebhookEndpoint, status string, page int) (models.Listing[models.WebhookDelivery], error) {
	q := s.db.WithContext(ctx).Model(&models.WebhookDelivery{}).Where("endpoint_id = ?", endpoint.ID)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	return listPage[models.WebhookDelivery](q, "", "created_at DESC, id DESC", page)
}

// WebhookAttempts lists the attempts at an endpoint's deliveries, newest
// first, by delivery.
func (s *Store) WebhookAttempts(ctx context.Context, deliveries []models.WebhookDelivery) (map[uint][]models.WebhookAttempt, error) {
	ids := make([]uint, len(deliveries))
	for i, d := range deliveries {
		ids[i] = d.ID
	}
	var attempts []models.WebhookAttempt
	if err := s.db.WithContext(ctx).Where("delivery_id IN ?", orNone(ids)).Order("id DESC").Find(&attempts).Error; err != nil {
		return nil, err
	}
	byDelivery := map[uint][]models.WebhookAttempt{}
	for _, a := range attempts {
		byDelivery[a.DeliveryID] = append(byDelivery[a.DeliveryID], a)
	}
	return byDelivery, nil
}

// ReplayWebhook queues a delivery of an endpoint's again, with the same
// message id.
func (s *Store) ReplayWebhook(ctx context.Context, actor models.Actor, endpoint *models.WebhookEndpoint, deliveryID uint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// A delivery still waiting is left alone: two jobs would send it twice.
		update := tx.Model(&models.WebhookDelivery{}).Where("id = ? AND endpoint_id = ? AND status <> ?", deliveryID, endpoint.ID, models.DeliveryPending).
			Update("status", models.DeliveryPending)
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			var waiting int64
			if err := tx.Model(&models.WebhookDelivery{}).Where("id = ? AND endpoint_id = ?", deliveryID, endpoint.ID).Count(&waiting).Error; err != nil {
				return err
			}
			if waiting == 1 {
				return models.ErrDeliveryWaiting
			}
			return models.ErrNotFound
		}
		if err := s.Enqueue(tx, WebhookArgs{DeliveryID: deliveryID}); err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditWebhookReplayed, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
			Detail: fmt.Sprintf("delivery %d to %s", deliveryID, endpoint.URL)})
	})
}

// queueWebhooks queues, in the change's own transaction tx, a delivery of
// an event about a patient to every endpoint of the patient's practice
// that chose it: a change rolled back is never announced. resources are
// FHIR references, such as "Observation/12", named by their role.
func (s *Store) queueWebhooks(tx *gorm.DB, patientID uint, eventType string, resources map[string]string) error {
	var patient models.Patient
	if err := tx.Select("id", "ref", "practice_id").Take(&patient, patientID).Error; err != nil {
		return err
	}
	var endpoints []models.WebhookEndpoint
	if err := tx.Where("organisation_id = ? AND disabled_at IS NULL", patient.PracticeID).Find(&endpoints).Error; err != nil {
		return err
	}
	now := s.now()
	data := map[string]string{"patient": "Patient/" + patient.Ref}
	for role, reference := range resources {
		data[role] = reference
	}
	body, err := json.Marshal(models.WebhookEvent{Type: eventType, Timestamp: now.Format(time.RFC3339), Data: data})
	if err != nil {
		return err
	}
	for _, endpoint := range endpoints {
		if !endpoint.Subscribes(eventType) {
			continue
		}
		delivery := models.WebhookDelivery{EndpointID: endpoint.ID, MessageID: "msg_" + models.RandomToken(26), EventType: eventType,
			Payload: string(body), Status: models.DeliveryPending, CreatedAt: now}
		if err := tx.Create(&delivery).Error; err != nil {
			return err
		}
		if err := s.Enqueue(tx, WebhookArgs{DeliveryID: delivery.ID}); err != nil {
			return err
		}
	}
	return nil
}

// WebhookRetryWait is how long a delivery waits after a failed attempt,
// following the store's schedule of waits.
func (s *Store) WebhookRetryWait(attempt int) time.Duration {
	return s.webhookRetries[min(attempt, len(s.webhookRetries))-1]
}

// givenUp ends a delivery's job without River retrying it.
func givenUp(err error) error { return river.JobCancel(err) }

// DeliverWebhook makes one attempt at a delivery and logs it. A failure is
// retried after the next wait of the schedule; once the schedule is spent
// the delivery has failed and its endpoint is switched off, with a notice
// for the administrators.
func (s *Store) DeliverWebhook(ctx context.Context, deliveryID uint, attempt int) error {
	var delivery models.WebhookDelivery
	if err := s.db.WithContext(ctx).First(&delivery, deliveryID).Error; err != nil {
		return givenUp(notFound(err))
	}
	if delivery.Status != models.DeliveryPending {
		return nil
	}
	var endpoint models.WebhookEndpoint
	if err := s.db.WithContext(ctx).First(&endpoint, delivery.EndpointID).Error; err != nil {
		return givenUp(notFound(err))
	}
	if endpoint.DisabledAt != nil {
		return givenUp(errors.New("the endpoint is switched off"))
	}
	demo, err := s.IsDemo(ctx)
	if err != nil {
		return err
	}
	started := s.now()
	status, sendErr := s.sendWebhook(ctx, &endpoint, &delivery, demo)
	record := models.WebhookAttempt{DeliveryID: delivery.ID, AttemptedAt: started, StatusCode: status, DurationMS: s.now().Sub(started).Milliseconds()}
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
			deliveryChange["status"], deliveryChange["delivered_at"] = models.DeliveryDelivered, record.AttemptedAt
			endpointChange["consecutive_failures"] = 0
		case spent:
			deliveryChange["status"] = models.DeliveryFailed
		}
		if err := tx.Model(&models.WebhookDelivery{}).Where("id = ?", delivery.ID).Updates(deliveryChange).Error; err != nil {
			return err
		}
		if err := tx.Model(&models.WebhookEndpoint{}).Where("id = ?", endpoint.ID).Updates(endpointChange).Error; err != nil {
			return err
		}
		if !spent {
			return nil
		}
		reason := fmt.Sprintf("Switched off on %s: %d attempts to deliver an event failed over %s.",
			s.now().In(models.UK).Format("2 January 2006 at 3:04pm"), attempt, started.Sub(delivery.CreatedAt).Round(time.Minute))
		off := tx.Model(&models.WebhookEndpoint{}).Where("id = ? AND disabled_at IS NULL", endpoint.ID).
			Updates(map[string]any{"disabled_at": s.now(), "disabled_reason": reason})
		if off.Error != nil || off.RowsAffected == 0 {
			return off.Error
		}
		return s.audit(tx, models.Actor{}, models.AuditEntry{Action: models.AuditWebhookDisabled, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
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
func (s *Store) sendWebhook(ctx context.Context, endpoint *models.WebhookEndpoint, delivery *models.WebhookDelivery, demo bool) (int, error) {
	timestamp := s.now().Unix()
	current, previous, err := s.WebhookSecrets(endpoint)
	if err != nil {
		return 0, err
	}
	secrets := []string{current}
	if previous != "" && endpoint.PreviousSecretUntil != nil && s.now().Before(*endpoint.PreviousSecretUntil) {
		secrets = append(secrets, previous)
	}
	return webhooks.Send(ctx, endpoint.URL, delivery.MessageID, timestamp, secrets, []byte(delivery.Payload), demo)
}
