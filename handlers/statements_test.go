package handlers_test

import (
	"net/http"
	"sync"
	"testing"

	"gorm.io/gorm"
)

// statementCounter counts the SQL statements run through a connection,
// and how many of them write.
type statementCounter struct {
	mu         sync.Mutex
	statements []string
	writes     int
}

func countStatements(t *testing.T, db *gorm.DB) *statementCounter {
	t.Helper()
	counter := &statementCounter{}
	note := func(write bool) func(*gorm.DB) {
		return func(tx *gorm.DB) {
			if tx.DryRun {
				return // a subquery being built, not sent
			}
			counter.mu.Lock()
			defer counter.mu.Unlock()
			counter.statements = append(counter.statements, tx.Statement.SQL.String())
			if write {
				counter.writes++
			}
		}
	}
	callbacks := db.Callback()
	for _, err := range []error{
		callbacks.Query().After("*").Register("test:count", note(false)),
		callbacks.Row().After("*").Register("test:count", note(false)),
		callbacks.Raw().After("*").Register("test:count", note(true)),
		callbacks.Create().After("*").Register("test:count", note(true)),
		callbacks.Update().After("*").Register("test:count", note(true)),
		callbacks.Delete().After("*").Register("test:count", note(true)),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return counter
}

func (c *statementCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.statements, c.writes = nil, 0
}

// The patient's own passport is the page read most: it must cost at most
// four statements, the session's load included, and write nothing once the
// day's activity and the minute's idle clock are noted.
func TestOwnPassportRunsFourStatementsAndWritesNothing(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		counter := countStatements(t, s.db)
		patient := s.browser(t)
		patient.signIn("patient")
		mustStatus(t, patient.get("/passport"), http.StatusOK)
		for _, path := range []string{"/passport", "/passport/" + ameliaRef} {
			counter.reset()
			r := patient.get(path)
			mustStatus(t, r, http.StatusOK)
			mustContain(t, r, "My passport", "Clenil")
			counter.mu.Lock()
			if len(counter.statements) > 4 || counter.writes != 0 {
				t.Errorf("%s ran %d statements with %d writes; want at most 4 and none:", path, len(counter.statements), counter.writes)
				for _, statement := range counter.statements {
					t.Log(statement)
				}
			}
			counter.mu.Unlock()
		}
	})
}
