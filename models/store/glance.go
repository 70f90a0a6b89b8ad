package store

import (
	"context"
	"time"

	"healthpassport/models"
)

// Glances is how the passports of the given patients stand now, by
// patient, for those of them the principal may read: one statement,
// whatever the number of patients. It is read afresh for every page, as
// readings and requests change without the passport's plans.
func (s *Store) Glances(ctx context.Context, principal *models.Principal, patientIDs []uint) (map[uint]models.Glance, error) {
	glances := make(map[uint]models.Glance, len(patientIDs))
	if len(patientIDs) == 0 {
		return glances, nil
	}
	at := s.now()
	var rows []struct {
		PatientID       uint
		NextReviewOn    *time.Time
		WaitingRequests int
		ReadyRequests   int
		RefusedRequests int
		// The latest reading's columns, read as columns of a joined row so
		// that both databases give their own types back.
		LatestID     *uint
		LatestZone   *string
		LatestPlanID *uint
		LatestAt     *time.Time
	}
	decided := func(status string) string {
		return "(SELECT COUNT(*) FROM prescription_requests WHERE prescription_requests.patient_id = patients.id" +
			" AND prescription_requests.status = @" + status + " AND prescription_requests.updated_at >= @recent)"
	}
	err := s.db.WithContext(ctx).Model(&models.Patient{}).
		Select("patients.id AS patient_id, patients.next_review_on, patients.waiting_requests, "+
			"latest.id AS latest_id, latest.zone AS latest_zone, latest.plan_id AS latest_plan_id, latest.created_at AS latest_at, "+
			decided(models.RequestReady)+" AS ready_requests, "+decided(models.RequestRejected)+" AS refused_requests",
			map[string]any{"recent": at.AddDate(0, 0, -models.RecentRequestDays), models.RequestReady: models.RequestReady, models.RequestRejected: models.RequestRejected}).
		Joins("LEFT JOIN readings latest ON latest.id = (SELECT readings.id FROM readings WHERE readings.patient_id = patients.id "+
			"ORDER BY readings.created_at DESC, readings.id DESC LIMIT 1)").
		Where("patients.id IN ?", patientIDs).Where(mayRead(principal, "patients.id")).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		glance := models.Glance{PatientID: row.PatientID, WaitingRequests: row.WaitingRequests, ReadyRequests: row.ReadyRequests,
			RefusedRequests: row.RefusedRequests, NextReviewOn: row.NextReviewOn, At: at}
		if row.LatestID != nil && row.LatestZone != nil && row.LatestAt != nil {
			glance.Latest = &models.Reading{ID: *row.LatestID, PatientID: row.PatientID, PlanID: row.LatestPlanID, Zone: *row.LatestZone, CreatedAt: *row.LatestAt}
		}
		glances[row.PatientID] = glance
	}
	return glances, nil
}
