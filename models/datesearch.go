package models

import (
	"errors"
	"slices"
	"strings"
	"time"
)

// DatePrefixes are FHIR's comparators for a date search, in the order the
// specification lists them. No prefix means eq.
var DatePrefixes = []string{"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"}

// DateSearch is one value of a FHIR date search parameter, such as
// ge2026-01 or 2026-01-31T12:00:00Z: a comparator and the range of time the
// value's precision covers, from Start up to but not including End. A date
// without a time is a day, month or year in UTC, the zone every time is
// kept in.
type DateSearch struct {
	Prefix     string
	Start, End time.Time
}

// ErrBadDate explains how to write a date search.
var ErrBadDate = errors.New("give a date as an optional prefix (" + strings.Join(DatePrefixes, ", ") +
	") then a year, month, day or instant, like ge2026, 2026-01, lt2026-01-31 or gt2026-01-31T12:00:00Z")

// ParseDateSearch reads a date search value.
func ParseDateSearch(value string) (DateSearch, error) {
	search := DateSearch{Prefix: "eq"}
	if len(value) >= 2 && slices.Contains(DatePrefixes, value[:2]) {
		search.Prefix, value = value[:2], value[2:]
	}
	precisions := []struct {
		layout string
		next   func(time.Time) time.Time
	}{
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{time.DateOnly, func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"2006-01-02T15:04:05Z07:00", func(t time.Time) time.Time { return t.Add(time.Second) }},
	}
	for _, precision := range precisions {
		if start, err := time.Parse(precision.layout, value); err == nil {
			search.Start = start.UTC()
			search.End = precision.next(start).UTC()
			return search, nil
		}
	}
	return DateSearch{}, ErrBadDate
}

// approximately is how far ap reaches either side of a value: the
// specification recommends 10% of the gap between now and the value, and
// leaves the rule to the server. A value less than a day from now reaches
// a day either side at least.
func (d DateSearch) approximately(now time.Time) (time.Time, time.Time) {
	gap := now.Sub(d.Start)
	if gap < 0 {
		gap = d.End.Sub(now)
	}
	reach := max(gap/10, 24*time.Hour)
	return d.Start.Add(-reach), d.End.Add(reach)
}

// Bounds are the times a moment matches from (inclusive) and before
// (exclusive); a zero time means no bound. ne, which matches outside a
// range, is the only comparator that is not one range: Outside says so.
func (d DateSearch) Bounds(now time.Time) (from, before time.Time, outside bool) {
	switch d.Prefix {
	case "ne":
		return d.Start, d.End, true
	case "gt", "sa":
		return d.End, time.Time{}, false
	case "lt", "eb":
		return time.Time{}, d.Start, false
	case "ge":
		return d.Start, time.Time{}, false
	case "le":
		return time.Time{}, d.End, false
	case "ap":
		from, before = d.approximately(now)
		return from, before, false
	}
	return d.Start, d.End, false
}
