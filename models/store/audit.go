package store

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"errors"
	"log/slog"
	"slices"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
)

// Audit keeps one entry that stands on its own, such as a record read, a
// sign-in or a refusal. It waits in audit_pending, signed with the audit
// key, without taking the chain's turn, so that many people reading at once
// do not queue for the chain's head; FoldPendingAudit chains it a moment
// later (the service folds every jobs.AuditFoldInterval). Entries kept at
// the same moment are written together (auditQueue). Once Audit returns
// without an error, the entry is committed: it outlives the process.
func (s *Store) Audit(ctx context.Context, actor models.Actor, entry models.AuditEntry) error {
	if s.auditKeys == nil {
		return ErrNoAuditKey
	}
	event := s.auditEvent(actor, entry)
	key := s.auditKeys.current
	pending := models.PendingAuditEvent{AuditRecord: event.AuditRecord, KeyID: key.ID, MAC: key.PendingMAC(event)}
	return s.auditQueue.keep(ctx, s.db, pending)
}

// audit appends one entry inside the transaction tx, chained to the entry
// before it, for an entry that is part of a change: it is in the chain
// when the change is, and if tx rolls back, the entry and its place in the
// chain go together. Locking the chain's head row takes the writer's turn
// until tx ends, so writers chain one at a time and the chain cannot fork.
// Changes are few beside reads, and each already writes rows of its own.
func (s *Store) audit(tx *gorm.DB, actor models.Actor, entry models.AuditEntry) error {
	return s.appendAuditEvents(tx, []models.AuditEvent{s.auditEvent(actor, entry)})
}

// auditEvent is the entry as the log keeps it, at the store's time.
func (s *Store) auditEvent(actor models.Actor, entry models.AuditEntry) models.AuditEvent {
	event := models.AuditEvent{AuditRecord: models.AuditRecord{
		At:         s.now().Truncate(time.Microsecond), // what both databases keep
		ActorRole:  string(actor.Role),
		Action:     entry.Action,
		PatientID:  entry.PatientID,
		OnBehalfOf: entry.OnBehalfOf,
		TargetType: entry.TargetType,
		TargetID:   truncate(entry.TargetID, 64),
		IPAddress:  truncate(actor.IPAddress, 64),
		RequestID:  truncate(actor.RequestID, 64),
		Detail:     truncate(entry.Detail, 1000),
	}}
	if actor.UserID != 0 {
		event.ActorID = &actor.UserID
	}
	return event
}

// appendAuditEvents numbers the events on from the chain's head, signs each
// with the current audit key, chained to the one before, and adds them in
// that order. The database moves the head as each is added (migration
// 0036), and refuses any other move, so the head always names the newest
// entry.
func (s *Store) appendAuditEvents(tx *gorm.DB, events []models.AuditEvent) error {
	if s.auditKeys == nil {
		return ErrNoAuditKey
	}
	head, err := lockAuditHead(tx)
	if err != nil {
		return err
	}
	return s.chainAuditEvents(tx, head, events)
}

// chainAuditEvents adds the events after head, which tx holds locked.
func (s *Store) chainAuditEvents(tx *gorm.DB, head models.AuditChain, events []models.AuditEvent) error {
	key := s.auditKeys.current
	previous := head.LastHash
	for i := range events {
		events[i].ID = head.LastEventID + uint(i) + 1
		events[i].KeyID = key.ID
		events[i].Hash = key.EventMAC(previous, events[i])
		previous = events[i].Hash
	}
	return tx.CreateInBatches(events, InsertBatch).Error
}

// lockAuditHead reads the chain's head and holds it until tx ends.
func lockAuditHead(tx *gorm.DB) (models.AuditChain, error) {
	lock := `SELECT id, last_event_id, last_hash FROM audit_chains WHERE id = 1`
	if tx.Dialector.Name() == "postgres" {
		lock += ` FOR UPDATE`
	} // SQLite's one connection already writes one transaction at a time.
	var head models.AuditChain
	if err := tx.Raw(lock).Scan(&head).Error; err != nil {
		return head, err
	}
	if head.ID == 0 {
		return head, errors.New("the audit chain has no head row: run passport migrate")
	}
	return head, nil
}

// auditFoldBatch is the most waiting entries chained in one transaction:
// a burst folds in a few, and the head is never held for long.
const auditFoldBatch = 500

// FoldPendingAudit chains the entries waiting in audit_pending, oldest
// first, and reports how many. Each batch is chained under the head's lock
// and leaves audit_pending in the same transaction, so however many
// instances fold at once, each entry is chained once and the chain does
// not fork. A waiting entry whose signature does not match stops the fold
// there: it is never signed into the chain.
func (s *Store) FoldPendingAudit(ctx context.Context) (int, error) {
	if s.auditKeys == nil {
		return 0, ErrNoAuditKey
	}
	folded := 0
	for {
		n, err := s.foldAuditBatch(ctx)
		folded += n
		if err != nil || n < auditFoldBatch {
			return folded, err
		}
	}
}

func (s *Store) foldAuditBatch(ctx context.Context) (int, error) {
	// Nothing waiting, nothing locked: the service asks often.
	var oldest []uint
	if err := s.db.WithContext(ctx).Model(&models.PendingAuditEvent{}).Order("id").Limit(1).Pluck("id", &oldest).Error; err != nil || len(oldest) == 0 {
		return 0, err
	}
	folded := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The head first: what is read after it is what no other folder
		// has taken, since one that took it has committed by now.
		head, err := lockAuditHead(tx)
		if err != nil {
			return err
		}
		var pending []models.PendingAuditEvent
		if err := tx.Order("id").Limit(auditFoldBatch).Find(&pending).Error; err != nil || len(pending) == 0 {
			return err
		}
		events := make([]models.AuditEvent, len(pending))
		ids := make([]uint, len(pending))
		for i, entry := range pending {
			if err := s.checkPending(entry); err != nil {
				return err
			}
			events[i], ids[i] = entry.Event(), entry.ID
			events[i].PendingID = &ids[i]
		}
		if err := s.chainAuditEvents(tx, head, events); err != nil {
			return err
		}
		folded = len(pending)
		return tx.Where("id IN ?", ids).Delete(&models.PendingAuditEvent{}).Error
	})
	return folded, err
}

// checkPending checks a waiting entry's signature.
func (s *Store) checkPending(entry models.PendingAuditEvent) error {
	key, ok := s.auditKeys.key(entry.KeyID)
	if !ok || !hmac.Equal([]byte(entry.MAC), []byte(key.PendingMAC(entry.Event()))) {
		return &models.PendingAuditEntryForged{Entry: entry}
	}
	return nil
}

// foldBeforeReading chains what is waiting, so that a page of the log shows
// a read made a moment ago. A forged waiting entry is logged and the page
// still shows the chain: the audit check names it.
func (s *Store) foldBeforeReading(ctx context.Context) error {
	_, err := s.FoldPendingAudit(ctx)
	if forged := (*models.PendingAuditEntryForged)(nil); errors.As(err, &forged) {
		slog.Error("a waiting audit entry is not signed with the audit key", "error", err)
		return nil
	}
	return err
}

// VerifyAuditLog walks the whole chain in id order, then the entries
// waiting to be chained, and reports how many entries match, or the first
// that does not. It reads one snapshot, so entries written meanwhile are
// neither counted nor mistaken for forgeries, and an entry being chained
// meanwhile is counted once. It changes nothing, so it may run with rights
// only to read.
func (s *Store) VerifyAuditLog(ctx context.Context) (int, error) {
	verified := 0
	err := s.auditSnapshot(ctx, func(tx *gorm.DB) error {
		var err error
		if verified, _, err = s.verifyAuditChain(tx); err != nil {
			return err
		}
		var pending []models.PendingAuditEvent
		return tx.Order("id").FindInBatches(&pending, 1000, func(*gorm.DB, int) error {
			for _, entry := range pending {
				if err := s.checkPending(entry); err != nil {
					return err
				}
				verified++
			}
			return nil
		}).Error
	})
	return verified, err
}

// auditSnapshot runs read in one read-only snapshot of the database.
func (s *Store) auditSnapshot(ctx context.Context, read func(tx *gorm.DB) error) error {
	// SQLite's transactions are snapshots already, and it has no other levels.
	var snapshot *sql.TxOptions
	if s.db.Dialector.Name() == "postgres" {
		snapshot = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return s.db.WithContext(ctx).Transaction(read, snapshot)
}

// verifyAuditChain checks every entry against the one before it, as
// VerifyAuditLog says, and gives the head it checked them against. Entries
// signed with a key are checked with it; unkeyed ones, written before the
// log was keyed, by their plain hash, and only up to the entry the head
// says was the last of those: an unkeyed entry after a keyed one, or after
// that, is one recomputed without the key.
func (s *Store) verifyAuditChain(tx *gorm.DB) (int, models.AuditChain, error) {
	var head models.AuditChain
	if err := tx.First(&head, 1).Error; err != nil {
		return 0, head, err
	}
	verified := 0
	var last models.AuditEvent // the entry before the next one read; none yet
	keyed := false
	var events []models.AuditEvent
	err := tx.FindInBatches(&events, 1000, func(*gorm.DB, int) error {
		for _, event := range events {
			if event.ID > head.LastEventID {
				return &models.AuditChainBroken{Event: event}
			}
			if event.KeyID == "" {
				if keyed || event.ID > head.UnkeyedUntil || event.Hash != models.AuditEventHash(last.Hash, event) {
					return &models.AuditChainBroken{Event: event}
				}
			} else {
				key, ok := s.auditKeys.key(event.KeyID)
				if !ok {
					return &models.AuditKeyUnknown{Event: event}
				}
				if !hmac.Equal([]byte(event.Hash), []byte(key.EventMAC(last.Hash, event))) {
					return &models.AuditChainBroken{Event: event}
				}
				keyed = true
			}
			last = event
			verified++
		}
		return nil
	}).Error
	switch {
	case err != nil:
		return verified, head, err
	case last.ID < head.LastEventID:
		return verified, head, &models.AuditEntriesMissing{LastFound: last.ID, LastRecorded: head.LastEventID}
	case last.Hash != head.LastHash:
		// The newest entry was replaced by one chained correctly but
		// not the one the head recorded.
		return verified, head, &models.AuditChainBroken{Event: last}
	}
	return verified, head, nil
}

// AuditEventsFor lists the newest entries about patients of the given
// organisations, and entries by staff of them, newest first.
func (s *Store) AuditEventsFor(ctx context.Context, organisationIDs []uint, limit int) ([]models.AuditActivity, error) {
	if err := s.foldBeforeReading(ctx); err != nil {
		return nil, err
	}
	return s.auditActivity(s.db.WithContext(ctx).Where(s.aboutOrBy(organisationIDs)), limit)
}

// AuditEventsForPatient lists what happened to one patient's record.
func (s *Store) AuditEventsForPatient(ctx context.Context, patientID uint, limit int) ([]models.AuditActivity, error) {
	if err := s.foldBeforeReading(ctx); err != nil {
		return nil, err
	}
	return s.auditActivity(s.db.WithContext(ctx).Where("audit_events.patient_id = ?", patientID), limit)
}

// auditActivity lists the entries that scope finds, newest first, with the
// name of who acted joined in the same query.
func (s *Store) auditActivity(scope *gorm.DB, limit int) ([]models.AuditActivity, error) {
	var activity []models.AuditActivity
	err := scope.Model(&models.AuditEvent{}).Select("audit_events.*, users.display_name AS actor_name").
		Joins("LEFT JOIN users ON users.id = audit_events.actor_id").
		Order("audit_events.id DESC").Limit(limit).Scan(&activity).Error
	return activity, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// InsertBatch keeps a multi-row insert under both engines' limits on bound
// parameters (32,766 for SQLite, 65,535 for PostgreSQL) for tables of up to
// 32 columns.
const InsertBatch = 1000

// AppendActivity adds the population's audit entries to the log in the
// order they happened, each chained to the one before as Store.audit
// chains them.
func (s *Store) AppendActivity(tx *gorm.DB, events []models.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	slices.SortStableFunc(events, func(a, b models.AuditEvent) int { return a.At.Compare(b.At) })
	return s.appendAuditEvents(tx, events)
}
