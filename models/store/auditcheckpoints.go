package store

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
)

// AuditCheckpoint chains the entries waiting to be, checks the whole chain
// and, if it verifies, signs its head with the current audit key and keeps
// the checkpoint in the database. A chain that does not verify, or a
// waiting entry that is forged, gets no checkpoint: signing it would vouch
// for the change.
func (s *Store) AuditCheckpoint(ctx context.Context) (models.AuditCheckpoint, error) {
	if s.auditKeys == nil {
		return models.AuditCheckpoint{}, ErrNoAuditKey
	}
	if _, err := s.FoldPendingAudit(ctx); err != nil {
		return models.AuditCheckpoint{}, err
	}
	var checkpoint models.AuditCheckpoint
	err := s.auditSnapshot(ctx, func(tx *gorm.DB) error {
		verified, head, err := s.verifyAuditChain(tx)
		if err != nil {
			return err
		}
		checkpoint = models.AuditCheckpoint{At: s.now().Truncate(time.Microsecond), LastEventID: head.LastEventID,
			LastHash: head.LastHash, Entries: int64(verified), KeyID: s.auditKeys.current.ID}
		return nil
	})
	if err != nil {
		return models.AuditCheckpoint{}, err
	}
	checkpoint.Signature = checkpointSignature(s.auditKeys.current, checkpoint)
	return checkpoint, s.db.WithContext(ctx).Create(&checkpoint).Error
}

// VerifyAuditCheckpoint checks the checkpoint's signature, then that the log
// still holds it: the entry it names has the hash it recorded, and as many
// entries up to it as it counted. The chain itself is VerifyAuditLog's to
// check; together they show that no entry up to the checkpoint was changed,
// removed or added, whoever recomputed the chain.
func (s *Store) VerifyAuditCheckpoint(ctx context.Context, checkpoint models.AuditCheckpoint) error {
	key, ok := s.auditKeys.key(checkpoint.KeyID)
	if !ok || !hmac.Equal([]byte(checkpoint.Signature), []byte(checkpointSignature(key, checkpoint))) {
		return models.ErrCheckpointSignature
	}
	return s.auditSnapshot(ctx, func(tx *gorm.DB) error {
		notKept := func(reason string, args ...any) error {
			return &models.CheckpointNotKept{Checkpoint: checkpoint, Reason: fmt.Sprintf(reason, args...)}
		}
		var head models.AuditChain
		if err := tx.First(&head, 1).Error; err != nil {
			return err
		}
		if head.LastEventID < checkpoint.LastEventID {
			return notKept("the newest entry is now %d, so entries were cut back", head.LastEventID)
		}
		var event models.AuditEvent
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
		if err := tx.Model(&models.AuditEvent{}).Where("id <= ?", checkpoint.LastEventID).Count(&entries).Error; err != nil {
			return err
		}
		if entries != checkpoint.Entries {
			return notKept("it counted %d entries up to it, and there are now %d", checkpoint.Entries, entries)
		}
		return nil
	})
}
