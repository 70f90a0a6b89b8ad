package store

import (
	"context"
	"errors"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ClaimSubmission claims a form's key for the request that brings it. The
// unique index on scope and key decides which of several requests wins;
// the others learn where the winner led, once it is done.
func (s *Store) ClaimSubmission(ctx context.Context, scope, key string) (models.SubmissionState, string, error) {
	claim := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&models.FormSubmission{Scope: scope, SubmissionKey: key, CreatedAt: s.now()})
	if claim.Error != nil {
		return 0, "", claim.Error
	}
	if claim.RowsAffected == 1 {
		return models.SubmissionClaimed, "", nil
	}
	var earlier models.FormSubmission
	err := s.db.WithContext(ctx).Where("scope = ? AND submission_key = ?", scope, key).First(&earlier).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		// Released since the claim failed: the key can be claimed again.
		return models.SubmissionInFlight, "", nil
	case err != nil:
		return 0, "", err
	case earlier.Location == "":
		return models.SubmissionInFlight, "", nil
	}
	return models.SubmissionDone, earlier.Location, nil
}

// CompleteSubmission records where acting on a claimed form led.
func (s *Store) CompleteSubmission(ctx context.Context, scope, key, location string) error {
	return s.db.WithContext(ctx).Model(&models.FormSubmission{}).Where("scope = ? AND submission_key = ?", scope, key).
		Update("location", location).Error
}

// ReleaseSubmission gives up a claim on a form that was not acted on, such
// as one with mistakes to correct, so the same form can be sent again.
func (s *Store) ReleaseSubmission(ctx context.Context, scope, key string) error {
	return s.db.WithContext(ctx).Where("scope = ? AND submission_key = ? AND location = ''", scope, key).Delete(&models.FormSubmission{}).Error
}

// ForgetSubmissionsBefore removes keys claimed before a time: a form is
// only sent again within moments, by a double click or a retry.
func (s *Store) ForgetSubmissionsBefore(ctx context.Context, t time.Time) error {
	return s.db.WithContext(ctx).Where("created_at < ?", t).Delete(&models.FormSubmission{}).Error
}
