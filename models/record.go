package models

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"
)

// ErrAlreadyLinked means the carer already cares for the patient.
var ErrAlreadyLinked = errors.New("carer already linked")

// CarerEntry is a carer as a patient's record lists them.
type CarerEntry struct {
	CarerLink
	DisplayName string
	Username    string
	Activated   bool
}

// CarersOf lists the carers linked to a patient now.
func (s *Store) CarersOf(ctx context.Context, principal *Principal, patient *Patient) ([]CarerEntry, error) {
	var carers []CarerEntry
	err := s.db.WithContext(ctx).Model(&CarerLink{}).
		Select("carer_links.*, users.display_name, users.username, users.password_hash <> '' AS activated").
		Joins("JOIN users ON users.id = carer_links.carer_id").
		Where("carer_links.patient_id = ? AND carer_links.revoked_at IS NULL", patient.ID).Where(principal.mayRead("carer_links.patient_id")).
		Order("users.display_name").Scan(&carers).Error
	return carers, err
}

// RecentReadings lists a patient's newest readings.
func (s *Store) RecentReadings(ctx context.Context, principal *Principal, patient *Patient, limit int) ([]Reading, error) {
	var readings []Reading
	err := s.db.WithContext(ctx).Where("patient_id = ?", patient.ID).Where(principal.mayRead("patient_id")).Order("created_at DESC, id DESC").Limit(limit).Find(&readings).Error
	return readings, err
}

// OpenRequests lists a patient's repeat prescription requests still in progress.
func (s *Store) OpenRequests(ctx context.Context, principal *Principal, patient *Patient) ([]PrescriptionRequest, error) {
	var requests []PrescriptionRequest
	err := s.db.WithContext(ctx).Where("patient_id = ? AND status IN ?", patient.ID, []string{RequestRequested, RequestApproved}).
		Where(principal.mayRead("patient_id")).Order("created_at").Find(&requests).Error
	return requests, err
}

// Reviews lists a patient's reviews, newest first.
func (s *Store) Reviews(ctx context.Context, principal *Principal, patient *Patient) ([]Review, error) {
	var reviews []Review
	err := s.db.WithContext(ctx).Where("patient_id = ?", patient.ID).Where(principal.mayRead("patient_id")).Order("reviewed_on DESC, id DESC").Find(&reviews).Error
	return reviews, err
}

// PatientDetails are the details a nurse can change after registration,
// with the emergency and clinic contacts, which replace the old ones.
type PatientDetails struct {
	PreferredName      string
	Phone              string
	Email              string
	Address            PostalAddress
	CommunicationNeeds string
	Allergies          string
	PracticeID         uint
	Contacts           []Contact
}

// UpdatePatientDetails changes the details of one of the principal's
// patients. The new practice must be one the staff member works at.
func (s *Store) UpdatePatientDetails(ctx context.Context, principal *Principal, actor Actor, patient *Patient, details PatientDetails) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var works int64
		if err := tx.Model(&Membership{}).Where("user_id = ? AND organisation_id = ?", actor.UserID, details.PracticeID).Count(&works).Error; err != nil {
			return err
		}
		if works == 0 {
			return ErrNotFound
		}
		if err := updatePatient(tx, principal, patient, map[string]any{"preferred_name": details.PreferredName, "phone": details.Phone,
			"email": details.Email, "address_line1": details.Address.Line1, "address_line2": details.Address.Line2,
			"address_town": details.Address.Town, "address_postcode": details.Address.Postcode, "communication_needs": details.CommunicationNeeds, "allergies": details.Allergies,
			"practice_id": details.PracticeID, "updated_at": s.now()}); err != nil {
			return err
		}
		if err := tx.Where("patient_id = ?", patient.ID).Delete(&Contact{}).Error; err != nil {
			return err
		}
		for i, contact := range details.Contacts {
			contact.ID, contact.PatientID, contact.Position = 0, patient.ID, i
			if err := tx.Create(&contact).Error; err != nil {
				return err
			}
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditPatientUpdated, PatientID: &patient.ID, TargetType: "patient", TargetID: patient.Ref})
	})
}

// RecordReview adds a review of one of the principal's patients and sets
// the patient's last and next review.
func (s *Store) RecordReview(ctx context.Context, principal *Principal, actor Actor, patient *Patient, review Review) error {
	review.PatientID, review.AuthorID, review.CreatedAt = patient.ID, actor.UserID, s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&review).Error; err != nil {
			return err
		}
		if err := updatePatient(tx, principal, patient, map[string]any{"last_review_on": review.ReviewedOn, "next_review_on": review.NextReviewOn,
			"updated_at": s.now()}); err != nil {
			return err
		}
		if err := s.queueWebhooks(tx, patient.ID, EventReviewRecorded, nil); err != nil {
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditReviewRecorded, PatientID: &patient.ID, TargetType: "review",
			TargetID: uintString(review.ID), Detail: review.Outcome})
	})
}

// HasPlanFor says whether one of the principal's patients has a plan for
// the condition with the SNOMED CT code.
func (s *Store) HasPlanFor(ctx context.Context, principal *Principal, patient *Patient, snomed string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&ActionPlan{}).Where("patient_id = ? AND snomed_code = ?", patient.ID, snomed).
		Where(principal.mayRead("patient_id")).Count(&n).Error
	return n > 0, err
}

// updatePatient changes one of the principal's patients, or answers not
// found, rolling back whatever the transaction did first.
func updatePatient(tx *gorm.DB, principal *Principal, patient *Patient, changes map[string]any) error {
	update := tx.Model(&Patient{}).Where("id = ?", patient.ID).Where(principal.mayAct("patients.id")).Updates(changes)
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
func (s *Store) LinkCarer(ctx context.Context, principal *Principal, actor Actor, patient *Patient, username, relationship, permission string) (*CarerLink, error) {
	var link CarerLink
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := claimPatient(tx, principal, patient.ID); err != nil {
			return err
		}
		var carer User
		if err := tx.Where("username = ? AND role = ? AND disabled = ?", NormaliseUsername(username), RoleCarer, false).First(&carer).Error; err != nil {
			return notFound(err)
		}
		link = CarerLink{CarerID: carer.ID, PatientID: patient.ID, Relationship: relationship, Permission: permission, CreatedAt: s.now()}
		if err := tx.Create(&link).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrAlreadyLinked
			}
			return err
		}
		if err := s.queueWebhooks(tx, patient.ID, EventCarerLinked, nil); err != nil {
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditCarerLinked, PatientID: &patient.ID, TargetType: "carer-link",
			TargetID: uintString(link.ID), Detail: relationship + ", " + permission})
	})
	return &link, err
}

// InviteCarer makes an account for a new carer, links it to the patient and
// issues the activation code for the carer's letter. The account cannot be
// used until the carer activates it and chooses a username and password.
func (s *Store) InviteCarer(ctx context.Context, principal *Principal, actor Actor, patient *Patient, name, relationship, permission string) (*CarerLink, string, error) {
	var link CarerLink
	var code string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := claimPatient(tx, principal, patient.ID); err != nil {
			return err
		}
		carer := User{Username: "invited-" + RandomToken(16), Role: RoleCarer, DisplayName: strings.TrimSpace(name)}
		if err := tx.Create(&carer).Error; err != nil {
			return err
		}
		link = CarerLink{CarerID: carer.ID, PatientID: patient.ID, Relationship: relationship, Permission: permission, CreatedAt: s.now()}
		if err := tx.Create(&link).Error; err != nil {
			return err
		}
		if err := s.queueWebhooks(tx, patient.ID, EventCarerLinked, nil); err != nil {
			return err
		}
		if err := s.audit(tx, actor, AuditEntry{Action: AuditCarerInvited, PatientID: &patient.ID, TargetType: "carer-link",
			TargetID: uintString(link.ID), Detail: relationship + ", " + permission}); err != nil {
			return err
		}
		var err error
		code, err = s.issueCode(tx, actor, patient.ID, &carer.ID)
		return err
	})
	return &link, code, err
}

// CarerLinkFor finds a current link of a patient's.
func (s *Store) CarerLinkFor(ctx context.Context, principal *Principal, patient *Patient, linkID uint) (*CarerEntry, error) {
	var entry CarerEntry
	err := s.db.WithContext(ctx).Model(&CarerLink{}).
		Select("carer_links.*, users.display_name, users.username, users.password_hash <> '' AS activated").
		Joins("JOIN users ON users.id = carer_links.carer_id").
		Where("carer_links.id = ? AND carer_links.patient_id = ? AND carer_links.revoked_at IS NULL", linkID, patient.ID).
		Where(principal.mayRead("carer_links.patient_id")).
		Scan(&entry).Error
	if err == nil && entry.ID == 0 {
		return nil, ErrNotFound
	}
	return &entry, err
}

// NewCarerCode issues a fresh activation code for an invited carer who has
// not set up their account yet.
func (s *Store) NewCarerCode(ctx context.Context, principal *Principal, actor Actor, patient *Patient, link *CarerEntry) (string, error) {
	if link.Activated {
		return "", ErrWrongStatus
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
func (s *Store) RevokeCarer(ctx context.Context, principal *Principal, actor Actor, patient *Patient, linkID uint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&CarerLink{}).Where("id = ? AND patient_id = ? AND revoked_at IS NULL", linkID, patient.ID).
			Where(principal.mayAct("carer_links.patient_id")).
			Update("revoked_at", s.now())
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return refusal(tx, principal, patient.ID)
		}
		if err := s.queueWebhooks(tx, patient.ID, EventCarerRemoved, nil); err != nil {
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditCarerRevoked, PatientID: &patient.ID, TargetType: "carer-link", TargetID: uintString(linkID)})
	})
}

// PatientRecord is everything a nurse's view of a patient shows.
type PatientRecord struct {
	Passport  *Passport
	Plans     []PlanState // drafts included, which the passport leaves out
	Activated bool
	// SignInBlocked is set when too many wrong passwords have throttled
	// the patient's sign-ins.
	SignInBlocked bool
	Carers        []CarerEntry
	Readings      []Reading
	Requests      []PrescriptionRequest
	Reviews       []Review
	Activity      []AuditActivity
}

// ContactsOf lists a patient's contacts in their order.
func (s *Store) ContactsOf(ctx context.Context, principal *Principal, patient *Patient) ([]Contact, error) {
	var contacts []Contact
	err := s.db.WithContext(ctx).Where("patient_id = ?", patient.ID).Where(principal.mayRead("patient_id")).Order("kind, position, id").Find(&contacts).Error
	return contacts, err
}

// LoadRecord gathers the record of a patient found for a staff member.
func (s *Store) LoadRecord(ctx context.Context, principal *Principal, patient *Patient, readings, activity int) (*PatientRecord, error) {
	var record PatientRecord
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
		if record.SignInBlocked, err = s.AccountThrottled(account.Username); err != nil {
			return nil, err
		}
	case !errors.Is(err, ErrNotFound):
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
	record.Activity, err = s.AuditEventsForPatient(patient.ID, activity)
	return &record, err
}
