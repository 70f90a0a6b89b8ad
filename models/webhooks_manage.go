package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"gorm.io/gorm"
)

// An administrator pauses, resumes and deletes webhook endpoints.
//
// A paused endpoint is switched off as one that failed is (its disabled_at
// is set), so that no event is queued for it while it is paused; its
// paused_at tells the two apart. Deliveries still waiting when it is
// paused are not sent: they are marked failed, and can be sent again once
// it is resumed. Deleting an endpoint removes its deliveries and their
// attempts with it.

// ErrWebhookPaused means the endpoint was already paused; ErrWebhookNotPaused
// that it was not paused.
var (
	ErrWebhookPaused    = errors.New("the endpoint is already paused")
	ErrWebhookNotPaused = errors.New("the endpoint is not paused")
)

// PauseWebhook stops an endpoint being sent events until it is resumed.
func (s *Store) PauseWebhook(ctx context.Context, actor Actor, endpoint *WebhookEndpoint) error {
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&WebhookEndpoint{}).Where("id = ? AND paused_at IS NULL", endpoint.ID).
			Updates(map[string]any{"paused_at": now, "disabled_at": now,
				"disabled_reason": "Paused on " + now.In(UK).Format("2 January 2006 at 3:04pm") + "."})
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return ErrWebhookPaused
		}
		held := tx.Model(&WebhookDelivery{}).Where("endpoint_id = ? AND status = ?", endpoint.ID, DeliveryPending).
			Update("status", DeliveryFailed)
		if held.Error != nil {
			return held.Error
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditWebhookPaused, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
			Detail: fmt.Sprintf("%s (%d waiting deliveries not sent)", endpoint.URL, held.RowsAffected)})
	})
}

// ResumeWebhook sends a paused endpoint events again, from now on.
func (s *Store) ResumeWebhook(ctx context.Context, actor Actor, endpoint *WebhookEndpoint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&WebhookEndpoint{}).Where("id = ? AND paused_at IS NOT NULL", endpoint.ID).
			Updates(map[string]any{"paused_at": nil, "disabled_at": nil, "disabled_reason": "", "consecutive_failures": 0})
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return ErrWebhookNotPaused
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditWebhookResumed, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
			Detail: endpoint.URL})
	})
}

// DeleteWebhook removes an endpoint with its deliveries and their attempts;
// a delivery job still queued for it finds nothing and ends.
func (s *Store) DeleteWebhook(ctx context.Context, actor Actor, endpoint *WebhookEndpoint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		deliveries := tx.Model(&WebhookDelivery{}).Select("id").Where("endpoint_id = ?", endpoint.ID)
		if err := tx.Where("delivery_id IN (?)", deliveries).Delete(&WebhookAttempt{}).Error; err != nil {
			return err
		}
		if err := tx.Where("endpoint_id = ?", endpoint.ID).Delete(&WebhookDelivery{}).Error; err != nil {
			return err
		}
		removed := tx.Delete(&WebhookEndpoint{}, endpoint.ID)
		if removed.Error != nil {
			return removed.Error
		}
		if removed.RowsAffected != 1 {
			return ErrNotFound
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditWebhookDeleted, TargetType: "webhook", TargetID: strconv.FormatUint(uint64(endpoint.ID), 10),
			Detail: fmt.Sprintf("%s for %s", endpoint.URL, endpoint.Events)})
	})
}
