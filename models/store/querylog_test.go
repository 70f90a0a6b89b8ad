package store

import (
	"bytes"
	"strings"
	"testing"
)

func TestQueryLogKeepsHealthDetailsAndUniqueRefusalsOut(t *testing.T) {
	db, err := Open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	db.Logger = newQueryLogger(&logged)
	if err := db.Exec(`CREATE TABLE notes (text TEXT UNIQUE)`).Error; err != nil {
		t.Fatal(err)
	}
	for range 2 {
		db.Exec(`INSERT INTO notes (text) VALUES (?)`, "wheezy at night")
	}
	if logged.Len() != 0 {
		t.Errorf("a refusal by a unique index was logged: %s", logged.String())
	}
	if err := db.Exec(`INSERT INTO missing (text) VALUES (?)`, "peak flow 180").Error; err == nil {
		t.Fatal("an insert into a missing table succeeded")
	}
	switch {
	case !strings.Contains(logged.String(), "no such table"):
		t.Errorf("a failed statement was not logged: %q", logged.String())
	case strings.Contains(logged.String(), "peak flow 180"):
		t.Errorf("the log holds a value written: %q", logged.String())
	}
}
