package models

import (
	"errors"
	"strconv"
	"time"
)

// Peak flow meters read from about 60 to 800 litres a minute; anything
// outside these bounds is a typing mistake.
const (
	MinPeakFlowReading = 30
	MaxPeakFlowReading = 900
)

// ErrCannotAct means the person may see the passport but not act on it.
var ErrCannotAct = errors.New("view only")

// PeakFlowZone is the zone a peak flow reading falls in.
func (pf PeakFlow) Zone(litres int) string {
	switch {
	case litres < pf.RedBelow:
		return ZoneRed
	case litres < pf.AmberBelow:
		return ZoneAmber
	}
	return ZoneGreen
}

// CheckInZone is the zone of a check-in: the most serious zone among the
// questions answered yes, and green when every answer is no. yes holds one
// answer for each question.
func CheckInZone(questions []CheckInQuestion, yes []bool) string {
	zone := ZoneGreen
	for i, question := range questions {
		switch {
		case !yes[i]:
		case question.Zone == ZoneRed:
			return ZoneRed
		default:
			zone = ZoneAmber
		}
	}
	return zone
}

// CheckInOutcome is a check-in's answers about unplanned care and, for
// asthma, the RCP questions' score.
type CheckInOutcome struct {
	UnplannedCare string
	RCPScore      *int
}

// ReadingEntry is a reading with the name of whoever recorded it.
type ReadingEntry struct {
	Reading
	RecordedBy string
}

// Summary says what an alert was raised for, in words.
func (a Alert) Summary() string {
	day := a.RaisedOn
	if raised, err := time.Parse(time.DateOnly, a.RaisedOn); err == nil {
		day = raised.Format("2 January 2006")
	}
	if a.ReadingCount == 1 {
		return "1 reading in the red zone on " + day
	}
	return strconv.Itoa(a.ReadingCount) + " readings in the red zone on " + day
}
