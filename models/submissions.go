package models

import (
	"time"
)

// FormSubmission is a form that has been sent, known by the one-time key
// the form carried, within the scope of who sent it. Location is where
// acting on it led; it is empty while the form is being acted on.
type FormSubmission struct {
	ID            uint
	Scope         string
	SubmissionKey string
	Location      string
	CreatedAt     time.Time
}

// SubmissionState is what is known of a form's key when it arrives.
type SubmissionState int

const (
	// SubmissionClaimed: the key is new, and this request acts on the form.
	SubmissionClaimed SubmissionState = iota
	// SubmissionInFlight: another request with the key is acting on it now.
	SubmissionInFlight
	// SubmissionDone: the form has been acted on; the answer is a redirect
	// to where that led.
	SubmissionDone
)
