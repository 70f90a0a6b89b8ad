package store_test

import (
	"fmt"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/demo"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

var smallPopulation = demo.PopulationSpec{Patients: 400, Practices: 3, Seed: 42, Today: time.Date(2026, time.November, 20, 0, 0, 0, 0, time.UTC)}

func buildPopulation(t *testing.T, db *gorm.DB, spec demo.PopulationSpec) (*store.Store, demo.PopulationSummary) {
	t.Helper()
	st := store.NewStore(db)
	if err := st.ClaimMode(t.Context(), models.ModeDemo); err != nil {
		t.Fatal(err)
	}
	summary, err := demo.BuildPopulation(t.Context(), st, spec, demoPassword)
	if err != nil {
		t.Fatal(err)
	}
	return st, summary
}

// normalise writes a value as text: times in UTC, booleans as SQLite keeps
// them, numbers whatever their width.
func normalise(value any) string {
	switch v := value.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(v)
	case bool:
		if v {
			return "1"
		}
		return "0"
	case string:
		// SQLite may hand back a time column as its text.
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano} {
			if parsed, err := time.Parse(layout, v); err == nil {
				return parsed.UTC().Format(time.RFC3339Nano)
			}
		}
		return v
	}
	return fmt.Sprint(value)
}
