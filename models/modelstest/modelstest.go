// Package modelstest gives tests real, empty, migrated databases: SQLite
// always, and PostgreSQL as well when TEST_DATABASE_URL is set.
//
// Migrating takes far longer than a test of the store does (seconds on
// PostgreSQL), so each test binary migrates one template of each database
// once and gives every test a copy of it: the file's bytes on SQLite, a
// database created from the template on PostgreSQL.
package modelstest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
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

// Each runs test once on each database, as subtests named after them that
// run side by side: one waits for PostgreSQL while the other works. The
// calling test runs beside the other tests that use Each too, each on
// databases of its own, so that while some wait on a disk or a lock
// others work. Like any parallel subtests they start once the calling
// test's function has returned, so that function must do nothing after
// calling Each.
func Each(t *testing.T, test func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	if _, already := parallelTests.LoadOrStore(t, true); !already {
		t.Parallel()
	}
	for _, kind := range Databases() {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			test(t, Open(t, kind))
		})
	}
}

// parallelTests are the tests Each has let run beside others: a test may
// call Each more than once, and may be marked parallel only once.
var parallelTests sync.Map

// EachInTurn is Each for a test that needs the process to itself while it
// runs on one database: one that measures the heap, or fills the queue of
// passwords waiting to be hashed, which every server in the process shares.
// Such a test is never marked parallel, so it runs before any test that is.
func EachInTurn(t *testing.T, test func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	for _, kind := range Databases() {
		t.Run(kind, func(t *testing.T) { test(t, Open(t, kind)) })
	}
}

// Open makes a fresh migrated database of the given kind, removed when the
// test ends.
func Open(t testing.TB, kind string) *gorm.DB {
	t.Helper()
	switch kind {
	case "sqlite":
		migrated, err := sqliteTemplate()
		if err != nil {
			t.Fatalf("migrating the SQLite template: %v", err)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, sqliteFile), migrated, 0o600); err != nil {
			t.Fatal(err)
		}
		return openSQLite(t, dir)
	case "postgres":
		server := postgresServer(t)
		server.migrateTemplate.Do(func() { server.templateErr = server.createTemplate() })
		if server.templateErr != nil {
			t.Fatalf("migrating the PostgreSQL template: %v", server.templateErr)
		}
		return server.open(t, server.template)
	}
	t.Fatalf("unknown database %q", kind)
	return nil
}

// OpenEmpty makes a fresh database of the given kind with no tables, removed
// when the test ends.
func OpenEmpty(t testing.TB, kind string) *gorm.DB {
	t.Helper()
	switch kind {
	case "sqlite":
		return openSQLite(t, t.TempDir())
	case "postgres":
		return postgresServer(t).open(t, "")
	}
	t.Fatalf("unknown database %q", kind)
	return nil
}

// sqliteFile is the file models.Open keeps a SQLite database in.
const sqliteFile = "passport.db"

func openSQLite(t testing.TB, dir string) *gorm.DB {
	t.Helper()
	db, err := store.Open("", dir)
	if err != nil {
		t.Fatal(err)
	}
	return silenced(t, db)
}

// silenced quietens the database's query log and closes it when the test
// ends.
func silenced(t testing.TB, db *gorm.DB) *gorm.DB {
	db.Logger = logger.Default.LogMode(logger.Silent)
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return db
}

// sqliteTemplate is the bytes of a migrated SQLite database file, made once.
var sqliteTemplate = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "passport-template-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	db, err := store.Open("", dir)
	if err != nil {
		return nil, err
	}
	db.Logger = logger.Default.LogMode(logger.Silent)
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	err = migrations.Run(db)
	// Closing the last connection moves everything from the write-ahead
	// log into the file itself.
	if closeErr := sqlDB.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(dir, sqliteFile))
})

// databasePrefix begins the name of every database the tests create on the
// PostgreSQL server, so that those a killed test binary left behind can be
// told from any others.
const databasePrefix = "passport_test_"

// A pgServer is the PostgreSQL server named by TEST_DATABASE_URL, as this
// test binary uses it: one template it migrates once, and a database copied
// from it for each test.
type pgServer struct {
	base  *url.URL
	admin *sql.DB
	// owner names the databases this binary creates, and is the
	// application name of a connection it holds open while it runs: a
	// database whose owner has no connection was left by a binary that has
	// ended.
	owner    string
	alive    *sql.Conn
	template string
	created  atomic.Int64
	// finished takes the databases of tests that have ended, to be dropped
	// in the background: a drop waits for a checkpoint, which need not hold
	// up the next test. Several drops at once share a checkpoint. Those not
	// yet dropped when the binary exits are dropped by the next binary.
	finished chan string

	migrateTemplate sync.Once
	templateErr     error
}

var (
	connectOnce sync.Once
	server      *pgServer
	serverErr   error
)

func postgresServer(t testing.TB) *pgServer {
	t.Helper()
	connectOnce.Do(func() { server, serverErr = connect(os.Getenv("TEST_DATABASE_URL")) })
	if serverErr != nil {
		t.Fatalf("PostgreSQL at TEST_DATABASE_URL: %v", serverErr)
	}
	return server
}

func connect(databaseURL string) (*pgServer, error) {
	base, err := url.Parse(databaseURL)
	if err != nil {
		return nil, err
	}
	owner := databasePrefix + models.RandomToken(8)
	adminURL := *base
	query := adminURL.Query()
	query.Set("application_name", owner)
	adminURL.RawQuery = query.Encode()
	gormDB, err := gorm.Open(postgres.Open(adminURL.String()), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		return nil, err
	}
	admin, err := gormDB.DB()
	if err != nil {
		return nil, err
	}
	// Held until the binary exits, when the server sees it go.
	alive, err := admin.Conn(context.Background())
	if err != nil {
		return nil, err
	}
	s := &pgServer{base: base, admin: admin, owner: owner, alive: alive, template: owner + "_template",
		finished: make(chan string, 100000)}
	for range concurrentDrops {
		go func() {
			for name := range s.finished {
				// Another binary may be dropping the same abandoned database.
				s.admin.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`)
			}
		}()
	}
	return s, s.dropAbandoned()
}

// concurrentDrops is how many databases are dropped at once.
const concurrentDrops = 4

// dropAbandoned drops the databases of test binaries that have ended
// without dropping them: killed, interrupted, or ended with drops to do.
func (s *pgServer) dropAbandoned() error {
	rows, err := s.admin.Query(`SELECT datname FROM pg_database WHERE datname LIKE $1
		AND split_part(datname, '_', 3) NOT IN (SELECT split_part(application_name, '_', 3) FROM pg_stat_activity WHERE application_name LIKE $1)`,
		strings.ReplaceAll(databasePrefix, "_", `\_`)+"%")
	if err != nil {
		return err
	}
	var abandoned []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		abandoned = append(abandoned, name)
	}
	rows.Close()
	for _, name := range abandoned {
		s.finished <- name
	}
	return rows.Err()
}

func (s *pgServer) urlOf(database string) string {
	u := *s.base
	u.Path = "/" + database
	query := u.Query()
	query.Del("search_path")
	u.RawQuery = query.Encode()
	return u.String()
}

func (s *pgServer) createTemplate() error {
	if _, err := s.admin.Exec(`CREATE DATABASE "` + s.template + `"`); err != nil {
		return err
	}
	db, err := store.Open(s.urlOf(s.template), "")
	if err != nil {
		return err
	}
	db.Logger = logger.Default.LogMode(logger.Silent)
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	err = migrations.Run(db)
	// A database is copied only while no one is connected to it.
	if closeErr := sqlDB.Close(); err == nil {
		err = closeErr
	}
	return err
}

// open creates a database for the test, copied from template or empty if
// template is "", to be dropped once the test ends.
func (s *pgServer) open(t testing.TB, template string) *gorm.DB {
	t.Helper()
	name := fmt.Sprintf("%s_%d", s.owner, s.created.Add(1))
	create := `CREATE DATABASE "` + name + `"`
	if template != "" {
		create += ` TEMPLATE "` + template + `"`
	}
	if _, err := s.admin.Exec(create); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.finished <- name })
	db, err := store.Open(s.urlOf(name), "")
	if err != nil {
		t.Fatal(err)
	}
	return silenced(t, db)
}
