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

// LastFeedback is the person's newest feedback, if any.
func (s *Store) LastFeedback(userID uint) (*Feedback, error) {
	var feedback Feedback
	err := s.db.Where("user_id = ?", userID).Order("number DESC").First(&feedback).Error
	return &feedback, notFound(err)
}

// GiveFeedback records feedback, at most once per FeedbackInterval.
func (s *Store) GiveFeedback(userID uint, score int, comment string) error {
	feedback := Feedback{UserID: userID, Number: 1, Score: score, Comment: comment, CreatedAt: s.now()}
	last, err := s.LastFeedback(userID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if err == nil {
		if last.CreatedAt.After(s.now().Add(-FeedbackInterval)) {
			return ErrFeedbackTooSoon
		}
		feedback.Number = last.Number + 1
	}
	err = s.db.Create(&feedback).Error
	if isUniqueViolation(err) {
		return ErrFeedbackTooSoon
	}
	return err
}
