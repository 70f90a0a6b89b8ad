package store

import (
	"context"
	"errors"

	"healthpassport/models"
)

// LastFeedback is the person's newest feedback, if any.
func (s *Store) LastFeedback(ctx context.Context, userID uint) (*models.Feedback, error) {
	var feedback models.Feedback
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("number DESC").First(&feedback).Error
	return &feedback, notFound(err)
}

// GiveFeedback records feedback, at most once per FeedbackInterval.
func (s *Store) GiveFeedback(ctx context.Context, userID uint, score int, comment string) error {
	feedback := models.Feedback{UserID: userID, Number: 1, Score: score, Comment: comment, CreatedAt: s.now()}
	last, err := s.LastFeedback(ctx, userID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	if err == nil {
		if last.CreatedAt.After(s.now().Add(-models.FeedbackInterval)) {
			return models.ErrFeedbackTooSoon
		}
		feedback.Number = last.Number + 1
	}
	err = s.db.WithContext(ctx).Create(&feedback).Error
	if IsUniqueViolation(err) {
		return models.ErrFeedbackTooSoon
	}
	return err
}
