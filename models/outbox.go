package models

import "time"

// OutboxMessage is a message for a clinic, written by a background job.
// Its key names what it is about, so that a job run twice writes it once.
type OutboxMessage struct {
	ID             uint
	Key            string
	OrganisationID uint
	PatientID      uint
	Kind           string
	Message        string
	CreatedAt      time.Time
}

// OutboxRedZoneAlert is the kind of message that tells a clinic about a
// red-zone alert.
const OutboxRedZoneAlert = "red_zone_alert"
