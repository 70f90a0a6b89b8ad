package store_test

import (
	"errors"
	"fmt"
	"testing"

	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// TestWaitingAuditEntriesAreChainedInOrder keeps more entries than one fold
// takes at a time: until they are chained, the check counts them, and once
// chained they are in the order they were kept, each naming the entry it
// was, in a chain that verifies, and nothing is left waiting.
func TestWaitingAuditEntriesAreChainedInOrder(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		const n = 1234 // three folds' worth
		for i := 1; i <= n; i++ {
			actor := models.Actor{UserID: uint(i), Role: models.RoleNurse, IPAddress: "192.0.2.1", RequestID: fmt.Sprint("read ", i)}
			if err := st.Audit(t.Context(), actor, models.AuditEntry{Action: models.AuditPatientViewed, Detail: fmt.Sprint("entry ", i)}); err != nil {
				t.Fatal(err)
			}
		}
		var chained int64
		db.Model(&models.AuditEvent{}).Count(&chained)
		if verified, err := st.VerifyAuditLog(t.Context()); chained != 0 || verified != n || err != nil {
			t.Fatalf("before chaining: %d chained, %d verified, %v; want 0 and %d", chained, verified, err, n)
		}
		if folded, err := st.FoldPendingAudit(t.Context()); folded != n || err != nil {
			t.Fatalf("chained %d, %v; want %d", folded, err, n)
		}
		var events []models.AuditEvent
		db.Order("id").Find(&events)
		if len(events) != n {
			t.Fatalf("%d entries in the chain; want %d", len(events), n)
		}
		for i, event := range events {
			if event.ID != uint(i+1) || event.Detail != fmt.Sprint("entry ", i+1) || event.PendingID == nil ||
				(i > 0 && *event.PendingID <= *events[i-1].PendingID) {
				t.Fatalf("chain entry %d is %q from waiting entry %v; want entry %d, from one after the last", event.ID, event.Detail, event.PendingID, i+1)
			}
		}
		var waiting int64
		db.Model(&models.PendingAuditEvent{}).Count(&waiting)
		if verified, err := st.VerifyAuditLog(t.Context()); waiting != 0 || verified != n || err != nil {
			t.Errorf("after chaining: %d waiting, %d verified, %v; want 0 and %d", waiting, verified, err, n)
		}
		if folded, err := st.FoldPendingAudit(t.Context()); folded != 0 || err != nil {
			t.Errorf("a second fold chained %d, %v; want nothing", folded, err)
		}
	})
}

// TestWaitingEntryKeepsItsPlaceBesideChanges: a change chains its entry at
// once, in its own transaction, while a read made before it is still
// waiting; the read is chained after it, and the chain verifies.
func TestWaitingEntryKeepsItsPlaceBesideChanges(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		nurse := models.Actor{UserID: 1, Role: models.RoleNurse, IPAddress: "192.0.2.1"}
		if err := st.Audit(t.Context(), nurse, models.AuditEntry{Action: models.AuditPatientViewed, Detail: "read first"}); err != nil {
			t.Fatal(err)
		}
		if err := st.ChangePassword(t.Context(), nurse, 1, "a new hash"); err != nil {
			t.Fatal(err)
		}
		var newest models.AuditEvent
		db.Order("id DESC").First(&newest)
		if newest.Action != models.AuditPasswordChanged {
			t.Fatalf("newest chained entry is %s; want the change's, chained at once", newest.Action)
		}
		if _, err := st.FoldPendingAudit(t.Context()); err != nil {
			t.Fatal(err)
		}
		var newestNow models.AuditEvent
		db.Order("id DESC").First(&newestNow)
		if newestNow.Detail != "read first" {
			t.Errorf("newest chained entry is %q; want the read, chained after the change", newestNow.Detail)
		}
		if _, err := st.VerifyAuditLog(t.Context()); err != nil {
			t.Error(err)
		}
	})
}

// TestForgedWaitingEntryIsNeverChained adds a waiting entry as someone with
// the database but not the audit key could: the fold refuses to sign it into
// the chain, and chains nothing of its batch; the check names it; the audit
// log's pages still open, showing what is chained.
func TestForgedWaitingEntryIsNeverChained(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		writeAuditEntries(t, st, 2)
		actor := models.Actor{Role: models.RoleCarer, IPAddress: "192.0.2.1"}
		if err := st.Audit(t.Context(), actor, models.AuditEntry{Action: models.AuditPassportViewed}); err != nil {
			t.Fatal(err)
		}
		var genuine models.PendingAuditEvent
		db.First(&genuine)
		forged := genuine
		forged.ID, forged.Detail = 0, "never happened"
		if err := db.Create(&forged).Error; err != nil {
			t.Fatal(err)
		}
		var refused *models.PendingAuditEntryForged
		if folded, err := st.FoldPendingAudit(t.Context()); folded != 0 || !errors.As(err, &refused) || refused.Entry.ID != forged.ID {
			t.Fatalf("chained %d, %v; want nothing, and waiting entry %d named", folded, err, forged.ID)
		}
		if _, err := st.VerifyAuditLog(t.Context()); !errors.As(err, &refused) || refused.Entry.ID != forged.ID {
			t.Errorf("the check gave %v; want waiting entry %d named", err, forged.ID)
		}
		if entries, _, err := st.SearchAuditLog(t.Context(), nil, models.AuditFilter{}, 0, 10); err != nil || len(entries) != 0 {
			t.Errorf("the audit log's page: %d entries, %v; want it to open", len(entries), err)
		}
	})
}

// TestWaitingEntryIsChainedAfterAKeyRotation: an entry kept just before the
// audit key is rotated is checked with the previous key and chained with the
// new one; without the previous key it is not chained at all.
func TestWaitingEntryIsChainedAfterAKeyRotation(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		actor := models.Actor{Role: models.RoleCarer, IPAddress: "192.0.2.1"}
		if err := keyedStore(t, db, oldAuditKey).Audit(t.Context(), actor, models.AuditEntry{Action: models.AuditPassportViewed}); err != nil {
			t.Fatal(err)
		}
		var refused *models.PendingAuditEntryForged
		if _, err := keyedStore(t, db, newAuditKey).FoldPendingAudit(t.Context()); !errors.As(err, &refused) {
			t.Fatalf("without the previous key: %v; want the entry refused", err)
		}
		rotated := keyedStore(t, db, newAuditKey, oldAuditKey)
		if folded, err := rotated.FoldPendingAudit(t.Context()); folded != 1 || err != nil {
			t.Fatalf("chained %d, %v; want 1", folded, err)
		}
		var event models.AuditEvent
		db.First(&event)
		if event.KeyID != auditKey(t, newAuditKey).ID {
			t.Errorf("chained with key %s; want the new key", event.KeyID)
		}
		if n, err := keyedStore(t, db, newAuditKey).VerifyAuditLog(t.Context()); n != 1 || err != nil {
			t.Errorf("%d verified with the new key alone, %v; want 1", n, err)
		}
	})
}

// TestOneRefusedEntryCostsTheOthersNothing: entries kept at the same moment
// are written together, and one the database refuses fails alone, on its
// own request; the rest are kept.
func TestOneRefusedEntryCostsTheOthersNothing(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		statements := []string{`CREATE TRIGGER audit_pending_refuse_one BEFORE INSERT ON audit_pending
			WHEN new.detail = 'refuse me' BEGIN SELECT RAISE(ABORT, 'refused'); END`}
		if db.Dialector.Name() == "postgres" {
			statements = []string{`CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN
				IF new.detail = 'refuse me' THEN RAISE EXCEPTION 'refused'; END IF; RETURN new; END $$ LANGUAGE plpgsql`,
				`CREATE TRIGGER audit_pending_refuse_one BEFORE INSERT ON audit_pending FOR EACH ROW EXECUTE FUNCTION refuse_one()`}
		}
		for _, statement := range statements {
			if err := db.Exec(statement).Error; err != nil {
				t.Fatal(err)
			}
		}
		st := store.NewStore(db)
		const readers, refused = 40, 17
		errs := atOnce(readers, func(i int) error {
			detail := fmt.Sprint("read ", i)
			if i == refused {
				detail = "refuse me"
			}
			return st.Audit(t.Context(), models.Actor{Role: models.RoleCarer, RequestID: fmt.Sprint(i)},
				models.AuditEntry{Action: models.AuditPassportViewed, Detail: detail})
		})
		for i, err := range errs {
			if (err != nil) != (i == refused) {
				t.Errorf("reader %d: %v", i, err)
			}
		}
		if n, err := st.VerifyAuditLog(t.Context()); n != readers-1 || err != nil {
			t.Errorf("%d kept and verified, %v; want %d", n, err, readers-1)
		}
	})
}
