package app

import (
	"bytes"
	"strings"
	"testing"
)

// run runs the command line with a clean environment of our variables.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	for _, name := range []string{"DATABASE_URL", "MIGRATE_DATABASE_URL", "PASSPORT_DATA_DIR", "PASSPORT_DEMO_PASSWORD", "PASSPORT_PUBLIC_URL", "PASSPORT_TRUSTED_PROXIES", "PASSPORT_HASH_MEMORY_MB"} {
		t.Setenv(name, env[name])
	}
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
