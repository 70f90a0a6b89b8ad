package models

import (
	"context"
	"errors"

	"gorm.io/gorm"
)

// ErrAlreadyRequested means an earlier request for the medicine is still open.
var ErrAlreadyRequested = errors.New("already requested")

// RequestPrescription asks the clinic for a repeat of a medicine on one of
// the patient's plans, keeping its purpose for the asthma medication ratio. There can be one open (requested or approved) request
// per medicine: the unique index on open requests refuses another.
func (s *Store) RequestPrescription(ctx context.Context, principal *Principal, actor Actor, patient *Patient, planID uint, medicine Medicine) (*PrescriptionRequest, error) {
	request := PrescriptionRequest{PatientID: patient.ID, PlanID: planID, Medicine: medicine.Name, Purpose: medicine.Purpose, Status: RequestRequested,
		RequestedByID: actor.UserID, CreatedAt: s.now(), UpdatedAt: s.now()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := claimPatient(tx, principal, patient.ID); err != nil {
			return err
		}
		if err := tx.Create(&request).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrAlreadyRequested
			}
			return err
		}
		if err := s.queueWebhooks(tx, patient.ID, EventPrescriptionRequested, nil); err != nil {
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditPrescriptionRequested, PatientID: &patient.ID, OnBehalfOf: onBehalf(actor, patient),
			TargetType: "prescription-request", TargetID: uintString(request.ID), Detail: medicine.Name})
	})
	return &request, err
}

// RequestEntry is a request as the patient's list shows it.
type RequestEntry struct {
	PrescriptionRequest
	RequestedBy string
}

// PrescriptionRequestsOf lists a patient's requests, newest first.
func (s *Store) PrescriptionRequestsOf(ctx context.Context, principal *Principal, patient *Patient, limit int) ([]RequestEntry, error) {
	var requests []RequestEntry
	err := s.db.WithContext(ctx).Model(&PrescriptionRequest{}).Select("prescription_requests.*, users.display_name AS requested_by").
		Joins("JOIN users ON users.id = prescription_requests.requested_by_id").
		Where("prescription_requests.patient_id = ?", patient.ID).Where(principal.mayRead("prescription_requests.patient_id")).
		Order("prescription_requests.created_at DESC, prescription_requests.id DESC").Limit(limit).Scan(&requests).Error
	return requests, err
}
