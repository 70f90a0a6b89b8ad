package store

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// maxPostgresConnections leaves room on a default PostgreSQL server for
// other clients, migrations and a second instance.
const maxPostgresConnections = 25

// Open connects to PostgreSQL when databaseURL is set, and otherwise to an
// embedded SQLite file in dataDir.
func Open(databaseURL, dataDir string) (*gorm.DB, error) {
	config := &gorm.Config{
		Logger:  newQueryLogger(os.Stderr),
		NowFunc: func() time.Time { return time.Now().UTC() },
	}
	if databaseURL != "" {
		if u, err := url.Parse(databaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return nil, errors.New("DATABASE_URL must be a postgres:// URL")
		}
		db, err := gorm.Open(postgres.Open(databaseURL), config)
		if err != nil {
			return nil, fmt.Errorf("cannot connect to PostgreSQL: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		// A crowd of requests waits for a connection instead of opening more
		// than the server allows (100 by default) and failing.
		sqlDB.SetMaxOpenConns(maxPostgresConnections)
		// Connections are kept open between bursts: the pool otherwise
		// keeps two, and a busy server would start a new PostgreSQL
		// process for nearly every request.
		sqlDB.SetMaxIdleConns(maxPostgresConnections)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		return db, nil
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the data folder %s: %w", dataDir, err)
	}
	path := filepath.Join(dataDir, "passport.db")
	// The path is part of a URI: a '#' or '?' in a folder's name (a subtest
	// named "sqlite#01") would otherwise cut it short, to a file shared by
	// whoever else's path is cut the same way.
	escaped := strings.NewReplacer("%", "%25", "#", "%23", "?", "%3F").Replace(path)
	pool := openSQLitePool(escaped, "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)")
	// The dialector's first statement, a SELECT, goes to a reader; the
	// writer connects first, to put the file in WAL mode.
	if err := pool.writer.Ping(); err != nil {
		pool.writer.Close()
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	db, err := gorm.Open(sqlite.Dialector{Conn: pool}, config)
	if err != nil {
		pool.writer.Close()
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	return db, nil
}
