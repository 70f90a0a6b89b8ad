package models

import "time"

// Work that must happen after a change is a River job, inserted in the
// change's own transaction: it runs once the change is committed, and never
// if the change is rolled back. The arguments of each job are here, with
// the records the jobs write.

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

// NotifyClinicArgs asks for the clinic to be told about a red-zone alert.
type NotifyClinicArgs struct {
	AlertID uint `json:"alert_id"`
}

func (NotifyClinicArgs) Kind() string { return "notify_clinic" }

// SweepArgs asks for one kind of expired record to be removed.
type SweepArgs struct {
	Target string `json:"target"`
}

func (SweepArgs) Kind() string { return "sweep" }
