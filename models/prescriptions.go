package models

import (
	"errors"
)

// ErrAlreadyRequested means an earlier request for the medicine is still open.
var ErrAlreadyRequested = errors.New("already requested")

// RequestEntry is a request as the patient's list shows it.
type RequestEntry struct {
	PrescriptionRequest
	RequestedBy string
}
