package store

import (
	"context"
	"errors"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
)

// IssueActivationCode gives a patient a new code, and withdraws any unused
// one.
func (s *Store) IssueActivationCode(ctx context.Context, principal *models.Principal, actor models.Actor, patient *models.Patient) (string, error) {
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
func (s *Store) issueCode(tx *gorm.DB, actor models.Actor, patientID uint, carerID *uint) (string, error) {
	now := s.now()
	unused := tx.Model(&models.ActivationCode{}).Where("patient_id = ? AND used_at IS NULL AND expires_at > ?", patientID, now)
	if carerID != nil {
		unused = unused.Where("user_id = ?", *carerID)
	} else {
		unused = unused.Where("user_id IS NULL")
	}
	if err := unused.Update("expires_at", now).Error; err != nil {
		return "", err
	}
	code := models.RandomString(models.ActivationAlphabet, models.ActivationCodeLength)
	record := models.ActivationCode{PatientID: patientID, UserID: carerID, CodeHash: models.HashActivationCode(code), CreatedByID: actor.UserID,
		ExpiresAt: now.Add(models.ActivationLifetime), CreatedAt: now}
	if err := tx.Create(&record).Error; err != nil {
		return "", err
	}
	if err := s.audit(tx, actor, models.AuditEntry{Action: models.AuditActivationIssued, PatientID: &patientID,
		TargetType: "activation-code", TargetID: record.CodeHash[:12]}); err != nil {
		return "", err
	}
	return code, nil
}

// CheckActivation finds the patient an unused, unexpired code belongs to,
// if their date of birth matches.
func (s *Store) CheckActivation(ctx context.Context, code string, dateOfBirth time.Time) (*models.ActivationCode, error) {
	var record models.ActivationCode
	err := s.db.WithContext(ctx).Joins("JOIN patients ON patients.id = activation_codes.patient_id").
		Where("activation_codes.code_hash = ? AND activation_codes.used_at IS NULL AND activation_codes.expires_at > ?",
			models.HashActivationCode(code), s.now()).
		Where("patients.date_of_birth = ?", dateOfBirth).
		First(&record).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.ErrActivationInvalid
	}
	return &record, err
}

// ActivationCodeUsed reports whether code is a patient's or carer's code
// that has already been used, with the patient's date of birth: only
// someone who holds both the letter and the date of birth learns that.
func (s *Store) ActivationCodeUsed(ctx context.Context, code string, dateOfBirth time.Time) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&models.ActivationCode{}).Joins("JOIN patients ON patients.id = activation_codes.patient_id").
		Where("activation_codes.code_hash = ? AND activation_codes.used_at IS NOT NULL", models.HashActivationCode(code)).
		Where("patients.date_of_birth = ?", dateOfBirth).Count(&n).Error
	return n > 0, err
}

// CompleteActivation creates the patient's account with a code checked by
// CheckActivation. The code is spent even if two people race to use it:
// only one of them gets the account.
func (s *Store) CompleteActivation(ctx context.Context, codeID uint, username, passwordHash string, actor models.Actor) (*models.User, error) {
	var user models.User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		spend := tx.Model(&models.ActivationCode{}).Where("id = ? AND used_at IS NULL AND expires_at > ?", codeID, now).
			Update("used_at", now)
		if spend.Error != nil {
			return spend.Error
		}
		if spend.RowsAffected != 1 {
			return models.ErrActivationInvalid
		}
		var record models.ActivationCode
		if err := tx.First(&record, codeID).Error; err != nil {
			return err
		}
		var patient models.Patient
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
			user.Role = models.RolePatient
			user.DisplayName = patient.FullName()
			user.PatientID = &patient.ID
		}
		user.Username = models.NormaliseUsername(username)
		user.PasswordHash = passwordHash
		if err := tx.Save(&user).Error; err != nil {
			// Usernames are unique. Refusing one rolls back spending the
			// code, so the person can choose another username.
			if IsUniqueViolation(err) {
				return models.ErrUsernameTaken
			}
			return err
		}
		actor.UserID, actor.Role = user.ID, user.Role
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditActivated, PatientID: &patient.ID,
			TargetType: "user", TargetID: user.Username})
	})
	if err != nil {
		return nil, err
	}
	return &user, nil
}

// ActivationGreeting is the first name of the person an unused, unexpired
// code sets up an account for: the patient, or their invited carer.
func (s *Store) ActivationGreeting(ctx context.Context, codeID uint) (string, error) {
	var record models.ActivationCode
	if err := s.db.WithContext(ctx).Where("id = ? AND used_at IS NULL AND expires_at > ?", codeID, s.now()).First(&record).Error; err != nil {
		return "", notFound(err)
	}
	if record.UserID != nil {
		var carer models.User
		if err := s.db.WithContext(ctx).First(&carer, *record.UserID).Error; err != nil {
			return "", notFound(err)
		}
		return models.GreetingName(carer.DisplayName), nil
	}
	var patient models.Patient
	err := s.db.WithContext(ctx).First(&patient, record.PatientID).Error
	return patient.GivenName, notFound(err)
}
