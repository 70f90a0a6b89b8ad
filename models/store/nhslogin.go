package store

import (
	"context"
	"errors"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
)

// UserByNHSLogin finds the account an NHS login is linked to, if it may
// still sign in.
func (s *Store) UserByNHSLogin(ctx context.Context, subject string) (*models.User, error) {
	var user models.User
	err := s.db.WithContext(ctx).Where("disabled = ? AND id IN (?)", false,
		s.db.WithContext(ctx).Model(&models.NHSLoginIdentity{}).Select("user_id").Where("subject = ?", subject)).First(&user).Error
	return &user, notFound(err)
}

// HasNHSLogin reports whether an account is linked to an NHS login.
func (s *Store) HasNHSLogin(ctx context.Context, userID uint) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&models.NHSLoginIdentity{}).Where("user_id = ?", userID).Count(&n).Error
	return n > 0, err
}

// LinkPatientNHSLogin links an NHS login to the account of the registered
// patient with the same NHS number and date of birth, and returns the
// account. A refused match is audited.
func (s *Store) LinkPatientNHSLogin(ctx context.Context, actor models.Actor, subject, nhsNumber string, dateOfBirth time.Time) (*models.User, error) {
	var patient models.Patient
	err := s.db.WithContext(ctx).Where("nhs_number = ? AND date_of_birth = ?", nhsNumber, dateOfBirth).First(&patient).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		if err := s.Audit(ctx, actor, models.AuditEntry{Action: models.AuditNHSLoginRefused, TargetType: "nhs-login", TargetID: subject}); err != nil {
			return nil, err
		}
		return nil, models.ErrNHSLoginNoMatch
	}
	if err != nil {
		return nil, err
	}
	var user models.User
	err = s.db.WithContext(ctx).Where("patient_id = ? AND disabled = ?", patient.ID, false).First(&user).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.ErrNHSLoginNoAccount
	}
	if err != nil {
		return nil, err
	}
	actor.UserID, actor.Role = user.ID, user.Role
	if err := s.LinkNHSLogin(ctx, actor, user.ID, subject); err != nil {
		return nil, err
	}
	return &user, nil
}

// LinkNHSLogin links an NHS login to an account. The unique indexes decide
// that each is linked once, however many requests arrive together.
func (s *Store) LinkNHSLogin(ctx context.Context, actor models.Actor, userID uint, subject string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&models.NHSLoginIdentity{Subject: subject, UserID: userID, CreatedAt: s.now()}).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditNHSLoginLinked, TargetType: "user", TargetID: models.UintString(userID)})
	})
	if IsUniqueViolation(err) {
		return models.ErrNHSLoginTaken
	}
	return err
}

// UnlinkNHSLogin ends the link between an account and its NHS login. It
// reports whether there was one.
func (s *Store) UnlinkNHSLogin(ctx context.Context, actor models.Actor, userID uint) (bool, error) {
	unlinked := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		result := tx.Where("user_id = ?", userID).Delete(&models.NHSLoginIdentity{})
		if result.Error != nil || result.RowsAffected == 0 {
			return result.Error
		}
		unlinked = true
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditNHSLoginUnlinked, TargetType: "user", TargetID: models.UintString(userID)})
	})
	return unlinked, err
}
