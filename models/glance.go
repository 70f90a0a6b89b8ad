package models

import (
	"context"
	"time"
)

// Glance is how a person's passport stands now, as the top of their
// passport and their carer's list show it: the latest reading's zone,
// prescription requests and the next review.
type Glance struct {
	PatientID uint
	// Latest is the latest reading, or nil before the first.
	Latest *Reading
	// WaitingRequests are prescription requests the clinic has not
	// finished with; ReadyRequests were made ready, and RefusedRequests
	// turned down, within the last RecentRequestDays.
	WaitingRequests int
	ReadyRequests   int
	RefusedRequests int
	NextReviewOn    *time.Time
	// At is when the glance was taken: what is recent, or overdue, is
	// judged from it.
	At time.Time
}

// RecentRequestDays is how long a decided prescription request is told
// about at a glance: long enough to collect a prescription, short enough
// that an old one does not stay.
const RecentRequestDays = 14

// redIsNow is how long after a red reading the glance says what to do
// now, with the red zone's steps: after that a new reading is asked for.
const redIsNow = 24 * time.Hour

// RedNow reports whether the latest reading is red and recent enough that
// its red zone's steps are what to do now.
func (g Glance) RedNow() bool {
	return g.Latest != nil && g.Latest.Zone == ZoneRed && g.At.Sub(g.Latest.CreatedAt) < redIsNow
}

// RedBefore reports whether the latest reading is red but older than a day:
// the person is asked how they are now rather than told to get help.
func (g Glance) RedBefore() bool {
	return g.Latest != nil && g.Latest.Zone == ZoneRed && !g.RedNow()
}

// ReviewOverdue reports whether the next review's date has passed.
func (g Glance) ReviewOverdue() bool {
	return g.NextReviewOn != nil && g.NextReviewOn.Before(startOfUKDay(g.At))
}

// NeedsThePerson reports whether anything at a glance asks the person to
// do something: collect a prescription, ask about a refused one, book an
// overdue review or act on a red reading.
func (g Glance) NeedsThePerson() bool {
	return g.ReadyRequests > 0 || g.RefusedRequests > 0 || g.ReviewOverdue() || g.Latest != nil && g.Latest.Zone == ZoneRed
}

// Glances is how the passports of the given patients stand now, by
// patient, for those of them the principal may read: one statement,
// whatever the number of patients. It is read afresh for every page, as
// readings and requests change without the passport's plans.
func (s *Store) Glances(ctx context.Context, principal *Principal, patientIDs []uint) (map[uint]Glance, error) {
	glances := make(map[uint]Glance, len(patientIDs))
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
	err := s.db.WithContext(ctx).Model(&Patient{}).
		Select("patients.id AS patient_id, patients.next_review_on, patients.waiting_requests, "+
			"latest.id AS latest_id, latest.zone AS latest_zone, latest.plan_id AS latest_plan_id, latest.created_at AS latest_at, "+
			decided(RequestReady)+" AS ready_requests, "+decided(RequestRejected)+" AS refused_requests",
			map[string]any{"recent": at.AddDate(0, 0, -RecentRequestDays), RequestReady: RequestReady, RequestRejected: RequestRejected}).
		Joins("LEFT JOIN readings latest ON latest.id = (SELECT readings.id FROM readings WHERE readings.patient_id = patients.id "+
			"ORDER BY readings.created_at DESC, readings.id DESC LIMIT 1)").
		Where("patients.id IN ?", patientIDs).Where(principal.mayRead("patients.id")).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		glance := Glance{PatientID: row.PatientID, WaitingRequests: row.WaitingRequests, ReadyRequests: row.ReadyRequests,
			RefusedRequests: row.RefusedRequests, NextReviewOn: row.NextReviewOn, At: at}
		if row.LatestID != nil && row.LatestZone != nil && row.LatestAt != nil {
			glance.Latest = &Reading{ID: *row.LatestID, PatientID: row.PatientID, PlanID: row.LatestPlanID, Zone: *row.LatestZone, CreatedAt: *row.LatestAt}
		}
		glances[row.PatientID] = glance
	}
	return glances, nil
}
