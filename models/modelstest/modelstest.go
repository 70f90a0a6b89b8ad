// Package modelstest gives tests real, empty, migrated databases: SQLite
// always, and PostgreSQL as well when TEST_DATABASE_URL is set.
package modelstest

import (
	"net/url"
	"os"
	"strings"
	"testing"

	"healthpassport/migrations"
	"healthpassport/models"
	"healthpassport/models/store"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// AuditKey is the audit key the stores of tests sign entries with, unless a
// test gives a store keys of its own.
const AuditKey = "test-audit-key-never-used-outside-tests"

// SecretKey is the key the stores of tests seal secrets with, unless a test
// gives a store keys of its own.
const SecretKey = "test-secret-key-never-used-outside-tests"

func init() {
	keys, err := store.NewAuditKeys(AuditKey)
	if err != nil {
		panic(err)
	}
	store.UseAuditKeysByDefault(keys)
	secretKeys, err := store.NewSecretKeys(SecretKey)
	if err != nil {
		panic(err)
	}
	store.UseSecretKeysByDefault(secretKeys)
}

// Databases names the databases the tests run on.
func Databases() []string {
	if os.Getenv("TEST_DATABASE_URL") != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// Each runs test once on each database, as a subtest named after it.
func Each(t *testing.T, test func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	for _, kind := range Databases() {
		t.Run(kind, func(t *testing.T) { test(t, Open(t, kind)) })
	}
}

// Open makes a fresh migrated database of the given kind, removed when the
// test ends.
func Open(t testing.TB, kind string) *gorm.DB {
	t.Helper()
	db := OpenEmpty(t, kind)
	if err := migrations.Run(db); err != nil {
		t.Fatal(err)
	}
	return db
}

// OpenEmpty makes a fresh database of the given kind with no tables, removed
// when the test ends.
func OpenEmpty(t testing.TB, kind string) *gorm.DB {
	t.Helper()
	var db *gorm.DB
	var err error
	switch kind {
	case "sqlite":
		db, err = store.Open("", t.TempDir())
	case "postgres":
		db, err = openSchema(t)
	default:
		t.Fatalf("unknown database %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	db.Logger = logger.Default.LogMode(logger.Silent)
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return db
}

// openSchema gives the test a schema of its own on the test server, so that
// tests can run side by side.
func openSchema(t testing.TB) (*gorm.DB, error) {
	base := os.Getenv("TEST_DATABASE_URL")
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		return nil, err
	}
	schema := "test_" + strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name()))
	// The job queue names notification channels after the schema, and
	// PostgreSQL cuts channel names at 63 bytes.
	if len(schema) > 30 {
		schema = schema[:30]
	}
	schema += "_" + models.RandomToken(6)
	if err := admin.Exec(`CREATE SCHEMA "` + schema + `"`).Error; err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA "` + schema + `" CASCADE`)
		if sqlDB, err := admin.DB(); err == nil {
			sqlDB.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return store.Open(u.String(), "")
}
