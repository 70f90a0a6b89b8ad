package store

import (
	"context"
	"encoding/base64"
	"errors"

	"healthpassport/models"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ClaimMode records the mode of a new database, or checks the recorded one:
// a live database cannot be opened in demo mode.
func (s *Store) ClaimMode(ctx context.Context, mode string) error {
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&models.Setting{Key: models.SettingCreatedMode, Value: mode}).Error; err != nil {
		return err
	}
	var setting models.Setting
	if err := s.db.WithContext(ctx).First(&setting, "key = ?", models.SettingCreatedMode).Error; err != nil {
		return err
	}
	if mode == models.ModeDemo && setting.Value != models.ModeDemo {
		return models.ErrNotDemoDatabase
	}
	return nil
}

// IsDemo reports whether the database was created for the demo.
func (s *Store) IsDemo(ctx context.Context) (bool, error) {
	var setting models.Setting
	err := s.db.WithContext(ctx).First(&setting, "key = ?", models.SettingCreatedMode).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	return setting.Value == models.ModeDemo, err
}

const settingSigningKey = "signing_key"

// SigningKey is the service's secret for signing what it hands to browsers,
// made at random the first time and kept in the database, sealed (see
// SecretKeys), so that every instance of the service signs and checks with
// the same key.
func (s *Store) SigningKey(ctx context.Context) ([]byte, error) {
	place := settingPlace(settingSigningKey)
	sealed, keyID, err := s.secretKeys.seal(base64.StdEncoding.EncodeToString(models.RandomBytes(32)), place)
	if err != nil {
		return nil, err
	}
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&models.Setting{Key: settingSigningKey, Value: sealed, SecretKeyID: keyID}).Error; err != nil {
		return nil, err
	}
	var setting models.Setting
	if err := s.db.WithContext(ctx).First(&setting, "key = ?", settingSigningKey).Error; err != nil {
		return nil, err
	}
	key, err := s.secretKeys.open(setting.Value, setting.SecretKeyID, place)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(key)
}

// settingPlace is what a sealed setting is bound to.
func settingPlace(key string) string { return "settings.value:" + key }
