package models

import (
	"errors"
	"fmt"
	"time"
)

// AuditCheckpoint is the audit chain's head at a moment, signed: which
// entry was newest, its hash and how many entries there were. A copy kept
// away from the database shows later whether history up to it was changed
// or cut back, even by someone holding the audit key.
type AuditCheckpoint struct {
	ID          uint      `json:"-"`
	At          time.Time `json:"at"`
	LastEventID uint      `json:"last_event_id"`
	LastHash    string    `json:"last_hash"`
	Entries     int64     `json:"entries"`
	KeyID       string    `json:"key_id"`
	Signature   string    `json:"signature"`
}

// ErrCheckpointSignature means a checkpoint was altered, or was not made
// with any of the audit keys given.
var ErrCheckpointSignature = errors.New("the checkpoint's signature does not match: it was altered, or signed with a key not given")

// CheckpointNotKept says how the audit log no longer holds what a checkpoint
// recorded: history up to it was rewritten, or cut back.
type CheckpointNotKept struct {
	Checkpoint AuditCheckpoint
	Reason     string
}

func (e *CheckpointNotKept) Error() string {
	return fmt.Sprintf("the audit log no longer matches the checkpoint of %s (entry %d): %s",
		e.Checkpoint.At.UTC().Format(time.RFC3339), e.Checkpoint.LastEventID, e.Reason)
}
