package app

import (
	"bytes"
	"strings"
	"testing"

	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"
)

// run runs the command line with a clean environment of our variables.
// PASSPORT_AUDIT_KEY and PASSPORT_SECRET_KEY are the test databases' keys
// unless env names them.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	for _, name := range []string{"DATABASE_URL", "MIGRATE_DATABASE_URL", "PASSPORT_DATA_DIR", "PASSPORT_DEMO_PASSWORD", "PASSPORT_PUBLIC_URL", "PASSPORT_TRUSTED_PROXIES", "PASSPORT_HASH_MEMORY_MB", "PASSPORT_SHUTDOWN_GRACE", "PASSPORT_AUDIT_KEY_PREVIOUS", "PASSPORT_SECRET_KEY_PREVIOUS"} {
		t.Setenv(name, env[name])
	}
	auditKey, named := env["PASSPORT_AUDIT_KEY"]
	if !named {
		auditKey = modelstest.AuditKey
	}
	t.Setenv("PASSPORT_AUDIT_KEY", auditKey)
	secretKey, named := env["PASSPORT_SECRET_KEY"]
	if !named {
		secretKey = modelstest.SecretKey
	}
	t.Setenv("PASSPORT_SECRET_KEY", secretKey)
	var stdout, stderr bytes.Buffer
	code := Main(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestBadConfigurationStopsWithOneClearLine(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no command", nil, nil, "Usage:"},
		{"unknown command", nil, []string{"launch"}, `unknown command "launch"`},
		{"address without port", nil, []string{"serve", "--addr", "localhost"}, "--addr must be HOST:PORT"},
		{"port not a number", nil, []string{"serve", "--addr", "127.0.0.1:http"}, "not a number"},
		{"not a PostgreSQL URL", map[string]string{"DATABASE_URL": "mysql://db/passport"}, []string{"migrate"}, "DATABASE_URL must be a postgres:// URL"},
		{"short demo password", map[string]string{"PASSPORT_DEMO_PASSWORD": "short", "PASSPORT_DATA_DIR": dir}, []string{"serve", "--demo"}, "PASSPORT_DEMO_PASSWORD must be 8 characters"},
		{"bad proxy", map[string]string{"PASSPORT_TRUSTED_PROXIES": "10.0.0.1, the proxy"}, []string{"migrate"}, `"the proxy", which is not an IP address`},
		{"migrating URL without a serving one", map[string]string{"MIGRATE_DATABASE_URL": "postgres://owner@db/passport"}, []string{"migrate"}, "MIGRATE_DATABASE_URL needs DATABASE_URL"},
		{"migrating URL not for PostgreSQL", map[string]string{"DATABASE_URL": "postgres://app@db/passport", "MIGRATE_DATABASE_URL": "owner@db/passport"}, []string{"migrate"}, "MIGRATE_DATABASE_URL must be a postgres:// URL"},
		{"serving URL without a role", map[string]string{"DATABASE_URL": "postgres://db/passport", "MIGRATE_DATABASE_URL": "postgres://owner@db/passport"}, []string{"migrate"}, "DATABASE_URL must name the serving role"},
		{"stray argument to audit verify", nil, []string{"audit", "verify", "now"}, `unexpected argument "now"`},
		{"stray argument", nil, []string{"migrate", "now"}, `unexpected argument "now"`},
		{"hash memory not a number", map[string]string{"PASSPORT_HASH_MEMORY_MB": "lots"}, []string{"migrate"}, "PASSPORT_HASH_MEMORY_MB must be a whole number"},
		{"hash memory below one hash", map[string]string{"PASSPORT_HASH_MEMORY_MB": "10"}, []string{"migrate"}, "19 or more"},
		{"grace without a unit", map[string]string{"PASSPORT_SHUTDOWN_GRACE": "10"}, []string{"migrate"}, "PASSPORT_SHUTDOWN_GRACE must be a length of time, like 10s"},
		{"negative grace", map[string]string{"PASSPORT_SHUTDOWN_GRACE": "-5s"}, []string{"migrate"}, "PASSPORT_SHUTDOWN_GRACE must be a length of time"},
	}
	for _, tc := range cases {
		code, _, stderr := run(t, tc.env, tc.args...)
		if code == 0 {
			t.Errorf("%s: exit code 0", tc.name)
		}
		if !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: stderr %q lacks %q", tc.name, stderr, tc.want)
		}
		if tc.args != nil && tc.name != "unknown command" && strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%s: more than one line: %q", tc.name, stderr)
		}
		if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
			t.Errorf("%s: stack trace: %q", tc.name, stderr)
		}
	}
}

func TestMigrateThenDemoIsRefused(t *testing.T) {
	env := map[string]string{"PASSPORT_DATA_DIR": t.TempDir()}
	code, stdout, stderr := run(t, env, "migrate")
	if code != 0 || !strings.Contains(stdout, "Database is up to date") {
		t.Fatalf("migrate: %d %q %q", code, stdout, stderr)
	}
	if code, _, _ := run(t, env, "migrate"); code != 0 {
		t.Fatal("migrating twice failed")
	}
	code, _, stderr = run(t, env, "serve", "--demo", "--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(stderr, "not created in demo mode") {
		t.Errorf("demo on a live database: %d %q", code, stderr)
	}
}

// TestApproveATemplateFromTheCommandLine: a clinical safety officer's
// approval is recorded once, with their name, in the database and the
// audit log.
func TestApproveATemplateFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PASSPORT_DATA_DIR": dir}
	code, stdout, stderr := run(t, env, "templates", "approve", "anaphylaxis", "2", "--by", "Dr Ada Okafor")
	if code != 0 || !strings.Contains(stdout, "Anaphylaxis template version 2 is approved for use with patients, by Dr Ada Okafor.") {
		t.Fatalf("approve: %d %q %q", code, stdout, stderr)
	}
	db, err := store.Open("", dir)
	if err != nil {
		t.Fatal(err)
	}
	var template models.ConditionTemplate
	db.First(&template, "key = ? AND version = ?", "anaphylaxis", 2)
	var audited int64
	db.Model(&models.AuditEvent{}).Where("action = ? AND target_id = ?", "template.approved", "anaphylaxis version 2").Count(&audited)
	if !template.Approved || template.ApprovedBy != "Dr Ada Okafor" || template.ApprovedAt == nil || audited != 1 {
		t.Errorf("template %+v, %d audit entries", template, audited)
	}
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.Close()
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"templates", "approve", "anaphylaxis", "2", "--by", "Someone else"}, 1, "already approved"},
		{[]string{"templates", "approve", "anaphylaxis", "9", "--by", "Dr Ada Okafor"}, 1, "not found"},
		{[]string{"templates", "approve", "asthma", "2"}, 1, "name the person who approves"},
		{[]string{"templates", "approve", "asthma", "two", "--by", "Dr Ada Okafor"}, 2, "must be a whole number"},
		{[]string{"templates", "list"}, 2, "say approve"},
	} {
		code, _, stderr := run(t, env, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: %d %q; want %d and %q on one line", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

// TestDemoCommandBuildsAPopulationOnlyInADemoDatabase: "passport demo"
// refuses a database created for real use, and fills a new one.
func TestDemoCommandBuildsAPopulationOnlyInADemoDatabase(t *testing.T) {
	live := map[string]string{"PASSPORT_DATA_DIR": t.TempDir()}
	if code, _, stderr := run(t, live, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	code, _, stderr := run(t, live, "demo", "--patients", "20", "--practices", "2")
	if code != 1 || !strings.Contains(stderr, "not created in demo mode") {
		t.Errorf("demo on a live database: %d %q", code, stderr)
	}

	demo := map[string]string{"PASSPORT_DATA_DIR": t.TempDir()}
	code, stdout, stderr := run(t, demo, "demo", "--patients", "20", "--practices", "2", "--seed", "7")
	if code != 0 || !strings.Contains(stdout, "Added 20 patients at 2 practices") {
		t.Fatalf("demo: %d %q %q", code, stdout, stderr)
	}
	if code, _, stderr := run(t, demo, "demo", "--patients", "20", "--seed", "7"); code != 1 || !strings.Contains(stderr, "already has a synthetic population") {
		t.Errorf("demo twice: %d %q", code, stderr)
	}
}
