package models_test

import (
	"testing"
	"time"

	"healthpassport/models"
)

// The clocks go forward at 01:00 UTC on the last Sunday of March and back
// at 01:00 UTC on the last Sunday of October.
func TestUKDayAcrossSummerTime(t *testing.T) {
	tests := []struct {
		utc  string
		want string
	}{
		{"2026-03-28T23:30:00Z", "2026-03-28"}, // GMT, the night before the clocks go forward
		{"2026-03-29T00:59:59Z", "2026-03-29"},
		{"2026-03-29T23:00:00Z", "2026-03-30"}, // BST: midnight in the UK
		{"2026-06-14T23:30:00Z", "2026-06-15"},
		{"2026-10-24T23:30:00Z", "2026-10-25"}, // BST, the night before the clocks go back
		{"2026-10-25T00:59:59Z", "2026-10-25"},
		{"2026-10-25T23:30:00Z", "2026-10-25"}, // GMT again
		{"2026-12-31T23:59:59Z", "2026-12-31"},
	}
	for _, test := range tests {
		at, err := time.Parse(time.RFC3339, test.utc)
		if err != nil {
			t.Fatal(err)
		}
		if got := models.UKDay(at); got != test.want {
			t.Errorf("UKDay(%s) = %s, want %s", test.utc, got, test.want)
		}
	}
}
