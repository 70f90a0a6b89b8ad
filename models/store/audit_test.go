package store_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// BenchmarkAudit measures one audit entry written on its own, as a sign-in
// or a page view writes it.
func BenchmarkAudit(b *testing.B) {
	for _, kind := range modelstest.Databases() {
		b.Run(kind, func(b *testing.B) {
			st := store.NewStore(modelstest.Open(b, kind))
			actor := models.Actor{UserID: 1, Role: models.RoleNurse, IPAddress: "192.0.2.1", RequestID: "bench"}
			entry := models.AuditEntry{Action: models.AuditPatientViewed, TargetType: "patient", TargetID: "demoamelia0000001"}
			for b.Loop() {
				if err := st.Audit(b.Context(), actor, entry); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// tamper changes the audit log behind the service's back, as whoever owns
// the tables or the SQLite file can: it lifts the triggers that keep the
// log append-only and its head following the entries first.
func tamper(t *testing.T, db *gorm.DB, statements ...string) {
	t.Helper()
	lift := []string{"DROP TRIGGER IF EXISTS audit_events_no_update", "DROP TRIGGER IF EXISTS audit_events_no_delete",
		"DROP TRIGGER IF EXISTS audit_events_advance_chain", "DROP TRIGGER IF EXISTS audit_chains_follow_entries", "DROP TRIGGER IF EXISTS audit_chains_no_delete"}
	if db.Dialector.Name() == "postgres" {
		lift = []string{"ALTER TABLE audit_events DISABLE TRIGGER USER", "ALTER TABLE audit_chains DISABLE TRIGGER USER"}
	}
	for _, statement := range append(lift, statements...) {
		if err := db.Exec(statement).Error; err != nil {
			t.Fatalf("%s: %v", statement, err)
		}
	}
}

// writeAuditEntries writes n entries and chains them, with ids 1 to n,
// each saying its number.
func writeAuditEntries(t *testing.T, st *store.Store, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		actor := models.Actor{UserID: uint(i), Role: models.RoleNurse, IPAddress: "192.0.2.1"}
		if err := st.Audit(t.Context(), actor, models.AuditEntry{Action: models.AuditPatientViewed, Detail: fmt.Sprint("entry ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if folded, err := st.FoldPendingAudit(t.Context()); folded != n || err != nil {
		t.Fatalf("chained %d entries, %v; want %d", folded, err, n)
	}
}

func TestAuditLogVerifiesWhenUntouched(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		if n, err := st.VerifyAuditLog(t.Context()); n != 0 || err != nil {
			t.Fatalf("empty log: %d verified, %v", n, err)
		}
		writeAuditEntries(t, st, 5)
		if n, err := st.VerifyAuditLog(t.Context()); n != 5 || err != nil {
			t.Errorf("%d verified, %v; want 5", n, err)
		}
	})
}

func TestAuditVerificationNamesTheFirstEntryThatDoesNotMatch(t *testing.T) {
	cases := []struct {
		name       string
		statements func(db *gorm.DB) []string
		want       uint
	}{
		{"detail edited", func(*gorm.DB) []string {
			return []string{`UPDATE audit_events SET detail = 'nothing happened' WHERE id = 3`}
		}, 3},
		{"actor changed", func(*gorm.DB) []string {
			return []string{`UPDATE audit_events SET actor_id = 99 WHERE id = 2`}
		}, 2},
		{"time moved by a microsecond", func(db *gorm.DB) []string {
			var at time.Time
			db.Table("audit_events").Select("at").Where("id = 4").Scan(&at)
			return []string{fmt.Sprintf(`UPDATE audit_events SET at = '%s' WHERE id = 4`, at.Add(time.Microsecond).UTC().Format("2006-01-02 15:04:05.000000Z07:00"))}
		}, 4},
		{"entry removed", func(*gorm.DB) []string {
			return []string{`DELETE FROM audit_events WHERE id = 3`}
		}, 4},
		{"two entries swapped", func(*gorm.DB) []string {
			return []string{
				`UPDATE audit_events SET id = 100 WHERE id = 2`,
				`UPDATE audit_events SET id = 2 WHERE id = 3`,
				`UPDATE audit_events SET id = 3 WHERE id = 100`,
			}
		}, 2},
		{"forged entry added, chained from the newest", func(db *gorm.DB) []string {
			forged := forgedEntry(t, db, 6, 5)
			return []string{fmt.Sprintf(`INSERT INTO audit_events (id, at, actor_role, action, target_type, target_id, ip_address, request_id, detail, hash)
				VALUES (6, '%s', 'admin', 'sign-in', '', '', '', '', '', '%s')`, forged.At.Format("2006-01-02 15:04:05.000000Z07:00"), forged.Hash)}
		}, 6},
		{"newest entry replaced by one chained correctly", func(db *gorm.DB) []string {
			forged := forgedEntry(t, db, 5, 4)
			return []string{`DELETE FROM audit_events WHERE id = 5`, fmt.Sprintf(`INSERT INTO audit_events (id, at, actor_role, action, target_type, target_id, ip_address, request_id, detail, hash)
				VALUES (5, '%s', 'admin', 'sign-in', '', '', '', '', '', '%s')`, forged.At.Format("2006-01-02 15:04:05.000000Z07:00"), forged.Hash)}
		}, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
				st := store.NewStore(db)
				writeAuditEntries(t, st, 5)
				tamper(t, db, tc.statements(db)...)
				_, err := st.VerifyAuditLog(t.Context())
				var broken *models.AuditChainBroken
				if !errors.As(err, &broken) || broken.Event.ID != tc.want {
					t.Fatalf("verification gave %v; want entry %d named", err, tc.want)
				}
				if !strings.Contains(err.Error(), fmt.Sprintf("audit entry %d (", tc.want)) || !strings.Contains(err.Error(), broken.Event.Action) {
					t.Errorf("message %q lacks the entry's id, time and action", err)
				}
			})
		})
	}
}

// forgedEntry is an admin sign-in with the given id, hashed exactly as the
// service would after entry previous: all a forger can do without the head.
func forgedEntry(t *testing.T, db *gorm.DB, id, previous uint) models.AuditEvent {
	t.Helper()
	var before models.AuditEvent
	if err := db.First(&before, previous).Error; err != nil {
		t.Fatal(err)
	}
	forged := models.AuditEvent{ID: id, AuditRecord: models.AuditRecord{At: before.At.Add(time.Second), ActorRole: "admin", Action: "sign-in"}}
	forged.Hash = models.AuditEventHash(before.Hash, forged)
	return forged
}

func TestAuditVerificationNoticesTheNewestEntriesRemoved(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		writeAuditEntries(t, st, 5)
		tamper(t, db, `DELETE FROM audit_events WHERE id >= 4`)
		_, err := st.VerifyAuditLog(t.Context())
		var missing *models.AuditEntriesMissing
		if !errors.As(err, &missing) || missing.LastFound != 3 || missing.LastRecorded != 5 {
			t.Fatalf("verification gave %v; want entries after 3 missing", err)
		}
	})
}

// TestConcurrentAuditEntriesFormOneChain has 64 readers keep entries at once
// while four folders chain them, as several instances of the service would:
// every entry lands, once, and the chain verifies.
func TestConcurrentAuditEntriesFormOneChain(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		const readers, reads, folders = 64, 5, 4
		var reading sync.WaitGroup
		reading.Add(readers)
		readersDone := make(chan struct{})
		go func() { reading.Wait(); close(readersDone) }()
		errs := atOnce(readers+folders, func(i int) error {
			if i >= readers {
				for {
					if _, err := st.FoldPendingAudit(t.Context()); err != nil {
						return err
					}
					select {
					case <-readersDone:
						return nil
					default:
					}
				}
			}
			defer reading.Done()
			for j := range reads {
				err := st.Audit(t.Context(), models.Actor{Role: models.RoleCarer, RequestID: fmt.Sprintf("reader %d read %d", i, j)},
					models.AuditEntry{Action: models.AuditPassportViewed})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if _, err := st.FoldPendingAudit(t.Context()); err != nil {
			t.Fatal(err)
		}
		if n, err := st.VerifyAuditLog(t.Context()); n != readers*reads || err != nil {
			t.Errorf("%d verified, %v; want %d", n, err, readers*reads)
		}
		var chained, distinct, waiting int64
		db.Model(&models.AuditEvent{}).Count(&chained)
		db.Model(&models.AuditEvent{}).Distinct("request_id").Count(&distinct)
		db.Model(&models.PendingAuditEvent{}).Count(&waiting)
		if chained != readers*reads || distinct != readers*reads || waiting != 0 {
			t.Errorf("%d chained, %d of them distinct, %d waiting; want %d, %d and 0", chained, distinct, waiting, readers*reads, readers*reads)
		}
	})
}
