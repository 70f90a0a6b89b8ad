package models

import (
	"context"
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

// PrescriptionQueue lists undecided and approved requests of the
// principal's patients, oldest first.
func (s *Store) PrescriptionQueue(ctx context.Context, principal *Principal) ([]PrescriptionQueueEntry, error) {
	var entries []PrescriptionQueueEntry
	err := s.db.WithContext(ctx).Model(&PrescriptionRequest{}).
		Select("prescription_requests.*, patients.ref AS patient_ref, patients.given_name || ' ' || patients.family_name AS patient_name, users.display_name AS requested_by").
		Joins("JOIN patients ON patients.id = prescription_requests.patient_id").
		Joins("JOIN users ON users.id = prescription_requests.requested_by_id").
		Where(principal.mayRead("prescription_requests.patient_id")).
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

// DecidePrescription approves or rejects a request of one of the
// principal's patients, or marks an approved one ready to collect. A
// rejection needs a reason the patient will read. The update itself is
// scoped by the principal and the status it moves from, so a request
// elsewhere is not found and one already decided is left alone. Marking
// it ready tells the patient and carers who may act; urgent sends the
// message even in their quiet hours.
func (s *Store) DecidePrescription(ctx context.Context, principal *Principal, actor Actor, requestID uint, decision, reason string, urgent bool) (*PrescriptionRequest, error) {
	from, to, action := RequestRequested, "", ""
	switch decision {
	case DecisionApprove:
		to, action = RequestApproved, AuditPrescriptionApproved
	case DecisionReject:
		to, action = RequestRejected, AuditPrescriptionRejected
	case DecisionReady:
		from, to, action = RequestApproved, RequestReady, AuditPrescriptionReady
	default:
		return nil, ErrWrongStatus
	}
	var request PrescriptionRequest
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The patient's row is held first, as every change to a patient's
		// record holds it: the decision's trigger counts waiting requests
		// on it (migration 0035), and a patient moving practice holds it
		// before their requests, so the other order could deadlock.
		if err := tx.Model(&Patient{}).Where("id = (?)", tx.Model(&PrescriptionRequest{}).Select("patient_id").Where("id = ?", requestID)).
			Where(principal.mayAct("patients.id")).UpdateColumn("updated_at", gorm.Expr("updated_at")).Error; err != nil {
			return err
		}
		update := tx.Model(&PrescriptionRequest{}).Where("id = ? AND status = ?", requestID, from).
			Where(principal.mayAct("prescription_requests.patient_id")).
			Updates(map[string]any{"status": to, "reason": strings.TrimSpace(reason), "decided_by_id": actor.UserID, "updated_at": s.now()})
		if update.Error != nil {
			return update.Error
		}
		if err := tx.Where("id = ?", requestID).Where(principal.mayRead("patient_id")).First(&request).Error; err != nil {
			return notFound(err)
		}
		if update.RowsAffected != 1 {
			return wrongStatusOrClosed(tx, principal, request.PatientID)
		}
		if to == RequestApproved || to == RequestRejected {
			if err := s.queueWebhooks(tx, request.PatientID, EventPrescriptionDecided, nil); err != nil {
				return err
			}
		}
		if to == RequestReady {
			var patient Patient
			if err := tx.Take(&patient, request.PatientID).Error; err != nil {
				return err
			}
			if err := s.queueEvent(tx, messageEvent{key: "prescription-ready:" + uintString(request.ID), kind: MessagePrescriptionReady,
				patient: &patient, urgent: urgent}); err != nil {
				return err
			}
		}
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

// AlertQueue lists unacknowledged red-zone alerts of the principal's
// patients, oldest first.
func (s *Store) AlertQueue(ctx context.Context, principal *Principal) ([]AlertQueueEntry, error) {
	var entries []AlertQueueEntry
	err := s.db.WithContext(ctx).Model(&Alert{}).
		Select("alerts.*, patients.ref AS patient_ref, patients.given_name || ' ' || patients.family_name AS patient_name, readings.peak_flow, readings.kind, readings.created_at AS recorded_at").
		Joins("JOIN patients ON patients.id = alerts.patient_id").
		Joins("JOIN readings ON readings.id = alerts.reading_id").
		Where(principal.mayRead("alerts.patient_id")).Where("alerts.status = ?", AlertOpen).
		Order("alerts.created_at, alerts.id").Scan(&entries).Error
	return entries, err
}

// AcknowledgeAlert records that a nurse has dealt with a red-zone alert of
// one of the principal's patients. As with prescription decisions, the
// update is scoped by the principal and the alert's status.
func (s *Store) AcknowledgeAlert(ctx context.Context, principal *Principal, actor Actor, alertID uint, note string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&Alert{}).Where("id = ? AND status = ?", alertID, AlertOpen).Where(principal.mayAct("alerts.patient_id")).
			Updates(map[string]any{"status": AlertAcknowledged, "note": strings.TrimSpace(note), "acknowledged_by_id": actor.UserID, "acknowledged_at": s.now()})
		if update.Error != nil {
			return update.Error
		}
		var alert Alert
		if err := tx.Where("id = ?", alertID).Where(principal.mayRead("patient_id")).First(&alert).Error; err != nil {
			return notFound(err)
		}
		if update.RowsAffected != 1 {
			return wrongStatusOrClosed(tx, principal, alert.PatientID)
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditAlertAcknowledged, PatientID: &alert.PatientID,
			TargetType: "alert", TargetID: uintString(alert.ID)})
	})
}

// wrongStatusOrClosed says why a decision on a request or alert the
// principal can read changed nothing: the patient's practice is closed,
// or someone dealt with it first.
func wrongStatusOrClosed(tx *gorm.DB, principal *Principal, patientID uint) error {
	if err := refusal(tx, principal, patientID); !errors.Is(err, ErrNotFound) {
		return err
	}
	return ErrWrongStatus
}

func uintString(n uint) string { return strconv.FormatUint(uint64(n), 10) }
