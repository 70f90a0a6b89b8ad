package models

import (
	"time"

	"gorm.io/gorm"
)

// Device is a place where someone is signed in: one session.
type Device struct {
	ID        uint
	UserID    uint
	Token     string
	UserAgent string
	IPAddress string
	CreatedAt time.Time
}

// RecordDevice notes a new signed-in session.
func (s *Store) RecordDevice(userID uint, token, userAgent, ip string) error {
	return s.db.Create(&Device{UserID: userID, Token: token, UserAgent: truncate(userAgent, 300), IPAddress: truncate(ip, 64), CreatedAt: s.now()}).Error
}

// Devices lists where someone is signed in now, newest first.
func (s *Store) Devices(userID uint) ([]Device, error) {
	var devices []Device
	err := s.db.Where("user_id = ? AND token IN (?)", userID,
		s.db.Model(&Session{}).Select("token").Where("expiry > ?", s.now())).Order("created_at DESC, id DESC").Find(&devices).Error
	return devices, err
}

// SignOutDevices ends some of someone's sessions: one device, or with
// deviceID 0 every device but the one whose token is kept.
func (s *Store) SignOutDevices(userID, deviceID uint, keepToken string) (int64, error) {
	var ended int64
	err := s.db.Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&Device{}).Where("user_id = ?", userID)
		if deviceID != 0 {
			q = q.Where("id = ?", deviceID)
		} else {
			q = q.Where("token <> ?", keepToken)
		}
		var tokens []string
		if err := q.Pluck("token", &tokens).Error; err != nil {
			return err
		}
		if len(tokens) == 0 {
			return nil
		}
		result := tx.Where("token IN ?", tokens).Delete(&Session{})
		if result.Error != nil {
			return result.Error
		}
		ended = result.RowsAffected
		return tx.Where("token IN ?", tokens).Delete(&Device{}).Error
	})
	return ended, err
}

// ForgetDevice removes the record of a session that has ended.
func (s *Store) ForgetDevice(token string) error {
	return s.db.Where("token = ?", token).Delete(&Device{}).Error
}

// ForgetEndedDevices removes records of sessions that no longer exist.
func (s *Store) ForgetEndedDevices() error {
	return s.db.Where("token NOT IN (?)", s.db.Model(&Session{}).Select("token")).Delete(&Device{}).Error
}

// ChangePassword sets a new password hash.
func (s *Store) ChangePassword(actor Actor, userID uint, hash string) error {
	return s.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{"password_hash": hash, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: "password.changed", TargetType: "user", TargetID: uintString(userID)})
	})
}
