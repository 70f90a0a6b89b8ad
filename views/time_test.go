package views

import (
	"testing"
	"time"
)

// Times are read in the UK: an hour ahead of UTC from 01:00 UTC on the last
// Sunday of March to 01:00 UTC on the last Sunday of October.
func TestFormatDateTimeInUKTime(t *testing.T) {
	tests := []struct {
		utc  string
		want string
	}{
		{"2026-01-15T14:30:00Z", "15 January 2026 at 2:30pm"},
		{"2026-03-29T00:59:00Z", "29 March 2026 at 12:59am"}, // a minute before the clocks go forward
		{"2026-03-29T01:00:00Z", "29 March 2026 at 2am"},     // the clocks have gone forward
		{"2026-06-14T23:30:00Z", "15 June 2026 at 12:30am"},
		{"2026-07-01T08:00:00Z", "1 July 2026 at 9am"},
		{"2026-10-25T00:30:00Z", "25 October 2026 at 1:30am"}, // BST: the first 1:30am
		{"2026-10-25T01:30:00Z", "25 October 2026 at 1:30am"}, // GMT: the second
		{"2026-10-25T23:30:00Z", "25 October 2026 at 11:30pm"},
	}
	for _, test := range tests {
		at, err := time.Parse(time.RFC3339, test.utc)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatDateTime(at); got != test.want {
			t.Errorf("FormatDateTime(%s) = %q, want %q", test.utc, got, test.want)
		}
	}
	if got := FormatShortDateTime(time.Date(2026, 9, 14, 23, 30, 0, 0, time.UTC)); got != "15 Sep 2026 at 12:30am" {
		t.Errorf("FormatShortDateTime on a summer night = %q, want 15 Sep 2026 at 12:30am", got)
	}
	if got := FormatDate(time.Date(2026, 6, 14, 23, 30, 0, 0, time.UTC)); got != "15 June 2026" {
		t.Errorf("FormatDate on a summer night = %q, want the UK day, 15 June 2026", got)
	}
}

func TestServiceNameIsNotDoubledInTitles(t *testing.T) {
	for title, want := range map[string]string{
		"Health Passport": "Health Passport - NHS",
		"My passport":     "My passport - Health Passport - NHS",
	} {
		if got := (Page{Title: title}).FullTitle(); got != want {
			t.Errorf("title %q gives %q, want %q", title, got, want)
		}
	}
}
