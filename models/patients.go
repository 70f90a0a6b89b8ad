package models

import (
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ErrNHSNumberRegistered means a patient with the NHS number already has a passport.
var ErrNHSNumberRegistered = errors.New("NHS number already registered")

const refAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// NewPatient is what a nurse enters to register a patient.
type NewPatient struct {
	NHSNumber   string
	GivenName   string
	FamilyName  string
	DateOfBirth time.Time
	PracticeID  uint
}

// CaseloadEntry is a patient as a nurse's caseload lists them.
type CaseloadEntry struct {
	Patient
	Activated bool
}

// staffPatients limits a patient query to practices the staff member works at.
func (s *Store) staffPatients(staffID uint) *gorm.DB {
	return s.db.Model(&Patient{}).Where("patients.practice_id IN (?)",
		s.db.Model(&Membership{}).Select("organisation_id").Where("user_id = ?", staffID))
}

// Caseload lists the patients of a staff member's practices by name.
func (s *Store) Caseload(staffID uint, limit int) ([]CaseloadEntry, int64, error) {
	var total int64
	if err := s.staffPatients(staffID).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var entries []CaseloadEntry
	err := s.staffPatients(staffID).
		Select("patients.*, EXISTS (SELECT 1 FROM users WHERE users.patient_id = patients.id) AS activated").
		Order("patients.family_name, patients.given_name, patients.id").Limit(limit).Scan(&entries).Error
	return entries, total, err
}

// PatientForStaff finds a patient of one of the staff member's practices.
func (s *Store) PatientForStaff(staffID uint, ref string) (*Patient, error) {
	var patient Patient
	err := s.staffPatients(staffID).Where("patients.ref = ?", ref).First(&patient).Error
	return &patient, notFound(err)
}

// PatientForReader finds a passport that a patient or carer may read: their
// own, or that of someone they are a carer for now.
func (s *Store) PatientForReader(user *User, ref string) (*Patient, error) {
	var patient Patient
	q := s.db.Where("ref = ?", ref)
	switch user.Role {
	case RolePatient:
		if user.PatientID == nil {
			return nil, ErrNotFound
		}
		q = q.Where("id = ?", *user.PatientID)
	case RoleCarer:
		q = q.Where("id IN (?)", s.db.Model(&CarerLink{}).Select("patient_id").
			Where("carer_id = ? AND revoked_at IS NULL", user.ID))
	default:
		return nil, ErrNotFound
	}
	err := q.First(&patient).Error
	return &patient, notFound(err)
}

// CaredFor is a person a carer looks after.
type CaredFor struct {
	Patient
	Relationship string
	Permission   string
}

// PeopleCaredFor lists the people a carer is linked to now.
func (s *Store) PeopleCaredFor(carerID uint) ([]CaredFor, error) {
	var people []CaredFor
	err := s.db.Model(&Patient{}).
		Select("patients.*, carer_links.relationship, carer_links.permission").
		Joins("JOIN carer_links ON carer_links.patient_id = patients.id").
		Where("carer_links.carer_id = ? AND carer_links.revoked_at IS NULL", carerID).
		Order("patients.given_name, patients.family_name").Scan(&people).Error
	return people, err
}

// RegisterPatient adds a patient to one of the staff member's practices and
// issues their first activation code, which is returned for the letter.
func (s *Store) RegisterPatient(actor Actor, p NewPatient) (*Patient, string, error) {
	patient := Patient{
		Ref:         randomString(refAlphabet, 16),
		NHSNumber:   p.NHSNumber,
		GivenName:   strings.TrimSpace(p.GivenName),
		FamilyName:  strings.TrimSpace(p.FamilyName),
		DateOfBirth: p.DateOfBirth,
		PracticeID:  p.PracticeID,
	}
	var code string
	err := s.db.Transaction(func(tx *gorm.DB) error {
		var works int64
		if err := tx.Model(&Membership{}).Where("user_id = ? AND organisation_id = ?", actor.UserID, p.PracticeID).
			Count(&works).Error; err != nil {
			return err
		}
		if works == 0 {
			return ErrNotFound
		}
		var existing int64
		if err := tx.Model(&Patient{}).Where("nhs_number = ?", p.NHSNumber).Count(&existing).Error; err != nil {
			return err
		}
		if existing > 0 {
			return ErrNHSNumberRegistered
		}
		if err := tx.Create(&patient).Error; err != nil {
			return err
		}
		if err := s.audit(tx, actor, AuditEntry{Action: AuditPatientCreated, PatientID: &patient.ID,
			TargetType: "patient", TargetID: patient.Ref}); err != nil {
			return err
		}
		var err error
		code, err = s.issueActivationCode(tx, actor, patient.ID)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return &patient, code, nil
}

// PatientByID finds a patient. Callers check the right to see them first.
func (s *Store) PatientByID(id uint) (*Patient, error) {
	var patient Patient
	err := s.db.First(&patient, id).Error
	return &patient, notFound(err)
}
