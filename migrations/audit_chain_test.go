package migrations_test

import (
	"testing"
	"time"

	"healthpassport/migrations"
	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"
)

func TestAuditChainCoversEntriesWrittenBeforeIt(t *testing.T) {
	for _, kind := range modelstest.Databases() {
		t.Run(kind, func(t *testing.T) {
			db := modelstest.OpenEmpty(t, kind)
			if err := migrations.RunTo(db, "0006_devices"); err != nil {
				t.Fatal(err)
			}
			// Nanoseconds, which SQLite keeps and PostgreSQL rounds away.
			at := time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC)
			for _, detail := range []string{"first", "second", "third"} {
				if err := db.Exec(`INSERT INTO audit_events (at, actor_role, action, detail) VALUES (?, 'nurse', 'patient.viewed', ?)`,
					at, detail).Error; err != nil {
					t.Fatal(err)
				}
			}
			if err := migrations.Run(db); err != nil {
				t.Fatal(err)
			}
			st := store.NewStore(db)
			if n, err := st.VerifyAuditLog(t.Context()); n != 3 || err != nil {
				t.Fatalf("after the migration: %d verified, %v; want 3", n, err)
			}
			if err := st.Audit(t.Context(), models.Actor{Role: models.RoleAdmin}, models.AuditEntry{Action: models.AuditSignIn}); err != nil {
				t.Fatal(err)
			}
			if n, err := st.VerifyAuditLog(t.Context()); n != 4 || err != nil {
				t.Errorf("after a new entry: %d verified, %v; want 4", n, err)
			}
			if err := db.Exec(`UPDATE audit_events SET detail = 'rewritten' WHERE id = 1`).Error; err == nil {
				t.Error("the append-only triggers were not put back")
			}
		})
	}
}
