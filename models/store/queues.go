package store

import (
	"context"
	"errors"
	"strings"

	"healthpassport/models"

	"gorm.io/gorm"
)

// PrescriptionQueue lists a page of the undecided and approved requests
// of the principal's patients, oldest first: those of one status, or both
// when status is empty.
func (s *Store) PrescriptionQueue(ctx context.Context, principal *models.Principal, status string, page int) (models.Listing[models.PrescriptionQueueEntry], error) {
	statuses := []string{models.RequestRequested, models.RequestApproved}
	if status != "" {
		statuses = []string{status}
	}
	q := s.db.WithContext(ctx).Model(&models.PrescriptionRequest{}).
		Joins("JOIN patients ON patients.id = prescription_requests.patient_id").
		Joins("JOIN users ON users.id = prescription_requests.requested_by_id").
		Where(mayRead(principal, "prescription_requests.patient_id")).
		Where("prescription_requests.status IN ?", statuses)
	return listPage[models.PrescriptionQueueEntry](q,
		"prescription_requests.*, patients.ref AS patient_ref, patients.given_name || ' ' || patients.family_name AS patient_name, users.display_name AS requested_by",
		"prescription_requests.created_at, prescription_requests.id", page)
}

// DecidePrescription approves or rejects a request of one of the
// principal's patients, or marks an approved one ready to collect. A
// rejection needs a reason the patient will read. The update itself is
// scoped by the principal and the status it moves from, so a request
// elsewhere is not found and one already decided is left alone. Marking
// it ready tells the patient and carers who may act; urgent sends the
// message even in their quiet hours.
func (s *Store) DecidePrescription(ctx context.Context, principal *models.Principal, actor models.Actor, requestID uint, decision, reason string, urgent bool) (*models.PrescriptionRequest, error) {
	from, to, action := models.RequestRequested, "", ""
	switch decision {
	case models.DecisionApprove:
		to, action = models.RequestApproved, models.AuditPrescriptionApproved
	case models.DecisionReject:
		to, action = models.RequestRejected, models.AuditPrescriptionRejected
	case models.DecisionReady:
		from, to, action = models.RequestApproved, models.RequestReady, models.AuditPrescriptionReady
	default:
		return nil, models.ErrWrongStatus
	}
	var request models.PrescriptionRequest
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The patient's row is held first, as every change to a patient's
		// record holds it: the decision's trigger counts waiting requests
		// on it (migration 0035), and a patient moving practice holds it
		// before their requests, so the other order could deadlock.
		if err := tx.Model(&models.Patient{}).Where("id = (?)", tx.Model(&models.PrescriptionRequest{}).Select("patient_id").Where("id = ?", requestID)).
			Where(mayAct(principal, "patients.id")).UpdateColumn("updated_at", gorm.Expr("updated_at")).Error; err != nil {
			return err
		}
		update := tx.Model(&models.PrescriptionRequest{}).Where("id = ? AND status = ?", requestID, from).
			Where(mayAct(principal, "prescription_requests.patient_id")).
			Updates(map[string]any{"status": to, "reason": strings.TrimSpace(reason), "decided_by_id": actor.UserID, "updated_at": s.now()})
		if update.Error != nil {
			return update.Error
		}
		if err := tx.Where("id = ?", requestID).Where(mayRead(principal, "patient_id")).First(&request).Error; err != nil {
			return notFound(err)
		}
		if update.RowsAffected != 1 {
			return wrongStatusOrClosed(tx, principal, request.PatientID)
		}
		if to == models.RequestApproved || to == models.RequestRejected {
			if err := s.queueWebhooks(tx, request.PatientID, models.EventPrescriptionDecided, nil); err != nil {
				return err
			}
		}
		if to == models.RequestReady {
			var patient models.Patient
			if err := tx.Take(&patient, request.PatientID).Error; err != nil {
				return err
			}
			if err := s.queueEvent(tx, messageEvent{key: "prescription-ready:" + models.UintString(request.ID), kind: models.MessagePrescriptionReady,
				patient: &patient, urgent: urgent}); err != nil {
				return err
			}
		}
		return s.audit(tx, actor, models.AuditEntry{Action: action, PatientID: &request.PatientID,
			TargetType: "prescription-request", TargetID: models.UintString(request.ID), Detail: request.Medicine})
	})
	return &request, err
}

// AlertQueue lists a page of the unacknowledged red-zone alerts of the
// principal's patients, oldest first: those raised by one kind of reading,
// or by any when kind is empty.
func (s *Store) AlertQueue(ctx context.Context, principal *models.Principal, kind string, page int) (models.Listing[models.AlertQueueEntry], error) {
	q := s.db.WithContext(ctx).Model(&models.Alert{}).
		Joins("JOIN patients ON patients.id = alerts.patient_id").
		Joins("JOIN readings ON readings.id = alerts.reading_id").
		Where(mayRead(principal, "alerts.patient_id")).Where("alerts.status = ?", models.AlertOpen)
	if kind != "" {
		q = q.Where("readings.kind = ?", kind)
	}
	return listPage[models.AlertQueueEntry](q,
		"alerts.*, patients.ref AS patient_ref, patients.given_name || ' ' || patients.family_name AS patient_name, readings.peak_flow, readings.kind, readings.created_at AS recorded_at",
		"alerts.created_at, alerts.id", page)
}

// AcknowledgeAlert records that a nurse has dealt with a red-zone alert of
// one of the principal's patients. As with prescription decisions, the
// update is scoped by the principal and the alert's status.
func (s *Store) AcknowledgeAlert(ctx context.Context, principal *models.Principal, actor models.Actor, alertID uint, note string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&models.Alert{}).Where("id = ? AND status = ?", alertID, models.AlertOpen).Where(mayAct(principal, "alerts.patient_id")).
			Updates(map[string]any{"status": models.AlertAcknowledged, "note": strings.TrimSpace(note), "acknowledged_by_id": actor.UserID, "acknowledged_at": s.now()})
		if update.Error != nil {
			return update.Error
		}
		var alert models.Alert
		if err := tx.Where("id = ?", alertID).Where(mayRead(principal, "patient_id")).First(&alert).Error; err != nil {
			return notFound(err)
		}
		if update.RowsAffected != 1 {
			return wrongStatusOrClosed(tx, principal, alert.PatientID)
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditAlertAcknowledged, PatientID: &alert.PatientID,
			TargetType: "alert", TargetID: models.UintString(alert.ID)})
	})
}

// wrongStatusOrClosed says why a decision on a request or alert the
// principal can read changed nothing: the patient's practice is closed,
// or someone dealt with it first.
func wrongStatusOrClosed(tx *gorm.DB, principal *models.Principal, patientID uint) error {
	if err := refusal(tx, principal, patientID); !errors.Is(err, models.ErrNotFound) {
		return err
	}
	return models.ErrWrongStatus
}
