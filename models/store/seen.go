package store

import (
	"context"

	"healthpassport/models"
)

// PassportHistory lists a page of what happened to a patient's passport,
// newest first: every access by staff, carers, schools and connected
// systems, and every change. What the reader did is left out, and, for a
// carer, what the patient did: the page is about everyone else. Only the
// patient, or a carer who may act for them, finds anything: a page never
// shifts as entries are added, as with the audit log. It reports whether
// older entries follow. Entries waiting to be chained are chained first, so
// a read made a moment ago is listed.
func (s *Store) PassportHistory(ctx context.Context, principal *models.Principal, patient *models.Patient, before uint, limit int) ([]models.PassportEvent, bool, error) {
	if err := s.foldBeforeReading(ctx); err != nil {
		return nil, false, err
	}
	query := s.db.WithContext(ctx).Model(&models.AuditEvent{}).
		Select(`audit_events.*, users.display_name AS actor_name,
			(SELECT CASE WHEN organisations.id = ? THEN '' ELSE organisations.name END FROM memberships JOIN organisations ON organisations.id = memberships.organisation_id
			 WHERE memberships.user_id = audit_events.actor_id
			 ORDER BY CASE WHEN organisations.id = ? THEN 0 ELSE 1 END, organisations.name LIMIT 1) AS actor_organisation`, patient.PracticeID, patient.PracticeID).
		Joins("LEFT JOIN users ON users.id = audit_events.actor_id").
		Where("audit_events.patient_id = ?", patient.ID).Where(mayOversee(principal, "audit_events.patient_id")).
		Where("(audit_events.actor_id IS NULL OR audit_events.actor_id <> ?)", principal.User.ID).
		Where("audit_events.actor_role <> ?", string(models.RolePatient))
	if before != 0 {
		query = query.Where("audit_events.id < ?", before)
	}
	var events []models.PassportEvent
	err := query.Order("audit_events.id DESC").Limit(limit + 1).Scan(&events).Error
	if len(events) > limit {
		return events[:limit], true, err
	}
	return events, false, err
}
