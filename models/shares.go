package models

import (
	"time"
)

// Share gives someone outside the clinic read-only access to a patient's
// emergency page for a limited time.
type Share struct {
	ID          uint
	PatientID   uint
	Patient     *Patient // loaded only for the school reading the share
	CodeHash    string
	Recipient   string
	CreatedByID uint
	ExpiresAt   time.Time
	RevokedAt   *time.Time
	LastUsedAt  *time.Time
	CreatedAt   time.Time
}

// ShareLengths are the choices of how long a share lasts, in days.
var ShareLengths = []int{7, 30, 90}

// AttemptShare throttles guesses at share codes.
const AttemptShare = "share"
