package models

import (
	"errors"
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
