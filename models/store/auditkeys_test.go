package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

const (
	oldAuditKey   = "the audit key used before the rotation, 32+"
	newAuditKey   = "the audit key used after the rotation, 32+ chars"
	wrongAuditKey = "a key someone made up to recompute the chain"
)

// keyedStore is a store signing with current and checking with previous too.
func keyedStore(t *testing.T, db *gorm.DB, current string, previous ...string) *store.Store {
	t.Helper()
	keys, err := store.NewAuditKeys(current, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return store.NewStore(db).WithAuditKeys(keys)
}

func auditKey(t *testing.T, secret string) store.AuditKey {
	t.Helper()
	key, err := store.NewAuditKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestAuditKeysAreLongAndNamedByAFingerprint(t *testing.T) {
	if _, err := store.NewAuditKey(strings.Repeat("k", store.MinAuditKeyLength-1)); err == nil {
		t.Error("a key of 31 characters was taken")
	}
	old, other := auditKey(t, oldAuditKey), auditKey(t, newAuditKey)
	if len(old.ID) != 16 || old.ID == other.ID || auditKey(t, oldAuditKey).ID != old.ID {
		t.Errorf("key ids %q and %q: want 16 hex characters, the same for the same key and different for another", old.ID, other.ID)
	}
	if strings.Contains(oldAuditKey, old.ID) {
		t.Error("the key id is part of the key")
	}
}

func TestAuditLogVerifiesOnlyWithItsKey(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		writeAuditEntries(t, keyedStore(t, db, oldAuditKey), 3)
		if n, err := keyedStore(t, db, oldAuditKey).VerifyAuditLog(t.Context()); n != 3 || err != nil {
			t.Fatalf("with the right key: %d verified, %v", n, err)
		}
		_, err := keyedStore(t, db, wrongAuditKey).VerifyAuditLog(t.Context())
		var unknown *models.AuditKeyUnknown
		if !errors.As(err, &unknown) || unknown.Event.ID != 1 || !strings.Contains(err.Error(), "audit entry 1 (") ||
			!strings.Contains(err.Error(), "PASSPORT_AUDIT_KEY") {
			t.Errorf("with a wrong key: %v; want entry 1 named as signed with another key", err)
		}
		if err := store.NewStore(db).WithAuditKeys(nil).Audit(t.Context(), models.Actor{Role: models.RoleNurse},
			models.AuditEntry{Action: models.AuditPatientViewed}); !errors.Is(err, store.ErrNoAuditKey) {
			t.Errorf("a store without a key wrote an entry: %v", err)
		}
	})
}

// After a rotation new entries are signed with the new key, and the old
// entries still verify while the old key is given as a previous one.
func TestRotatedAuditKeyVerifiesWithThePreviousKey(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		writeAuditEntries(t, keyedStore(t, db, oldAuditKey), 3)
		rotated := keyedStore(t, db, newAuditKey, wrongAuditKey, oldAuditKey)
		writeAuditEntries(t, rotated, 2)
		if n, err := rotated.VerifyAuditLog(t.Context()); n != 5 || err != nil {
			t.Fatalf("after the rotation: %d verified, %v; want 5", n, err)
		}
		var keyIDs []string
		db.Model(&models.AuditEvent{}).Order("id").Pluck("key_id", &keyIDs)
		oldID, newID := auditKey(t, oldAuditKey).ID, auditKey(t, newAuditKey).ID
		if want := []string{oldID, oldID, oldID, newID, newID}; fmt.Sprint(keyIDs) != fmt.Sprint(want) {
			t.Errorf("entries signed with %v; want %v", keyIDs, want)
		}
		_, err := keyedStore(t, db, newAuditKey).VerifyAuditLog(t.Context())
		var unknown *models.AuditKeyUnknown
		if !errors.As(err, &unknown) || unknown.Event.ID != 1 {
			t.Errorf("without the previous key: %v; want entry 1 named", err)
		}
	})
}

// rechain recomputes every entry from the first changed one on as sign says
// and moves the head to the last, as whoever owns the tables can.
func rechain(t *testing.T, db *gorm.DB, from uint, sign func(previous string, event models.AuditEvent) (keyID, hash string)) {
	t.Helper()
	var events []models.AuditEvent
	if err := db.Order("id").Find(&events).Error; err != nil {
		t.Fatal(err)
	}
	var statements []string
	previous := ""
	for _, event := range events {
		if event.ID >= from {
			event.KeyID, event.Hash = sign(previous, event)
			statements = append(statements, fmt.Sprintf(`UPDATE audit_events SET key_id = '%s', hash = '%s' WHERE id = %d`, event.KeyID, event.Hash, event.ID))
		}
		previous = event.Hash
	}
	statements = append(statements, fmt.Sprintf(`UPDATE audit_chains SET last_hash = '%s' WHERE id = 1`, previous))
	tamper(t, db, statements...)
}

// An entry changed and the chain recomputed after it, without the key,
// no longer passes: unkeyed entries are only those written before the log
// was keyed, and a key other than ours is not ours.
func TestRewrittenAuditChainIsRefused(t *testing.T) {
	unkeyed := func(previous string, event models.AuditEvent) (string, string) {
		return "", models.AuditEventHash(previous, event)
	}
	wrong := func(previous string, event models.AuditEvent) (string, string) {
		key := auditKey(t, wrongAuditKey)
		return key.ID, key.EventMAC(previous, event)
	}
	wrongUnderOurName := func(previous string, event models.AuditEvent) (string, string) {
		return auditKey(t, modelstest.AuditKey).ID, auditKey(t, wrongAuditKey).EventMAC(previous, event)
	}
	cases := []struct {
		name string
		from uint
		sign func(string, models.AuditEvent) (string, string)
		want uint
	}{
		{"unkeyed, from the changed entry", 3, unkeyed, 3},
		{"unkeyed, the whole chain", 1, unkeyed, 1},
		{"with another key", 3, wrong, 3},
		{"with another key under our key's id", 3, wrongUnderOurName, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
				st := store.NewStore(db)
				writeAuditEntries(t, st, 5)
				tamper(t, db, `UPDATE audit_events SET detail = 'nothing happened' WHERE id = 3`)
				rechain(t, db, tc.from, tc.sign)
				_, err := st.VerifyAuditLog(t.Context())
				var broken *models.AuditChainBroken
				var unknown *models.AuditKeyUnknown
				switch {
				case errors.As(err, &broken) && broken.Event.ID == tc.want:
				case errors.As(err, &unknown) && unknown.Event.ID == tc.want:
				default:
					t.Fatalf("the rewritten chain gave %v; want entry %d named", err, tc.want)
				}
			})
		})
	}
}

// The serving role may add entries and nothing else: the database refuses
// every other change to the log, its head and its checkpoints, and the
// log still verifies after the attempts.
func TestAuditTablesRefuseDirectChanges(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		writeAuditEntries(t, st, 3)
		if _, err := st.AuditCheckpoint(t.Context()); err != nil {
			t.Fatal(err)
		}
		var head models.AuditChain
		db.First(&head, 1)
		for _, statement := range []string{
			`UPDATE audit_events SET detail = 'nothing happened' WHERE id = 2`,
			`DELETE FROM audit_events WHERE id = 3`,
			`UPDATE audit_chains SET last_hash = 'forged' WHERE id = 1`,
			`UPDATE audit_chains SET last_event_id = last_event_id - 1 WHERE id = 1`,
			`UPDATE audit_chains SET last_event_id = last_event_id + 1 WHERE id = 1`,
			`UPDATE audit_chains SET unkeyed_until = 1000 WHERE id = 1`,
			`DELETE FROM audit_chains`,
			// Not the entry after the head, so the head cannot follow it.
			fmt.Sprintf(`INSERT INTO audit_events (id, at, actor_role, action, hash) VALUES (%d, '2026-01-01 00:00:00', 'admin', 'sign-in', '')`, head.LastEventID+2),
			`UPDATE audit_checkpoints SET entries = 1`,
			`DELETE FROM audit_checkpoints`,
		} {
			if err := db.Exec(statement).Error; err == nil {
				t.Errorf("%s: done; want refused", statement)
			}
		}
		if n, err := st.VerifyAuditLog(t.Context()); n != 3 || err != nil {
			t.Errorf("after the refused changes: %d verified, %v; want 3", n, err)
		}
	})
}

func TestAuditCheckpointIsKeptAndLaterVerified(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		writeAuditEntries(t, st, 3)
		checkpoint, err := st.AuditCheckpoint(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var head models.AuditChain
		db.First(&head, 1)
		if checkpoint.LastEventID != 3 || checkpoint.LastHash != head.LastHash || checkpoint.Entries != 3 ||
			checkpoint.KeyID != auditKey(t, modelstest.AuditKey).ID || len(checkpoint.Signature) != 64 {
			t.Fatalf("checkpoint %+v; want entry 3 of 3 with its hash, signed", checkpoint)
		}
		var kept models.AuditCheckpoint
		if err := db.First(&kept, checkpoint.ID).Error; err != nil || kept.Signature != checkpoint.Signature {
			t.Fatalf("the checkpoint was not kept: %v", err)
		}
		writeAuditEntries(t, st, 2)
		if err := st.VerifyAuditCheckpoint(t.Context(), checkpoint); err != nil {
			t.Errorf("the log, grown since, does not hold its checkpoint: %v", err)
		}
		if err := keyedStore(t, db, newAuditKey, modelstest.AuditKey).VerifyAuditCheckpoint(t.Context(), checkpoint); err != nil {
			t.Errorf("after a rotation, with the key as a previous one: %v", err)
		}
		altered := checkpoint
		altered.Entries = 2
		if err := st.VerifyAuditCheckpoint(t.Context(), altered); !errors.Is(err, models.ErrCheckpointSignature) {
			t.Errorf("an altered checkpoint gave %v", err)
		}
		if err := keyedStore(t, db, wrongAuditKey).VerifyAuditCheckpoint(t.Context(), checkpoint); !errors.Is(err, models.ErrCheckpointSignature) {
			t.Errorf("a checkpoint checked with a wrong key gave %v", err)
		}
	})
}

// A checkpoint kept elsewhere catches a rewrite of history before it even
// by someone holding the audit key, whose recomputed chain verifies, and
// the log cut back to before it.
func TestAuditCheckpointDetectsRewriteAndTruncation(t *testing.T) {
	rightKey := func(previous string, event models.AuditEvent) (string, string) {
		key := auditKey(t, modelstest.AuditKey)
		return key.ID, key.EventMAC(previous, event)
	}
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *gorm.DB)
	}{
		{"rewritten by a key holder", func(t *testing.T, db *gorm.DB) {
			tamper(t, db, `UPDATE audit_events SET detail = 'nothing happened' WHERE id = 2`)
			rechain(t, db, 2, rightKey)
		}},
		{"an entry before it removed and the chain recomputed", func(t *testing.T, db *gorm.DB) {
			tamper(t, db, `DELETE FROM audit_events WHERE id = 2`)
			rechain(t, db, 3, rightKey)
		}},
		{"cut back to before it", func(t *testing.T, db *gorm.DB) {
			var third models.AuditEvent
			db.First(&third, 3)
			tamper(t, db, `DELETE FROM audit_events WHERE id > 3`,
				fmt.Sprintf(`UPDATE audit_chains SET last_event_id = 3, last_hash = '%s' WHERE id = 1`, third.Hash))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
				st := store.NewStore(db)
				writeAuditEntries(t, st, 5)
				checkpoint, err := st.AuditCheckpoint(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				tc.tamper(t, db)
				if _, err := st.VerifyAuditLog(t.Context()); err != nil {
					t.Fatalf("the chain alone gave %v; want it to pass, as the key holder made it", err)
				}
				err = st.VerifyAuditCheckpoint(t.Context(), checkpoint)
				var notKept *models.CheckpointNotKept
				if !errors.As(err, &notKept) || !strings.Contains(err.Error(), "no longer matches the checkpoint") {
					t.Fatalf("the checkpoint gave %v; want it not kept", err)
				}
			})
		})
	}
}

func TestNoCheckpointOfAChangedLog(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		writeAuditEntries(t, st, 3)
		tamper(t, db, `UPDATE audit_events SET detail = 'nothing happened' WHERE id = 2`)
		var broken *models.AuditChainBroken
		if _, err := st.AuditCheckpoint(t.Context()); !errors.As(err, &broken) {
			t.Fatalf("checkpoint of a changed log: %v", err)
		}
		var kept int64
		db.Model(&models.AuditCheckpoint{}).Count(&kept)
		if kept != 0 {
			t.Errorf("%d checkpoints kept of a changed log", kept)
		}
	})
}

// The job queue works the checkpoint job, which it queues every hour.
func TestJobQueueKeepsAuditCheckpoints(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		writeAuditEntries(t, st, 2)
		if err := db.Transaction(func(tx *gorm.DB) error { return st.Enqueue(tx, store.AuditCheckpointArgs{}) }); err != nil {
			t.Fatal(err)
		}
		startJobQueue(t, st)
		var kept models.AuditCheckpoint
		eventually(t, "the first checkpoint", func() bool { return db.Limit(1).Find(&kept).RowsAffected == 1 })
		if kept.LastEventID != 2 || kept.Entries != 2 {
			t.Errorf("the job's checkpoint is at entry %d of %d; want 2 of 2", kept.LastEventID, kept.Entries)
		}
		if err := st.VerifyAuditCheckpoint(t.Context(), kept); err != nil {
			t.Error(err)
		}
	})
}
