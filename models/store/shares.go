package store

import (
	"context"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
)

// CreateShare makes an access code to the patient's emergency page. Only a
// hash is kept; the code is returned to show once.
func (s *Store) CreateShare(ctx context.Context, principal *models.Principal, actor models.Actor, patient *models.Patient, recipient string, days int) (*models.Share, string, error) {
	code := models.RandomString(models.ActivationAlphabet, models.ActivationCodeLength)
	share := models.Share{PatientID: patient.ID, CodeHash: models.HashActivationCode(code), Recipient: recipient, CreatedByID: actor.UserID,
		ExpiresAt: s.now().AddDate(0, 0, days), CreatedAt: s.now()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := claimPatient(tx, principal, patient.ID); err != nil {
			return err
		}
		if err := tx.Create(&share).Error; err != nil {
			return err
		}
		if err := s.queueWebhooks(tx, patient.ID, models.EventShareCreated, nil); err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditShareCreated, PatientID: &patient.ID, OnBehalfOf: onBehalf(actor, patient),
			TargetType: "share", TargetID: models.UintString(share.ID), Detail: recipient})
	})
	return &share, code, err
}

// ActiveShares lists a patient's shares that still work.
func (s *Store) ActiveShares(ctx context.Context, principal *models.Principal, patient *models.Patient) ([]models.Share, error) {
	var shares []models.Share
	err := s.db.WithContext(ctx).Where("patient_id = ? AND revoked_at IS NULL AND expires_at > ?", patient.ID, s.now()).
		Where(mayRead(principal, "patient_id")).Order("created_at DESC").Find(&shares).Error
	return shares, err
}

// RevokeShare stops a share working at once.
func (s *Store) RevokeShare(ctx context.Context, principal *models.Principal, actor models.Actor, patient *models.Patient, shareID uint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&models.Share{}).Where("id = ? AND patient_id = ? AND revoked_at IS NULL", shareID, patient.ID).
			Where(mayAct(principal, "shares.patient_id")).Update("revoked_at", s.now())
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return refusal(tx, principal, patient.ID)
		}
		if err := s.queueWebhooks(tx, patient.ID, models.EventShareRevoked, nil); err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditShareRevoked, PatientID: &patient.ID, OnBehalfOf: onBehalf(actor, patient),
			TargetType: "share", TargetID: models.UintString(shareID)})
	})
}

// OpenShare finds the working share for a code, if the date of birth given
// with it is the patient's, and records its use.
func (s *Store) OpenShare(ctx context.Context, actor models.Actor, code string, dateOfBirth time.Time) (*models.Share, error) {
	var share models.Share
	err := s.db.WithContext(ctx).Joins("JOIN patients ON patients.id = shares.patient_id").
		Where("shares.code_hash = ? AND shares.revoked_at IS NULL AND shares.expires_at > ? AND patients.date_of_birth = ?",
			models.HashActivationCode(code), s.now(), dateOfBirth).First(&share).Error
	if err != nil {
		return nil, notFound(err)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&share).Update("last_used_at", s.now()).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditShareUsed, PatientID: &share.PatientID, TargetType: "share",
			TargetID: models.UintString(share.ID), Detail: share.Recipient})
	})
	return &share, err
}

// WorkingShare finds a share by id if it still works, with the patient
// and practice it shows: the school's only way to a passport.
func (s *Store) WorkingShare(ctx context.Context, id uint) (*models.Share, error) {
	var share models.Share
	err := s.db.WithContext(ctx).Joins("Patient").Joins("Patient.Practice").
		Where("shares.id = ? AND shares.revoked_at IS NULL AND shares.expires_at > ?", id, s.now()).Take(&share).Error
	return &share, notFound(err)
}
