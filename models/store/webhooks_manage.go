package store

import (
	"context"
	"fmt"
	"strconv"

	"healthpassport/models"

	"gorm.io/gorm"
)

// PauseWebhook stops an endpoint being sent events until it is resumed.
func (s *Store) PauseWebhook(ctx context.Context, actor models.Actor, endpoint *models.WebhookEndpoint) error {
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&models.WebhookEndpoint{}).Where("id = ? AND paused_at IS NULL", endpoint.ID).
			Updates(map[string]any{"paused_at": now, "disabled_at": now,
				"disabled_reason": "Paused on " + now.In(models.UK).Format("2 January 2006 at 3:04pm") + "."})
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return models.ErrWebhookPaused
		}
		held := tx.Model(&models.WebhookDelivery{}).Where("endpoint_id = ? AND status = ?", endpoint.ID, models.DeliveryPending).
			Update("status", models.DeliveryFailed)
		if held.Error != nil {
			return held.Error
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditWebhookPaused, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
			Detail: fmt.Sprintf("%s (%d waiting deliveries not sent)", endpoint.URL, held.RowsAffected)})
	})
}

// ResumeWebhook sends a paused endpoint events again, from now on.
func (s *Store) ResumeWebhook(ctx context.Context, actor models.Actor, endpoint *models.WebhookEndpoint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&models.WebhookEndpoint{}).Where("id = ? AND paused_at IS NOT NULL", endpoint.ID).
			Updates(map[string]any{"paused_at": nil, "disabled_at": nil, "disabled_reason": "", "consecutive_failures": 0})
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return models.ErrWebhookNotPaused
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditWebhookResumed, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
			Detail: endpoint.URL})
	})
}

// DeleteWebhook removes an endpoint with its deliveries and their attempts;
// a delivery job still queued for it finds nothing and ends.
func (s *Store) DeleteWebhook(ctx context.Context, actor models.Actor, endpoint *models.WebhookEndpoint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		deliveries := tx.Model(&models.WebhookDelivery{}).Select("id").Where("endpoint_id = ?", endpoint.ID)
		if err := tx.Where("delivery_id IN (?)", deliveries).Delete(&models.WebhookAttempt{}).Error; err != nil {
			return err
		}
		if err := tx.Where("endpoint_id = ?", endpoint.ID).Delete(&models.WebhookDelivery{}).Error; err != nil {
			return err
		}
		removed := tx.Delete(&models.WebhookEndpoint{}, endpoint.ID)
		if removed.Error != nil {
			return removed.Error
		}
		if removed.RowsAffected != 1 {
			return models.ErrNotFound
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditWebhookDeleted, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
			Detail: fmt.Sprintf("%s for %s", endpoint.URL, endpoint.Events)})
	})
}
