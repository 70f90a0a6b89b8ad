package store

import (
	"context"

	"healthpassport/models"

	"gorm.io/gorm"
)

// RequestPrescription asks the clinic for a repeat of a medicine on one of
// the patient's plans, keeping its purpose for the asthma medication ratio. There can be one open (requested or approved) request
// per medicine: the unique index on open requests refuses another.
func (s *Store) RequestPrescription(ctx context.Context, principal *models.Principal, actor models.Actor, patient *models.Patient, planID uint, medicine models.Medicine) (*models.PrescriptionRequest, error) {
	request := models.PrescriptionRequest{PatientID: patient.ID, PlanID: planID, Medicine: medicine.Name, Purpose: medicine.Purpose, Status: models.RequestRequested,
		RequestedByID: actor.UserID, CreatedAt: s.now(), UpdatedAt: s.now()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := claimPatient(tx, principal, patient.ID); err != nil {
			return err
		}
		if err := tx.Create(&request).Error; err != nil {
			if IsUniqueViolation(err) {
				return models.ErrAlreadyRequested
			}
			return err
		}
		if err := s.queueWebhooks(tx, patient.ID, models.EventPrescriptionRequested, nil); err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditPrescriptionRequested, PatientID: &patient.ID, OnBehalfOf: onBehalf(actor, patient),
			TargetType: "prescription-request", TargetID: models.UintString(request.ID), Detail: medicine.Name})
	})
	return &request, err
}

// PrescriptionRequestsOf lists a patient's requests, newest first.
func (s *Store) PrescriptionRequestsOf(ctx context.Context, principal *models.Principal, patient *models.Patient, limit int) ([]models.RequestEntry, error) {
	var requests []models.RequestEntry
	err := s.db.WithContext(ctx).Model(&models.PrescriptionRequest{}).Select("prescription_requests.*, users.display_name AS requested_by").
		Joins("JOIN users ON users.id = prescription_requests.requested_by_id").
		Where("prescription_requests.patient_id = ?", patient.ID).Where(mayRead(principal, "prescription_requests.patient_id")).
		Order("prescription_requests.created_at DESC, prescription_requests.id DESC").Limit(limit).Scan(&requests).Error
	return requests, err
}
