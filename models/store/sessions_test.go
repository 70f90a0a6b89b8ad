package store_test

import (
	"maps"
	"testing"
	"time"

	"healthpassport/models/store"

	"github.com/alexedwards/scs/v2"
)

func TestSessionCodecKeepsEachValueAndItsType(t *testing.T) {
	deadline := time.Date(2026, 3, 29, 1, 30, 0, 123, time.UTC)
	values := map[string]any{"user_id": 42, "last_seen": int64(1774748000), "csrf_token": "a\x00b \u00e9", "linking": true, "empty": ""}
	data, err := store.SessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	gotDeadline, got, err := store.SessionCodec{}.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if !gotDeadline.Equal(deadline) || !maps.Equal(got, values) {
		t.Errorf("decoded %v %#v; want %v %#v", gotDeadline, got, deadline, values)
	}

	// A session saved in gob before is still read.
	old, err := scs.GobCodec{}.Encode(deadline, map[string]any{"user_id": 7})
	if err != nil {
		t.Fatal(err)
	}
	if _, got, err := (store.SessionCodec{}).Decode(old); err != nil || got["user_id"] != 7 {
		t.Errorf("gob session read as %#v, %v", got, err)
	}

	for name, bad := range map[string]map[string]any{
		"a float": {"x": 1.5},
		"a time":  {"x": time.Now()},
		"a slice": {"x": []string{"a"}},
	} {
		if _, err := (store.SessionCodec{}).Encode(deadline, bad); err == nil {
			t.Errorf("%s was encoded; want it refused", name)
		}
	}
	for name, bad := range map[string]string{
		"broken JSON":        `{"deadline":`,
		"a value of no type": `{"deadline":"2026-01-01T00:00:00Z","values":{"x":{}}}`,
	} {
		if _, _, err := (store.SessionCodec{}).Decode([]byte(bad)); err == nil {
			t.Errorf("%s was decoded; want an error", name)
		}
	}
}
