package models

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ErrWrongStatus means the request or alert has already moved on, for
// example because another nurse dealt with it first.
var ErrWrongStatus = errors.New("already dealt with")

// PrescriptionQueueEntry is an open repeat prescription request with the
// patient it is for.
type PrescriptionQueueEntry struct {
	PrescriptionRequest
	PatientRef  string
	PatientName string
	RequestedBy string
}

// PrescriptionQueue lists undecided and approved requests at the staff
// member's practices, oldest first.
func (s *Store) PrescriptionQueue(staffID uint) ([]PrescriptionQueueEntry, error) {
	var entries []PrescriptionQueueEntry
	err := s.db.Model(&PrescriptionRequest{}).
		Select("prescription_requests.*, patients.ref AS patient_ref, patients.given_name || ' ' || patients.family_name AS patient_name, users.display_name AS requested_by").
		Joins("JOIN patients ON patients.id = prescription_requests.patient_id").
		Joins("JOIN users ON users.id = prescription_requests.requested_by_id").
		Where("prescription_requests.patient_id IN (?)", s.staffPatients(staffID).Select("patients.id")).
		Where("prescription_requests.status IN ?", []string{RequestRequested, RequestApproved}).
		Order("prescription_requests.created_at, prescription_requests.id").Scan(&entries).Error
	return entries, err
}

// Prescription decisions a nurse can make.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
	DecisionReady   = "ready"
)

// DecidePrescription approves or rejects a request, or marks an approved
// one ready to collect. A rejection needs a reason the patient will read.
func (s *Store) DecidePrescription(actor Actor, requestID uint, decision, reason string) (*PrescriptionRequest, error) {
	var request PrescriptionRequest
	err := s.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ? AND patient_id IN (?)", requestID, s.staffPatients(actor.UserID).Select("patients.id")).
			First(&request).Error; err != nil {
			return notFound(err)
		}
		from, to, action := RequestRequested, "", ""
		switch decision {
		case DecisionApprove:
			to, action = RequestApproved, AuditPrescriptionApproved
		case DecisionReject:
			to, action = RequestRejected, AuditPrescriptionRejected
		case DecisionReady:
			from, to, action = RequestApproved, RequestReady, AuditPrescriptionReady
		default:
			return ErrWrongStatus
		}
		update := tx.Model(&PrescriptionRequest{}).Where("id = ? AND status = ?", request.ID, from).
			Updates(map[string]any{"status": to, "reason": strings.TrimSpace(reason), "decided_by_id": actor.UserID, "updated_at": s.now()})
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return ErrWrongStatus
		}
		request.Status = to
		return s.audit(tx, actor, AuditEntry{Action: action, PatientID: &request.PatientID,
			TargetType: "prescription-request", TargetID: uintString(request.ID), Detail: request.Medicine})
	})
	return &request, err
}

// AlertQueueEntry is an open red-zone alert with its reading and patient.
type AlertQueueEntry struct {
	Alert
	PatientRef  string
	PatientName string
	PeakFlow    *int
	Kind        string
	RecordedAt  time.Time
}

// AlertQueue lists unacknowledged red-zone alerts at the staff member's
// practices, oldest first.
func (s *Store) AlertQueue(staffID uint) ([]AlertQueueEntry, error) {
	var entries []AlertQueueEntry
	err := s.db.Model(&Alert{}).
		Select("alerts.*, patients.ref AS patient_ref, patients.given_name || ' ' || patients.family_name AS patient_name, readings.peak_flow, readings.kind, readings.created_at AS recorded_at").
		Joins("JOIN patients ON patients.id = alerts.patient_id").
		Joins("JOIN readings ON readings.id = alerts.reading_id").
		Where("alerts.patient_id IN (?) AND alerts.status = ?", s.staffPatients(staffID).Select("patients.id"), AlertOpen).
		Order("alerts.created_at, alerts.id").Scan(&entries).Error
	return entries, err
}

// AcknowledgeAlert records that a nurse has dealt with a red-zone alert.
func (s *Store) AcknowledgeAlert(actor Actor, alertID uint, note string) error {
	return s.db.Transaction(func(tx *gorm.DB) error {
		var alert Alert
		if err := tx.Where("id = ? AND patient_id IN (?)", alertID, s.staffPatients(actor.UserID).Select("patients.id")).
			First(&alert).Error; err != nil {
			return notFound(err)
		}
		now := s.now()
		update := tx.Model(&Alert{}).Where("id = ? AND status = ?", alert.ID, AlertOpen).
			Updates(map[string]any{"status": AlertAcknowledged, "note": strings.TrimSpace(note), "acknowledged_by_id": actor.UserID, "acknowledged_at": now})
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return ErrWrongStatus
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditAlertAcknowledged, PatientID: &alert.PatientID,
			TargetType: "alert", TargetID: uintString(alert.ID)})
	})
}

func uintString(n uint) string { return strconv.FormatUint(uint64(n), 10) }
