package models

import "time"

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
	return g.NextReviewOn != nil && g.NextReviewOn.Before(StartOfUKDay(g.At))
}

// NeedsThePerson reports whether anything at a glance asks the person to
// do something: collect a prescription, ask about a refused one, book an
// overdue review or act on a red reading.
func (g Glance) NeedsThePerson() bool {
	return g.ReadyRequests > 0 || g.RefusedRequests > 0 || g.ReviewOverdue() || g.Latest != nil && g.Latest.Zone == ZoneRed
}
