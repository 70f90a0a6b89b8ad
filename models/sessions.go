package models

import (
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SessionStore keeps scs sessions in the database, so that every instance
// of the app shares them and signing out ends a session everywhere.
type SessionStore struct {
	db *gorm.DB
}

func NewSessionStore(db *gorm.DB) *SessionStore { return &SessionStore{db: db} }

// Find returns the data of an unexpired session.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	var session Session
	err := s.db.Where("token = ? AND expiry > ?", token, time.Now().UTC()).First(&session).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return session.Data, true, nil
}

// Commit adds or replaces a session.
func (s *SessionStore) Commit(token string, data []byte, expiry time.Time) error {
	return s.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "token"}},
		DoUpdates: clause.AssignmentColumns([]string{"data", "expiry"}),
	}).Create(&Session{Token: token, Data: data, Expiry: expiry.UTC()}).Error
}

// Delete removes a session.
func (s *SessionStore) Delete(token string) error {
	return s.db.Where("token = ?", token).Delete(&Session{}).Error
}

// DeleteExpired removes sessions that can no longer be used.
func (s *SessionStore) DeleteExpired() error {
	return s.db.Where("expiry <= ?", time.Now().UTC()).Delete(&Session{}).Error
}
