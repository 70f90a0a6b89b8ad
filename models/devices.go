package models

import (
	"time"
)

// Device is a place where someone is signed in: one session.
type Device struct {
	ID        uint
	UserID    uint
	Token     string
	UserAgent string
	IPAddress string
	CreatedAt time.Time // when they signed in on it: first seen
	// LastSeenAt is when it was last used, to within DeviceSeenResolution.
	LastSeenAt time.Time
}

// DeviceSeenResolution is how often a device's last use is written down:
// writing it on every request would make every page write to the database.
const DeviceSeenResolution = 5 * time.Minute
