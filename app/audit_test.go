package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"
)

const (
	otherAuditKey  = "an audit key that did not sign this log, 32+"
	otherSecretKey = "a secret key that sealed none of these, 32+"
)

func TestServingWithoutItsKeysIsRefused(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no key", map[string]string{"PASSPORT_DATA_DIR": dir, "PASSPORT_AUDIT_KEY": ""}, []string{"serve", "--addr", "127.0.0.1:0"},
			"passport: PASSPORT_AUDIT_KEY must be set"},
		{"no key to verify with", map[string]string{"PASSPORT_DATA_DIR": dir, "PASSPORT_AUDIT_KEY": ""}, []string{"audit", "verify"},
			"passport: PASSPORT_AUDIT_KEY must be set"},
		{"short key", map[string]string{"PASSPORT_DATA_DIR": dir, "PASSPORT_AUDIT_KEY": "too short"}, []string{"serve"},
			"passport: PASSPORT_AUDIT_KEY must be 32 characters or more"},
		{"short previous key", map[string]string{"PASSPORT_DATA_DIR": dir, "PASSPORT_AUDIT_KEY_PREVIOUS": otherAuditKey + ", short"}, []string{"serve"},
			"passport: PASSPORT_AUDIT_KEY_PREVIOUS holds a key shorter than 32 characters"},
		{"no secret key", map[string]string{"PASSPORT_DATA_DIR": dir, "PASSPORT_SECRET_KEY": ""}, []string{"serve", "--addr", "127.0.0.1:0"},
			"passport: PASSPORT_SECRET_KEY must be set"},
		{"short secret key", map[string]string{"PASSPORT_DATA_DIR": dir, "PASSPORT_SECRET_KEY": "too short"}, []string{"serve"},
			"passport: PASSPORT_SECRET_KEY must be 32 characters or more"},
		{"short previous secret key", map[string]string{"PASSPORT_DATA_DIR": dir, "PASSPORT_SECRET_KEY_PREVIOUS": "short"}, []string{"serve"},
			"passport: PASSPORT_SECRET_KEY_PREVIOUS holds a key shorter than 32 characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.env, tc.args...)
			if code != 2 || stdout != "" || !strings.HasPrefix(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, %q %q; want 2 and one line starting %q", code, stdout, stderr, tc.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "passport.db")); err == nil {
		t.Error("a database was made without its keys")
	}
}

// The demo makes each of its keys once, readable by its owner alone, and
// uses the same keys on every start after.
func TestDemoMakesItsKeysOnceAndKeepsThem(t *testing.T) {
	for _, tc := range []struct {
		file string
		key  func(*Config) *string
	}{
		{"audit.key", func(cfg *Config) *string { return &cfg.AuditKey }},
		{"secret.key", func(cfg *Config) *string { return &cfg.SecretKey }},
	} {
		t.Run(tc.file, func(t *testing.T) {
			dir := t.TempDir()
			first := Config{Demo: true, DataDir: dir}
			if err := first.requireKeys(); err != nil {
				t.Fatal(err)
			}
			info, err := os.Stat(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			key := *tc.key(&first)
			if info.Mode().Perm() != 0o600 || len(key) < 32 {
				t.Errorf("key file mode %v, key of %d characters; want 0600 and 32 or more", info.Mode().Perm(), len(key))
			}
			if first.AuditKey == first.SecretKey {
				t.Error("the audit key and the secret key are the same")
			}
			again := Config{Demo: true, DataDir: dir}
			if err := again.requireKeys(); err != nil || *tc.key(&again) != key {
				t.Errorf("on restart: %v, key changed %v", err, *tc.key(&again) != key)
			}
			elsewhere := Config{Demo: true, DataDir: t.TempDir()}
			if err := elsewhere.requireKeys(); err != nil || *tc.key(&elsewhere) == key {
				t.Errorf("another demo's key: %v, the same as the first %v", err, *tc.key(&elsewhere) == key)
			}
			given := Config{Demo: true, DataDir: t.TempDir(), AuditKey: otherAuditKey, SecretKey: otherSecretKey}
			if err := given.requireKeys(); err != nil || given.AuditKey != otherAuditKey || given.SecretKey != otherSecretKey {
				t.Errorf("a demo given its keys: %v, keys %q %q", err, given.AuditKey, given.SecretKey)
			}
			if _, err := os.Stat(filepath.Join(given.DataDir, tc.file)); err == nil {
				t.Error("a demo given its key made a key file too")
			}
		})
	}
}

// An auditor keeps the checkpoints the command prints and checks the log
// against them later, with the same key or, after a rotation, the new key
// and the old.
func TestAuditCheckpointCommandAndVerifyWithIt(t *testing.T) {
	env := map[string]string{"PASSPORT_DATA_DIR": t.TempDir()}
	if code, _, stderr := run(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	db, err := store.Open("", env["PASSPORT_DATA_DIR"])
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		sqlDB, _ := db.DB()
		sqlDB.Close()
	}()
	st := store.NewStore(db) // signs with modelstest.AuditKey, as run's PASSPORT_AUDIT_KEY
	audit := func(n int) {
		for range n {
			if err := st.Audit(t.Context(), models.Actor{Role: models.RoleNurse}, models.AuditEntry{Action: models.AuditPatientViewed}); err != nil {
				t.Fatal(err)
			}
		}
	}
	audit(3)
	code, stdout, stderr := run(t, env, "audit", "checkpoint")
	var checkpoint models.AuditCheckpoint
	if code != 0 || strings.Count(stdout, "\n") != 1 || json.Unmarshal([]byte(stdout), &checkpoint) != nil ||
		checkpoint.LastEventID != 3 || checkpoint.Entries != 3 || checkpoint.Signature == "" {
		t.Fatalf("checkpoint: %d %q %q", code, stdout, stderr)
	}
	kept := filepath.Join(t.TempDir(), "checkpoints.jsonl")
	if err := os.WriteFile(kept, []byte(stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	audit(2)
	if code, stdout, stderr := run(t, env, "audit", "verify", "--checkpoint", kept); code != 0 ||
		stdout != "All 5 audit entries verified.\nThe log still holds all 1 checkpoints in "+kept+".\n" {
		t.Fatalf("verify with the checkpoint: %d %q %q", code, stdout, stderr)
	}

	code, stdout, stderr = run(t, map[string]string{"PASSPORT_DATA_DIR": env["PASSPORT_DATA_DIR"], "PASSPORT_AUDIT_KEY": otherAuditKey}, "audit", "verify")
	if code != 1 || stdout != "" || !strings.HasPrefix(stderr, "passport: audit entry 1 (") || !strings.Contains(stderr, "PASSPORT_AUDIT_KEY") {
		t.Errorf("verify with a wrong key: %d %q %q", code, stdout, stderr)
	}
	rotated := map[string]string{"PASSPORT_DATA_DIR": env["PASSPORT_DATA_DIR"], "PASSPORT_AUDIT_KEY": otherAuditKey,
		"PASSPORT_AUDIT_KEY_PREVIOUS": "another_old_key_that_is_32_characters_long, " + modelstest.AuditKey}
	if code, stdout, stderr := run(t, rotated, "audit", "verify", "--checkpoint", kept); code != 0 || !strings.HasPrefix(stdout, "All 5 audit entries verified.") {
		t.Errorf("verify after a rotation, with the old key as a previous one: %d %q %q", code, stdout, stderr)
	}

	// Someone with the key rewrites entry 2 and recomputes the chain: the
	// chain alone verifies, the checkpoint kept elsewhere does not.
	keys, err := store.NewAuditKeys(modelstest.AuditKey)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := store.NewAuditKey(modelstest.AuditKey)
	var events []models.AuditEvent
	db.Order("id").Find(&events)
	statements := []string{`DROP TRIGGER audit_events_no_update`, `DROP TRIGGER audit_chains_follow_entries`}
	previous := ""
	for _, event := range events {
		if event.ID == 2 {
			event.Detail = "nothing happened"
		}
		event.Hash = key.EventMAC(previous, event)
		previous = event.Hash
		statements = append(statements, `UPDATE audit_events SET detail = '`+event.Detail+`', hash = '`+event.Hash+`' WHERE id = `+strconv.FormatUint(uint64(event.ID), 10))
	}
	statements = append(statements, `UPDATE audit_chains SET last_hash = '`+previous+`' WHERE id = 1`)
	for _, statement := range statements {
		if err := db.Exec(statement).Error; err != nil {
			t.Fatalf("%s: %v", statement, err)
		}
	}
	if n, err := store.NewStore(db).WithAuditKeys(keys).VerifyAuditLog(t.Context()); n != 5 || err != nil {
		t.Fatalf("the recomputed chain: %d, %v; want it to verify, as the key holder made it", n, err)
	}
	code, stdout, stderr = run(t, env, "audit", "verify", "--checkpoint", kept)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "line 1: the audit log no longer matches the checkpoint") {
		t.Errorf("verify of the rewritten log with the checkpoint: %d %q %q", code, stdout, stderr)
	}
}
