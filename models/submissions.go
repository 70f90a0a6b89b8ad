package models

import (
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// FormSubmission is a form that has been sent, known by the one-time key
// the form carried, within the scope of who sent it. Location is where
// acting on it led; it is empty while the form is being acted on.
type FormSubmission struct {
	ID            uint
	Scope         string
	SubmissionKey string
	Location      string
	CreatedAt     time.Time
}

// SubmissionState is what is known of a form's key when it arrives.
type SubmissionState int

const (
	// SubmissionClaimed: the key is new, and this request acts on the form.
	SubmissionClaimed SubmissionState = iota
	// SubmissionInFlight: another request with the key is acting on it now.
	SubmissionInFlight
	// SubmissionDone: the form has been acted on; the answer is a redirect
	// to where that led.
	SubmissionDone
)

// ClaimSubmission claims a form's key for the request that brings it. The
// unique index on scope and key decides which of several requests wins;
// the others learn where the winner led, once it is done.
func (s *Store) ClaimSubmission(scope, key string) (SubmissionState, string, error) {
	claim := s.db.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&FormSubmission{Scope: scope, SubmissionKey: key, CreatedAt: s.now()})
	if claim.Error != nil {
		return 0, "", claim.Error
	}
	if claim.RowsAffected == 1 {
		return SubmissionClaimed, "", nil
	}
	var earlier FormSubmission
	err := s.db.Where("scope = ? AND submission_key = ?", scope, key).First(&earlier).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		// Released since the claim failed: the key can be claimed again.
		return SubmissionInFlight, "", nil
	case err != nil:
		return 0, "", err
	case earlier.Location == "":
		return SubmissionInFlight, "", nil
	}
	return SubmissionDone, earlier.Location, nil
}

// CompleteSubmission records where acting on a claimed form led.
func (s *Store) CompleteSubmission(scope, key, location string) error {
	return s.db.Model(&FormSubmission{}).Where("scope = ? AND submission_key = ?", scope, key).
		Update("location", location).Error
}

// ReleaseSubmission gives up a claim on a form that was not acted on, such
// as one with mistakes to correct, so the same form can be sent again.
func (s *Store) ReleaseSubmission(scope, key string) error {
	return s.db.Where("scope = ? AND submission_key = ? AND location = ''", scope, key).Delete(&FormSubmission{}).Error
}

// ForgetSubmissionsBefore removes keys claimed before a time: a form is
// only sent again within moments, by a double click or a retry.
func (s *Store) ForgetSubmissionsBefore(t time.Time) error {
	return s.db.Where("created_at < ?", t).Delete(&FormSubmission{}).Error
}
