package models

import (
	"errors"
	"strconv"
	"time"
)

// ErrWrongStatus means the request or alert has already moved on, for
// example because another nurse dealt with it first.
var ErrWrongStatus = errors.New("already dealt with")

// PrescriptionQueueEntry is an open repeat prescription request with the
// patient it is for.
type PrescriptionQueueEntry struct {
	PrescriptionRequest
	PatientRef  string
	PatientName string
	RequestedBy string
}

// Prescription decisions a nurse can make.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
	DecisionReady   = "ready"
)

// AlertQueueEntry is an open red-zone alert with its reading and patient.
type AlertQueueEntry struct {
	Alert
	PatientRef  string
	PatientName string
	PeakFlow    *int
	Kind        string
	RecordedAt  time.Time
}

func UintString(n uint) string { return strconv.FormatUint(uint64(n), 10) }
