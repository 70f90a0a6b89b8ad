package models

import (
	"testing"
	"time"
)

func TestDateSearchPrefixesAndPrecisions(t *testing.T) {
	at := func(text string) time.Time {
		moment, err := time.Parse(time.RFC3339, text)
		if err != nil {
			t.Fatal(err)
		}
		return moment
	}
	now := at("2026-12-01T00:00:00Z")
	tests := []struct {
		value string
		match []string // moments that match
		miss  []string // moments that do not
	}{
		{"2026", []string{"2026-01-01T00:00:00Z", "2026-12-31T23:59:59Z"}, []string{"2025-12-31T23:59:59Z", "2027-01-01T00:00:00Z"}},
		{"eq2026-02", []string{"2026-02-01T00:00:00Z", "2026-02-28T23:59:59Z"}, []string{"2026-01-31T23:59:59Z", "2026-03-01T00:00:00Z"}},
		{"2026-02-10", []string{"2026-02-10T00:00:00Z", "2026-02-10T23:59:59Z"}, []string{"2026-02-09T23:59:59Z", "2026-02-11T00:00:00Z"}},
		{"2026-02-10T12:00:00Z", []string{"2026-02-10T12:00:00Z"}, []string{"2026-02-10T11:59:59Z", "2026-02-10T12:00:01Z"}},
		{"2026-02-10T13:00:00+01:00", []string{"2026-02-10T12:00:00Z"}, []string{"2026-02-10T13:00:00Z"}},
		{"ne2026-02", []string{"2026-01-31T23:59:59Z", "2026-03-01T00:00:00Z"}, []string{"2026-02-01T00:00:00Z", "2026-02-28T23:59:59Z"}},
		{"gt2026-02", []string{"2026-03-01T00:00:00Z"}, []string{"2026-02-28T23:59:59Z", "2026-02-01T00:00:00Z"}},
		{"sa2026-02", []string{"2026-03-01T00:00:00Z"}, []string{"2026-02-28T23:59:59Z"}},
		{"lt2026-02", []string{"2026-01-31T23:59:59Z"}, []string{"2026-02-01T00:00:00Z"}},
		{"eb2026-02", []string{"2026-01-31T23:59:59Z"}, []string{"2026-02-01T00:00:00Z"}},
		{"ge2026-02", []string{"2026-02-01T00:00:00Z", "2030-01-01T00:00:00Z"}, []string{"2026-01-31T23:59:59Z"}},
		{"le2026-02", []string{"2026-02-28T23:59:59Z", "2000-01-01T00:00:00Z"}, []string{"2026-03-01T00:00:00Z"}},
		// 2016 is ten years before now: ap reaches a year either side.
		{"ap2016-12-01", []string{"2016-01-01T00:00:00Z", "2017-11-30T00:00:00Z"}, []string{"2015-11-01T00:00:00Z", "2018-01-01T00:00:00Z"}},
		// Near now, ap reaches a day either side.
		{"ap2026-11-30", []string{"2026-11-29T00:00:00Z", "2026-12-01T23:59:59Z"}, []string{"2026-11-28T23:59:59Z", "2026-12-02T00:00:00Z"}},
	}
	for _, test := range tests {
		search, err := ParseDateSearch(test.value)
		if err != nil {
			t.Errorf("%s: %v", test.value, err)
			continue
		}
		from, before, outside := search.Bounds(now)
		matches := func(moment time.Time) bool {
			within := (from.IsZero() || !moment.Before(from)) && (before.IsZero() || moment.Before(before))
			return within != outside
		}
		for _, moment := range test.match {
			if !matches(at(moment)) {
				t.Errorf("%s does not match %s", test.value, moment)
			}
		}
		for _, moment := range test.miss {
			if matches(at(moment)) {
				t.Errorf("%s matches %s", test.value, moment)
			}
		}
	}
	for _, bad := range []string{"", "gt", "26", "2026-13", "2026-02-30", "xx2026", "2026-02-10T12:00", "2026-02-10T12:00:00", "gt 2026", "2026/02/10"} {
		if _, err := ParseDateSearch(bad); err == nil {
			t.Errorf("%q was taken as a date", bad)
		}
	}
}
