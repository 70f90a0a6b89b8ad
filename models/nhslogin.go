package models

import (
	"errors"
	"time"

	"gorm.io/gorm"
)

// NHSLoginIdentity links a person's NHS login to their account.
type NHSLoginIdentity struct {
	ID        uint
	Subject   string // NHS login's lasting identifier for the person
	UserID    uint
	CreatedAt time.Time
}

// Why an NHS login cannot be linked.
var (
	// ErrNHSLoginNoMatch means no registered patient has both the NHS
	// number and the date of birth NHS login gave.
	ErrNHSLoginNoMatch = errors.New("no patient has that NHS number and date of birth")
	// ErrNHSLoginNoAccount means the patient matched but has not set up
	// their account with the clinic's letter yet.
	ErrNHSLoginNoAccount = errors.New("the patient has not set up their account")
	// ErrNHSLoginTaken means the NHS login is linked to another account,
	// or the account to another NHS login.
	ErrNHSLoginTaken = errors.New("already linked")
)

// UserByNHSLogin finds the account an NHS login is linked to, if it may
// still sign in.
func (s *Store) UserByNHSLogin(subject string) (*User, error) {
	var user User
	err := s.db.Where("disabled = ? AND id IN (?)", false,
		s.db.Model(&NHSLoginIdentity{}).Select("user_id").Where("subject = ?", subject)).First(&user).Error
	return &user, notFound(err)
}

// HasNHSLogin reports whether an account is linked to an NHS login.
func (s *Store) HasNHSLogin(userID uint) (bool, error) {
	var n int64
	err := s.db.Model(&NHSLoginIdentity{}).Where("user_id = ?", userID).Count(&n).Error
	return n > 0, err
}

// LinkPatientNHSLogin links an NHS login to the account of the registered
// patient with the same NHS number and date of birth, and returns the
// account. A refused match is audited.
func (s *Store) LinkPatientNHSLogin(actor Actor, subject, nhsNumber string, dateOfBirth time.Time) (*User, error) {
	var patient Patient
	err := s.db.Where("nhs_number = ? AND date_of_birth = ?", nhsNumber, dateOfBirth).First(&patient).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		if err := s.Audit(actor, AuditEntry{Action: AuditNHSLoginRefused, TargetType: "nhs-login", TargetID: subject}); err != nil {
			return nil, err
		}
		return nil, ErrNHSLoginNoMatch
	}
	if err != nil {
		return nil, err
	}
	var user User
	err = s.db.Where("patient_id = ? AND disabled = ?", patient.ID, false).First(&user).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNHSLoginNoAccount
	}
	if err != nil {
		return nil, err
	}
	actor.UserID, actor.Role = user.ID, user.Role
	if err := s.LinkNHSLogin(actor, user.ID, subject); err != nil {
		return nil, err
	}
	return &user, nil
}

// LinkNHSLogin links an NHS login to an account. The unique indexes decide
// that each is linked once, however many requests arrive together.
func (s *Store) LinkNHSLogin(actor Actor, userID uint, subject string) error {
	err := s.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&NHSLoginIdentity{Subject: subject, UserID: userID, CreatedAt: s.now()}).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditNHSLoginLinked, TargetType: "user", TargetID: uintString(userID)})
	})
	if isUniqueViolation(err) {
		return ErrNHSLoginTaken
	}
	return err
}

// UnlinkNHSLogin ends the link between an account and its NHS login. It
// reports whether there was one.
func (s *Store) UnlinkNHSLogin(actor Actor, userID uint) (bool, error) {
	unlinked := false
	err := s.db.Transaction(func(tx *gorm.DB) error {
		result := tx.Where("user_id = ?", userID).Delete(&NHSLoginIdentity{})
		if result.Error != nil || result.RowsAffected == 0 {
			return result.Error
		}
		unlinked = true
		return s.audit(tx, actor, AuditEntry{Action: AuditNHSLoginUnlinked, TargetType: "user", TargetID: uintString(userID)})
	})
	return unlinked, err
}
