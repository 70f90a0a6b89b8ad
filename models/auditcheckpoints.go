package models

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
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

// auditCheckpointInterval is how often the job queue records a checkpoint.
const auditCheckpointInterval = time.Hour

// AuditCheckpoint checks the whole chain and, if it verifies, signs its
// head with the current audit key and keeps the checkpoint in the database.
// A chain that does not verify gets no checkpoint: signing it would vouch
// for the change.
func (s *Store) AuditCheckpoint() (AuditCheckpoint, error) {
	if s.auditKeys == nil {
		return AuditCheckpoint{}, ErrNoAuditKey
	}
	var checkpoint AuditCheckpoint
	err := s.auditSnapshot(func(tx *gorm.DB) error {
		verified, head, err := s.verifyAuditChain(tx)
		if err != nil {
			return err
		}
		checkpoint = AuditCheckpoint{At: s.now().Truncate(time.Microsecond), LastEventID: head.LastEventID,
			LastHash: head.LastHash, Entries: int64(verified), KeyID: s.auditKeys.current.ID}
		return nil
	})
	if err != nil {
		return AuditCheckpoint{}, err
	}
	checkpoint.Signature = checkpointSignature(s.auditKeys.current, checkpoint)
	return checkpoint, s.db.Create(&checkpoint).Error
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

// VerifyAuditCheckpoint checks the checkpoint's signature, then that the log
// still holds it: the entry it names has the hash it recorded, and as many
// entries up to it as it counted. The chain itself is VerifyAuditLog's to
// check; together they show that no entry up to the checkpoint was changed,
// removed or added, whoever recomputed the chain.
func (s *Store) VerifyAuditCheckpoint(checkpoint AuditCheckpoint) error {
	key, ok := s.auditKeys.key(checkpoint.KeyID)
	if !ok || !hmac.Equal([]byte(checkpoint.Signature), []byte(checkpointSignature(key, checkpoint))) {
		return ErrCheckpointSignature
	}
	return s.auditSnapshot(func(tx *gorm.DB) error {
		notKept := func(reason string, args ...any) error {
			return &CheckpointNotKept{Checkpoint: checkpoint, Reason: fmt.Sprintf(reason, args...)}
		}
		var head AuditChain
		if err := tx.First(&head, 1).Error; err != nil {
			return err
		}
		if head.LastEventID < checkpoint.LastEventID {
			return notKept("the newest entry is now %d, so entries were cut back", head.LastEventID)
		}
		var event AuditEvent
		err := tx.First(&event, checkpoint.LastEventID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return notKept("that entry is gone")
		} else if err != nil {
			return err
		}
		if event.Hash != checkpoint.LastHash {
			return notKept("that entry's hash has changed, so it or an entry before it was rewritten")
		}
		var entries int64
		if err := tx.Model(&AuditEvent{}).Where("id <= ?", checkpoint.LastEventID).Count(&entries).Error; err != nil {
			return err
		}
		if entries != checkpoint.Entries {
			return notKept("it counted %d entries up to it, and there are now %d", checkpoint.Entries, entries)
		}
		return nil
	})
}

// AuditCheckpointArgs asks for a checkpoint of the audit log.
type AuditCheckpointArgs struct{}

func (AuditCheckpointArgs) Kind() string { return "audit_checkpoint" }

type auditCheckpointWorker struct {
	river.WorkerDefaults[AuditCheckpointArgs]
	store *Store
}

func (w *auditCheckpointWorker) Work(ctx context.Context, job *river.Job[AuditCheckpointArgs]) error {
	_, err := w.store.AuditCheckpoint()
	return err
}
