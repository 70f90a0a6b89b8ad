package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"runtime"
	"strings"

	gosqlite "github.com/glebarez/go-sqlite"
)

// sqlitePool sends each statement that only reads, a SELECT outside a
// transaction, to a pool of read-only connections, and everything else to
// the one connection that writes. SQLite takes one writer at a time, but in
// WAL mode readers neither wait for it nor hold it up: with one connection
// for everything, every page's reads queued behind each other and behind
// every write, and the slowest requests waited for dozens of others. A
// reader sees every write committed before its statement started, so a
// request still reads what it has just written.
type sqlitePool struct {
	writer  *sql.DB
	readers *sql.DB
}

// ConcurrentRequests is how many requests the service runs at once, each
// with the database to itself for its queries: enough to keep every
// processor busy while others wait for the disk or the network, and no
// more than SQLite has read connections or PostgreSQL's pool connections
// (on up to six processors), so that no request waits for one mid-way.
func ConcurrentRequests() int { return max(8, 4*runtime.GOMAXPROCS(0)) }

// readConnections are one for each request running at once.
func readConnections() int { return ConcurrentRequests() }

func openSQLitePool(path string, pragmas string) *sqlitePool {
	// Readers refuse to write, so a statement sent to them by mistake fails
	// rather than competing with the writer. They connect when first used,
	// after the writer has put the file in WAL mode.
	readers := sql.OpenDB(sqliteConnector{dsn: "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=query_only(1)"})
	readers.SetMaxOpenConns(readConnections())
	readers.SetMaxIdleConns(readConnections())
	writer := sql.OpenDB(sqliteConnector{dsn: "file:" + path + "?" + pragmas, readers: readers})
	// SQLite takes one writer at a time; one connection keeps writes in
	// order instead of failing with "database is locked".
	writer.SetMaxOpenConns(1)
	return &sqlitePool{writer: writer, readers: readers}
}

// sqliteConnector opens connections to a SQLite file. The writer's also
// closes the readers when the writer is closed (database/sql closes a
// connector that is an io.Closer with its DB), since gorm gives callers
// the writer alone to close.
type sqliteConnector struct {
	dsn     string
	readers *sql.DB
}

var sqliteDriver = &gosqlite.Driver{}

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	return sqliteDriver.Open(c.dsn)
}

func (c sqliteConnector) Driver() driver.Driver { return sqliteDriver }

func (c sqliteConnector) Close() error {
	if c.readers == nil {
		return nil
	}
	return c.readers.Close()
}

// onlyReads reports whether a statement is a plain SELECT. Anything else
// (INSERT ... RETURNING, which is run as a query, a WITH that may write,
// PRAGMA) goes to the writer.
func onlyReads(query string) bool {
	query = strings.TrimLeft(query, " \t\r\n(")
	return len(query) >= 6 && strings.EqualFold(query[:6], "select")
}

func (p *sqlitePool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if onlyReads(query) {
		return p.readers.PrepareContext(ctx, query)
	}
	return p.writer.PrepareContext(ctx, query)
}

func (p *sqlitePool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.writer.ExecContext(ctx, query, args...)
}

func (p *sqlitePool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if onlyReads(query) {
		return p.readers.QueryContext(ctx, query, args...)
	}
	return p.writer.QueryContext(ctx, query, args...)
}

func (p *sqlitePool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if onlyReads(query) {
		return p.readers.QueryRowContext(ctx, query, args...)
	}
	return p.writer.QueryRowContext(ctx, query, args...)
}

// BeginTx starts every transaction on the writer, so that a transaction's
// reads see its own writes and hold its snapshot.
func (p *sqlitePool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	return p.writer.BeginTx(ctx, opts)
}

// GetDBConn gives gorm's DB() the writer: settings, River and Close apply
// to it.
func (p *sqlitePool) GetDBConn() (*sql.DB, error) { return p.writer, nil }
