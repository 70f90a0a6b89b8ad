package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Activation codes are 12 characters from an alphabet without the worst
// look-alikes (no 0, O, 1 or I): 60 bits, so they cannot be guessed within
// the attempt limits, yet easy to type from a letter.
const (
	activationAlphabet   = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	activationCodeLength = 12
	ActivationLifetime   = 30 * 24 * time.Hour
)

// ErrActivationInvalid covers every way an activation can be wrong, so that
// the answer does not tell a guesser which part was right.
var ErrActivationInvalid = errors.New("activation code or date of birth is not right")

// NormaliseActivationCode drops the spaces and dashes people type and
// ignores case.
func NormaliseActivationCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, code)
}

// FormatActivationCode groups a code in fours for reading.
func FormatActivationCode(code string) string {
	var groups []string
	for len(code) > 4 {
		groups = append(groups, code[:4])
		code = code[4:]
	}
	return strings.Join(append(groups, code), "-")
}

// HashActivationCode is how a code is kept and looked up.
func HashActivationCode(code string) string {
	sum := sha256.Sum256([]byte(NormaliseActivationCode(code)))
	return hex.EncodeToString(sum[:])
}

// IssueActivationCode gives a patient a new code, and withdraws any unused
// one.
func (s *Store) IssueActivationCode(ctx context.Context, principal *Principal, actor Actor, patient *Patient) (string, error) {
	var code string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := claimPatient(tx, principal, patient.ID); err != nil {
			return err
		}
		var err error
		code, err = s.issueCode(tx, actor, patient.ID, nil)
		return err
	})
	return code, err
}

// issueCode makes an activation code for a patient's account, or with
// carerID for a carer's account, withdrawing any unused one for the same
// account.
func (s *Store) issueCode(tx *gorm.DB, actor Actor, patientID uint, carerID *uint) (string, error) {
	now := s.now()
	unused := tx.Model(&ActivationCode{}).Where("patient_id = ? AND used_at IS NULL AND expires_at > ?", patientID, now)
	if carerID != nil {
		unused = unused.Where("user_id = ?", *carerID)
	} else {
		unused = unused.Where("user_id IS NULL")
	}
	if err := unused.Update("expires_at", now).Error; err != nil {
		return "", err
	}
	code := randomString(activationAlphabet, activationCodeLength)
	record := ActivationCode{PatientID: patientID, UserID: carerID, CodeHash: HashActivationCode(code), CreatedByID: actor.UserID,
		ExpiresAt: now.Add(ActivationLifetime), CreatedAt: now}
	if err := tx.Create(&record).Error; err != nil {
		return "", err
	}
	if err := s.audit(tx, actor, AuditEntry{Action: AuditActivationIssued, PatientID: &patientID,
		TargetType: "activation-code", TargetID: record.CodeHash[:12]}); err != nil {
		return "", err
	}
	return code, nil
}

// CheckActivation finds the patient an unused, unexpired code belongs to,
// if their date of birth matches.
func (s *Store) CheckActivation(code string, dateOfBirth time.Time) (*ActivationCode, error) {
	var record ActivationCode
	err := s.db.Joins("JOIN patients ON patients.id = activation_codes.patient_id").
		Where("activation_codes.code_hash = ? AND activation_codes.used_at IS NULL AND activation_codes.expires_at > ?",
			HashActivationCode(code), s.now()).
		Where("patients.date_of_birth = ?", dateOfBirth).
		First(&record).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrActivationInvalid
	}
	return &record, err
}

// ActivationCodeUsed reports whether code is a patient's or carer's code
// that has already been used, with the patient's date of birth: only
// someone who holds both the letter and the date of birth learns that.
func (s *Store) ActivationCodeUsed(code string, dateOfBirth time.Time) (bool, error) {
	var n int64
	err := s.db.Model(&ActivationCode{}).Joins("JOIN patients ON patients.id = activation_codes.patient_id").
		Where("activation_codes.code_hash = ? AND activation_codes.used_at IS NOT NULL", HashActivationCode(code)).
		Where("patients.date_of_birth = ?", dateOfBirth).Count(&n).Error
	return n > 0, err
}

// CompleteActivation creates the patient's account with a code checked by
// CheckActivation. The code is spent even if two people race to use it:
// only one of them gets the account.
func (s *Store) CompleteActivation(codeID uint, username, passwordHash string, actor Actor) (*User, error) {
	var user User
	err := s.db.Transaction(func(tx *gorm.DB) error {
		now := s.now()
		spend := tx.Model(&ActivationCode{}).Where("id = ? AND used_at IS NULL AND expires_at > ?", codeID, now).
			Update("used_at", now)
		if spend.Error != nil {
			return spend.Error
		}
		if spend.RowsAffected != 1 {
			return ErrActivationInvalid
		}
		var record ActivationCode
		if err := tx.First(&record, codeID).Error; err != nil {
			return err
		}
		var patient Patient
		if err := tx.First(&patient, record.PatientID).Error; err != nil {
			return err
		}
		if record.UserID != nil {
			// A carer's code sets up the account made when they were invited.
			if err := tx.First(&user, *record.UserID).Error; err != nil {
				return err
			}
		} else {
			// A patient who activates again (say after forgetting a password)
			// keeps one account with the new username and password.
			if err := tx.Where("patient_id = ?", patient.ID).First(&user).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
			user.Role = RolePatient
			user.DisplayName = patient.FullName()
			user.PatientID = &patient.ID
		}
		user.Username = NormaliseUsername(username)
		user.PasswordHash = passwordHash
		if err := tx.Save(&user).Error; err != nil {
			// Usernames are unique. Refusing one rolls back spending the
			// code, so the person can choose another username.
			if isUniqueViolation(err) {
				return ErrUsernameTaken
			}
			return err
		}
		actor.UserID, actor.Role = user.ID, user.Role
		return s.audit(tx, actor, AuditEntry{Action: AuditActivated, PatientID: &patient.ID,
			TargetType: "user", TargetID: user.Username})
	})
	if err != nil {
		return nil, err
	}
	return &user, nil
}

// ActivationDeadline is when a code made now stops working.
func ActivationDeadline() time.Time { return time.Now().UTC().Add(ActivationLifetime) }

// ActivationGreeting is the first name of the person an unused, unexpired
// code sets up an account for: the patient, or their invited carer.
func (s *Store) ActivationGreeting(codeID uint) (string, error) {
	var record ActivationCode
	if err := s.db.Where("id = ? AND used_at IS NULL AND expires_at > ?", codeID, s.now()).First(&record).Error; err != nil {
		return "", notFound(err)
	}
	if record.UserID != nil {
		var carer User
		if err := s.db.First(&carer, *record.UserID).Error; err != nil {
			return "", notFound(err)
		}
		return GreetingName(carer.DisplayName), nil
	}
	var patient Patient
	err := s.db.First(&patient, record.PatientID).Error
	return patient.GivenName, notFound(err)
}
