package models

import (
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

// IssueActivationCode gives a patient of the staff member's practices a new
// code, and withdraws any unused one.
func (s *Store) IssueActivationCode(actor Actor, patientRef string) (*Patient, string, error) {
	var code string
	patient, err := s.PatientForStaff(actor.UserID, patientRef)
	if err != nil {
		return nil, "", err
	}
	err = s.db.Transaction(func(tx *gorm.DB) error {
		var err error
		code, err = s.issueActivationCode(tx, actor, patient.ID)
		return err
	})
	return patient, code, err
}

func (s *Store) issueActivationCode(tx *gorm.DB, actor Actor, patientID uint) (string, error) {
	now := s.now()
	if err := tx.Model(&ActivationCode{}).Where("patient_id = ? AND used_at IS NULL AND expires_at > ?", patientID, now).
		Update("expires_at", now).Error; err != nil {
		return "", err
	}
	code := randomString(activationAlphabet, activationCodeLength)
	record := ActivationCode{PatientID: patientID, CodeHash: HashActivationCode(code), CreatedByID: actor.UserID,
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
		var taken int64
		if err := tx.Model(&User{}).Where("username = ?", NormaliseUsername(username)).Count(&taken).Error; err != nil {
			return err
		}
		if taken > 0 {
			return ErrUsernameTaken
		}
		// A patient who activates again (say after forgetting a password) keeps
		// one account with the new username and password.
		if err := tx.Where("patient_id = ?", patient.ID).First(&user).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		user.Username = NormaliseUsername(username)
		user.PasswordHash = passwordHash
		user.Role = RolePatient
		user.DisplayName = patient.FullName()
		user.PatientID = &patient.ID
		if err := tx.Save(&user).Error; err != nil {
			return err
		}
		actor.UserID, actor.Role = user.ID, RolePatient
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

// PatientForActivation is the patient an unused, unexpired code belongs to.
func (s *Store) PatientForActivation(codeID uint) (*Patient, error) {
	var patient Patient
	err := s.db.Where("id = (?)", s.db.Model(&ActivationCode{}).Select("patient_id").
		Where("id = ? AND used_at IS NULL AND expires_at > ?", codeID, s.now())).First(&patient).Error
	return &patient, notFound(err)
}
