package store

import (
	"context"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
)

// RecordDevice notes a new signed-in session.
func (s *Store) RecordDevice(ctx context.Context, userID uint, token, userAgent, ip string) error {
	now := s.now()
	return s.db.WithContext(ctx).Create(&models.Device{UserID: userID, Token: token, UserAgent: truncate(userAgent, 300), IPAddress: truncate(ip, 64),
		CreatedAt: now, LastSeenAt: now}).Error
}

// NoteDeviceSeen records that the device with a session's token was used.
func (s *Store) NoteDeviceSeen(ctx context.Context, token string, at time.Time) error {
	return s.db.WithContext(ctx).Model(&models.Device{}).Where("token = ?", token).Update("last_seen_at", at.UTC()).Error
}

// Devices lists where someone is signed in now, newest first.
func (s *Store) Devices(ctx context.Context, userID uint) ([]models.Device, error) {
	var devices []models.Device
	err := s.db.WithContext(ctx).Where("user_id = ? AND token IN (?)", userID,
		s.db.WithContext(ctx).Model(&models.Session{}).Select("token").Where("expiry > ?", s.now())).Order("created_at DESC, id DESC").Find(&devices).Error
	return devices, err
}

// SignedInUser is the person a session is signed in as: the session must
// still be one of their devices and their account must not be disabled. The
// device record, not the session's own data, decides, so that ending a
// session holds even if a request already under way saves it again.
func (s *Store) SignedInUser(ctx context.Context, token string, userID uint) (*models.User, error) {
	var user models.User
	err := s.db.WithContext(ctx).Joins("JOIN devices ON devices.user_id = users.id").
		Where("devices.token = ? AND users.id = ? AND users.disabled = ?", token, userID, false).First(&user).Error
	return &user, notFound(err)
}

// EndSessionsOf signs an account out everywhere but the session whose token
// is kept (none if it is empty), and reports how many sessions ended.
func (s *Store) EndSessionsOf(ctx context.Context, userID uint, keepToken string) (int64, error) {
	var ended int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		ended, err = endSessions(tx, "user_id = ? AND token <> ?", userID, keepToken)
		return err
	})
	return ended, err
}

// SignOutDevice ends one of someone's sessions, and reports how many
// sessions ended: none if the device is not theirs.
func (s *Store) SignOutDevice(ctx context.Context, userID, deviceID uint) (int64, error) {
	var ended int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		ended, err = endSessions(tx, "user_id = ? AND id = ?", userID, deviceID)
		return err
	})
	return ended, err
}

// endSessions removes the devices the condition picks, and their sessions.
func endSessions(tx *gorm.DB, condition string, args ...any) (int64, error) {
	var tokens []string
	if err := tx.Model(&models.Device{}).Where(condition, args...).Pluck("token", &tokens).Error; err != nil {
		return 0, err
	}
	if len(tokens) == 0 {
		return 0, nil
	}
	if err := tx.Where("token IN ?", tokens).Delete(&models.Session{}).Error; err != nil {
		return 0, err
	}
	result := tx.Where("token IN ?", tokens).Delete(&models.Device{})
	return result.RowsAffected, result.Error
}

// ForgetDevice removes the record of a session that has ended.
func (s *Store) ForgetDevice(ctx context.Context, token string) error {
	return s.db.WithContext(ctx).Where("token = ?", token).Delete(&models.Device{}).Error
}

// ForgetEndedDevices removes records of sessions that no longer exist. A
// device is noted while its session is being signed in, before the session
// is saved, so records younger than a minute are left alone.
func (s *Store) ForgetEndedDevices(ctx context.Context) error {
	return s.db.WithContext(ctx).Where("created_at < ? AND token NOT IN (?)", s.now().Add(-time.Minute),
		s.db.WithContext(ctx).Model(&models.Session{}).Select("token")).Delete(&models.Device{}).Error
}

// ChangePassword sets a new password hash.
func (s *Store) ChangePassword(ctx context.Context, actor models.Actor, userID uint, hash string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&models.User{}).Where("id = ?", userID).Updates(map[string]any{"password_hash": hash, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditPasswordChanged, TargetType: "user", TargetID: models.UintString(userID)})
	})
}
