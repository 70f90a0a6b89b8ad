package store

import (
	"time"
)

// SetClock makes the store read the time from now, so that a test can
// record readings at chosen instants.
func (s *Store) SetClock(now func() time.Time) { s.now = now }
