package models

import (
	"errors"
	"time"

	"gorm.io/gorm"
)

// Feedback is one person's satisfaction score, from 1 (very dissatisfied)
// to 5 (very satisfied), with an optional comment.
type Feedback struct {
	ID        uint
	UserID    uint
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
	err := s.db.Where("user_id = ?", userID).Order("created_at DESC").First(&feedback).Error
	return &feedback, notFound(err)
}

// GiveFeedback records feedback, at most once per FeedbackInterval.
func (s *Store) GiveFeedback(userID uint, score int, comment string) error {
	return s.db.Transaction(func(tx *gorm.DB) error {
		var recent int64
		if err := tx.Model(&Feedback{}).Where("user_id = ? AND created_at > ?", userID, s.now().Add(-FeedbackInterval)).Count(&recent).Error; err != nil {
			return err
		}
		if recent > 0 {
			return ErrFeedbackTooSoon
		}
		return tx.Create(&Feedback{UserID: userID, Score: score, Comment: comment, CreatedAt: s.now()}).Error
	})
}
