package store

import (
	"context"
	"time"
)

// SetClock makes the store read the time from now, so that a test can
// record readings at chosen instants.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// RefreshOutcomesDue refreshes the outcome rollup as its periodic job
// does, so that a test need not wait for the job's schedule.
func (s *Store) RefreshOutcomesDue(ctx context.Context) error { return s.refreshOutcomesDue(ctx) }
