package store

import (
	"context"
	"errors"
	"strings"

	"healthpassport/models"

	"gorm.io/gorm"
)

// CarersOf lists the carers linked to a patient now.
func (s *Store) CarersOf(ctx context.Context, principal *models.Principal, patient *models.Patient) ([]models.CarerEntry, error) {
	var carers []models.CarerEntry
	err := s.db.WithContext(ctx).Model(&models.CarerLink{}).
		Select("carer_links.*, users.display_name, users.username, users.password_hash <> '' AS activated").
		Joins("JOIN users ON users.id = carer_links.carer_id").
		Where("carer_links.patient_id = ? AND carer_links.revoked_at IS NULL", patient.ID).Where(mayRead(principal, "carer_links.patient_id")).
		Order("users.display_name").Scan(&carers).Error
	return carers, err
}

// RecentReadings lists a patient's newest readings.
func (s *Store) RecentReadings(ctx context.Context, principal *models.Principal, patient *models.Patient, limit int) ([]models.Reading, error) {
	var readings []models.Reading
	err := s.db.WithContext(ctx).Where("patient_id = ?", patient.ID).Where(mayRead(principal, "patient_id")).Order("created_at DESC, id DESC").Limit(limit).Find(&readings).Error
	return readings, err
}

// OpenRequests lists a patient's repeat prescription requests still in progress.
func (s *Store) OpenRequests(ctx context.Context, principal *models.Principal, patient *models.Patient) ([]models.PrescriptionRequest, error) {
	var requests []models.PrescriptionRequest
	err := s.db.WithContext(ctx).Where("patient_id = ? AND status IN ?", patient.ID, []string{models.RequestRequested, models.RequestApproved}).
		Where(mayRead(principal, "patient_id")).Order("created_at").Find(&requests).Error
	return requests, err
}

// Reviews lists a patient's reviews, newest first.
func (s *Store) Reviews(ctx context.Context, principal *models.Principal, patient *models.Patient) ([]models.Review, error) {
	var reviews []models.Review
	err := s.db.WithContext(ctx).Where("patient_id = ?", patient.ID).Where(mayRead(principal, "patient_id")).Order("reviewed_on DESC, id DESC").Find(&reviews).Error
	return reviews, err
}

// UpdatePatientDetails changes the details of one of the principal's
// patients. The new practice must be one the staff member works at.
func (s *Store) UpdatePatientDetails(ctx context.Context, principal *models.Principal, actor models.Actor, patient *models.Patient, details models.PatientDetails) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var works int64
		if err := tx.Model(&models.Membership{}).Where("user_id = ? AND organisation_id = ?", actor.UserID, details.PracticeID).Count(&works).Error; err != nil {
			return err
		}
		if works == 0 {
			return models.ErrNotFound
		}
		if err := updatePatient(tx, principal, patient, map[string]any{"preferred_name": details.PreferredName, "phone": details.Phone,
			"email": details.Email, "address_line1": details.Address.Line1, "address_line2": details.Address.Line2,
			"address_town": details.Address.Town, "address_postcode": details.Address.Postcode, "communication_needs": details.CommunicationNeeds, "allergies": details.Allergies,
			"practice_id": details.PracticeID, "updated_at": s.now()}); err != nil {
			return err
		}
		if err := tx.Where("patient_id = ?", patient.ID).Delete(&models.Contact{}).Error; err != nil {
			return err
		}
		for i, contact := range details.Contacts {
			contact.ID, contact.PatientID, contact.Position = 0, patient.ID, i
			if err := tx.Create(&contact).Error; err != nil {
				return err
			}
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditPatientUpdated, PatientID: &patient.ID, TargetType: "patient", TargetID: patient.Ref})
	})
}

// RecordReview adds a review of one of the principal's patients and sets
// the patient's last and next review.
func (s *Store) RecordReview(ctx context.Context, principal *models.Principal, actor models.Actor, patient *models.Patient, review models.Review) error {
	review.PatientID, review.AuthorID, review.CreatedAt = patient.ID, actor.UserID, s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&review).Error; err != nil {
			return err
		}
		if err := updatePatient(tx, principal, patient, map[string]any{"last_review_on": review.ReviewedOn, "next_review_on": review.NextReviewOn,
			"updated_at": s.now()}); err != nil {
			return err
		}
		if err := s.queueWebhooks(tx, patient.ID, models.EventReviewRecorded, nil); err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditReviewRecorded, PatientID: &patient.ID, TargetType: "review",
			TargetID: models.UintString(review.ID), Detail: review.Outcome})
	})
}

// HasPlanFor says whether one of the principal's patients has a plan for
// the condition with the SNOMED CT code.
func (s *Store) HasPlanFor(ctx context.Context, principal *models.Principal, patient *models.Patient, snomed string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&models.ActionPlan{}).Where("patient_id = ? AND snomed_code = ?", patient.ID, snomed).
		Where(mayRead(principal, "patient_id")).Count(&n).Error
	return n > 0, err
}

// updatePatient changes one of the principal's patients, or answers not
// found, rolling back whatever the transaction did first.
func updatePatient(tx *gorm.DB, principal *models.Principal, patient *models.Patient, changes map[string]any) error {
	update := tx.Model(&models.Patient{}).Where("id = ?", patient.ID).Where(mayAct(principal, "patients.id")).Updates(changes)
	if update.Error != nil {
		return update.Error
	}
	if update.RowsAffected != 1 {
		return refusal(tx, principal, patient.ID)
	}
	return nil
}

// LinkCarer links an existing carer account to a patient. A carer has one
// active link per patient: the unique index on active links refuses a
// second, so that revoking the link always ends the carer's access.
func (s *Store) LinkCarer(ctx context.Context, principal *models.Principal, actor models.Actor, patient *models.Patient, username, relationship, permission string) (*models.CarerLink, error) {
	var link models.CarerLink
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := claimPatient(tx, principal, patient.ID); err != nil {
			return err
		}
		var carer models.User
		if err := tx.Where("username = ? AND role = ? AND disabled = ?", models.NormaliseUsername(username), models.RoleCarer, false).First(&carer).Error; err != nil {
			return notFound(err)
		}
		link = models.CarerLink{CarerID: carer.ID, PatientID: patient.ID, Relationship: relationship, Permission: permission, CreatedAt: s.now()}
		if err := tx.Create(&link).Error; err != nil {
			if IsUniqueViolation(err) {
				return models.ErrAlreadyLinked
			}
			return err
		}
		if err := s.queueWebhooks(tx, patient.ID, models.EventCarerLinked, nil); err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditCarerLinked, PatientID: &patient.ID, TargetType: "carer-link",
			TargetID: models.UintString(link.ID), Detail: relationship + ", " + permission})
	})
	return &link, err
}

// InviteCarer makes an account for a new carer, links it to the patient and
// issues the activation code for the carer's letter. The account cannot be
// used until the carer activates it and chooses a username and password.
func (s *Store) InviteCarer(ctx context.Context, principal *models.Principal, actor models.Actor, patient *models.Patient, name, relationship, permission string) (*models.CarerLink, string, error) {
	var link models.CarerLink
	var code string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := claimPatient(tx, principal, patient.ID); err != nil {
			return err
		}
		carer := models.User{Username: "invited-" + models.RandomToken(16), Role: models.RoleCarer, DisplayName: strings.TrimSpace(name)}
		if err := tx.Create(&carer).Error; err != nil {
			return err
		}
		link = models.CarerLink{CarerID: carer.ID, PatientID: patient.ID, Relationship: relationship, Permission: permission, CreatedAt: s.now()}
		if err := tx.Create(&link).Error; err != nil {
			return err
		}
		if err := s.queueWebhooks(tx, patient.ID, models.EventCarerLinked, nil); err != nil {
			return err
		}
		if err := s.audit(tx, actor, models.AuditEntry{Action: models.AuditCarerInvited, PatientID: &patient.ID, TargetType: "carer-link",
			TargetID: models.UintString(link.ID), Detail: relationship + ", " + permission}); err != nil {
			return err
		}
		var err error
		code, err = s.issueCode(tx, actor, patient.ID, &carer.ID)
		return err
	})
	return &link, code, err
}

// CarerLinkFor finds a current link of a patient's.
func (s *Store) CarerLinkFor(ctx context.Context, principal *models.Principal, patient *models.Patient, linkID uint) (*models.CarerEntry, error) {
	var entry models.CarerEntry
	err := s.db.WithContext(ctx).Model(&models.CarerLink{}).
		Select("carer_links.*, users.display_name, users.username, users.password_hash <> '' AS activated").
		Joins("JOIN users ON users.id = carer_links.carer_id").
		Where("carer_links.id = ? AND carer_links.patient_id = ? AND carer_links.revoked_at IS NULL", linkID, patient.ID).
		Where(mayRead(principal, "carer_links.patient_id")).
		Scan(&entry).Error
	if err == nil && entry.ID == 0 {
		return nil, models.ErrNotFound
	}
	return &entry, err
}

// NewCarerCode issues a fresh activation code for an invited carer who has
// not set up their account yet.
func (s *Store) NewCarerCode(ctx context.Context, principal *models.Principal, actor models.Actor, patient *models.Patient, link *models.CarerEntry) (string, error) {
	if link.Activated {
		return "", models.ErrWrongStatus
	}
	var code string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := claimPatient(tx, principal, patient.ID); err != nil {
			return err
		}
		var err error
		code, err = s.issueCode(tx, actor, patient.ID, &link.CarerID)
		return err
	})
	return code, err
}

// RevokeCarer ends a carer's access; it takes effect at their next request.
func (s *Store) RevokeCarer(ctx context.Context, principal *models.Principal, actor models.Actor, patient *models.Patient, linkID uint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&models.CarerLink{}).Where("id = ? AND patient_id = ? AND revoked_at IS NULL", linkID, patient.ID).
			Where(mayAct(principal, "carer_links.patient_id")).
			Update("revoked_at", s.now())
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return refusal(tx, principal, patient.ID)
		}
		if err := s.queueWebhooks(tx, patient.ID, models.EventCarerRemoved, nil); err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditCarerRevoked, PatientID: &patient.ID, TargetType: "carer-link", TargetID: models.UintString(linkID)})
	})
}

// ContactsOf lists a patient's contacts in their order.
func (s *Store) ContactsOf(ctx context.Context, principal *models.Principal, patient *models.Patient) ([]models.Contact, error) {
	var contacts []models.Contact
	err := s.db.WithContext(ctx).Where("patient_id = ?", patient.ID).Where(mayRead(principal, "patient_id")).Order("kind, position, id").Find(&contacts).Error
	return contacts, err
}

// LoadRecord gathers the record of a patient found for a staff member.
func (s *Store) LoadRecord(ctx context.Context, principal *models.Principal, patient *models.Patient, readings, activity int) (*models.PatientRecord, error) {
	var record models.PatientRecord
	var err error
	if record.Passport, err = s.LoadPassport(ctx, principal, patient); err != nil {
		return nil, err
	}
	if record.Plans, err = s.PlanStates(ctx, principal, patient); err != nil {
		return nil, err
	}
	account, err := s.PatientAccount(ctx, principal, patient)
	switch {
	case err == nil:
		record.Activated = true
		if record.SignInBlocked, err = s.AccountThrottled(ctx, account.Username); err != nil {
			return nil, err
		}
	case !errors.Is(err, models.ErrNotFound):
		return nil, err
	}
	if record.Carers, err = s.CarersOf(ctx, principal, patient); err != nil {
		return nil, err
	}
	if record.Readings, err = s.RecentReadings(ctx, principal, patient, readings); err != nil {
		return nil, err
	}
	if record.Requests, err = s.OpenRequests(ctx, principal, patient); err != nil {
		return nil, err
	}
	if record.Reviews, err = s.Reviews(ctx, principal, patient); err != nil {
		return nil, err
	}
	record.Activity, err = s.AuditEventsForPatient(ctx, patient.ID, activity)
	return &record, err
}
