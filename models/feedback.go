package models

import (
	"errors"
	"time"
)

// Feedback is one person's satisfaction score, from 1 (very dissatisfied)
// to 5 (very satisfied), with an optional comment.
type Feedback struct {
	ID     uint
	UserID uint
	// Number counts a person's feedback: 1 for their first, then 2, and so
	// on. Each is numbered after the one before it, which it was checked
	// against, so two given at the same moment get the same number and the
	// unique index keeps one. A fixed 30-day period as the key would let
	// feedback through a day apart on either side of a period's end.
	Number    int
	Score     int
	Comment   string
	CreatedAt time.Time
}

// FeedbackInterval is how often one person can give feedback.
const FeedbackInterval = 30 * 24 * time.Hour

// ErrFeedbackTooSoon means the person gave feedback recently.
var ErrFeedbackTooSoon = errors.New("feedback given recently")
