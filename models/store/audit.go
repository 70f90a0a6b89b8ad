package store

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"errors"
	"slices"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
)

// Audit appends one entry to the audit log.
func (s *Store) Audit(ctx context.Context, actor models.Actor, entry models.AuditEntry) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return s.audit(tx, actor, entry) })
}

// audit appends one entry inside the transaction tx, chained to the entry
// before it. Locking the chain's head row takes the writer's turn until tx
// ends, so writers chain one at a time and the chain cannot fork; if tx
// rolls back, the entry and its place in the chain go together.
func (s *Store) audit(tx *gorm.DB, actor models.Actor, entry models.AuditEntry) error {
	event := models.AuditEvent{
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
	}
	if actor.UserID != 0 {
		event.ActorID = &actor.UserID
	}
	return s.appendAuditEvents(tx, []models.AuditEvent{event})
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
	lock := `SELECT id, last_event_id, last_hash FROM audit_chains WHERE id = 1`
	if tx.Dialector.Name() == "postgres" {
		lock += ` FOR UPDATE`
	} // SQLite's one connection already writes one transaction at a time.
	var head models.AuditChain
	if err := tx.Raw(lock).Scan(&head).Error; err != nil {
		return err
	}
	if head.ID == 0 {
		return errors.New("the audit chain has no head row: run passport migrate")
	}
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

// VerifyAuditLog walks the whole chain in id order and reports how many
// entries match, or the first that does not. It reads one snapshot, so
// entries written meanwhile are neither counted nor mistaken for forgeries.
func (s *Store) VerifyAuditLog(ctx context.Context) (int, error) {
	verified := 0
	err := s.auditSnapshot(ctx, func(tx *gorm.DB) error {
		var err error
		verified, _, err = s.verifyAuditChain(tx)
		return err
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
	return s.auditActivity(s.db.WithContext(ctx).Where(s.aboutOrBy(organisationIDs)), limit)
}

// AuditEventsForPatient lists what happened to one patient's record.
func (s *Store) AuditEventsForPatient(ctx context.Context, patientID uint, limit int) ([]models.AuditActivity, error) {
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
