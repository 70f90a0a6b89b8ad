package models

import (
	"time"
	// The zone rules are built in, so UK time is right on a server
	// without a time zone database.
	_ "time/tzdata"
)

// UK is the time of the people the service is for: GMT in winter, British
// Summer Time from the last Sunday of March to the last Sunday of October.
var UK = mustLoadLocation("Europe/London")

func mustLoadLocation(name string) *time.Location {
	location, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return location
}

// UKDay is the date in the UK at the instant t, as 2006-01-02: the day a
// family would say something happened.
func UKDay(t time.Time) string { return t.In(UK).Format(time.DateOnly) }

// StartOfUKDay is midnight in the UK on the day of t, as the database
// keeps dates: the UK calendar day at midnight UTC.
func StartOfUKDay(t time.Time) time.Time {
	local := t.In(UK)
	return time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
}
