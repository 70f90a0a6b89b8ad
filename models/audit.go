package models

import (
	"gorm.io/gorm"
)

// Actor is who is acting and from where, as the audit log records it.
type Actor struct {
	UserID    uint
	Role      Role
	IPAddress string
	RequestID string
}

// Audit actions.
const (
	AuditSignIn           = "sign-in"
	AuditSignInFailed     = "sign-in.failed"
	AuditSignInThrottled  = "sign-in.throttled"
	AuditSignOut          = "sign-out"
	AuditAccessRefused    = "access.refused"
	AuditPatientViewed    = "patient.viewed"
	AuditPatientCreated   = "patient.registered"
	AuditPassportViewed   = "passport.viewed"
	AuditActivationIssued = "activation-code.issued"
	AuditActivated        = "account.activated"
	AuditActivationFailed = "activation.failed"
)

// AuditEntry describes what happened to which record.
type AuditEntry struct {
	Action     string
	PatientID  *uint
	OnBehalfOf *uint
	TargetType string
	TargetID   string
	Detail     string
}

// Audit appends one entry to the audit log.
func (s *Store) Audit(actor Actor, entry AuditEntry) error {
	return s.audit(s.db, actor, entry)
}

func (s *Store) audit(tx *gorm.DB, actor Actor, entry AuditEntry) error {
	event := AuditEvent{
		At:         s.now(),
		ActorRole:  string(actor.Role),
		Action:     entry.Action,
		PatientID:  entry.PatientID,
		OnBehalfOf: entry.OnBehalfOf,
		TargetType: entry.TargetType,
		TargetID:   truncate(entry.TargetID, 64),
		IPAddress:  truncate(actor.IPAddress, 64),
		RequestID:  truncate(actor.RequestID, 64),
		Detail:     truncate(entry.Detail, 1000),
	}
	if actor.UserID != 0 {
		event.ActorID = &actor.UserID
	}
	return tx.Create(&event).Error
}

// AuditEventsFor lists the newest entries about patients of the given
// organisations, and entries by staff of them, newest first.
func (s *Store) AuditEventsFor(organisationIDs []uint, limit int) ([]AuditEvent, error) {
	var events []AuditEvent
	err := s.db.Where("patient_id IN (?) OR actor_id IN (?)",
		s.db.Model(&Patient{}).Select("id").Where("practice_id IN ?", organisationIDs),
		s.db.Model(&Membership{}).Select("user_id").Where("organisation_id IN ?", organisationIDs),
	).Order("id DESC").Limit(limit).Find(&events).Error
	return events, err
}

// AuditEventsForPatient lists what happened to one patient's record.
func (s *Store) AuditEventsForPatient(patientID uint, limit int) ([]AuditEvent, error) {
	var events []AuditEvent
	err := s.db.Where("patient_id = ?", patientID).Order("id DESC").Limit(limit).Find(&events).Error
	return events, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
