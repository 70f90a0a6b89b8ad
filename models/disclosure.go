package models

import (
	"fmt"
	"strconv"
)

// Commissioners see figures under NHS England's statistical disclosure
// control, so that no figure points at a person: a count from 1 to 7 is
// withheld ("fewer than 8"), every other count is rounded to the nearest 5,
// and rates are worked out from the rounded counts.
const (
	// SmallestShownCount is the smallest count, and the fewest people behind
	// a median or a mean, that a commissioner may see.
	SmallestShownCount = 8
	// CountRounding is what every other count is rounded to.
	CountRounding = 5
)

// Figure is a count as it may be shown. A withheld figure keeps no count, so
// nothing drawn from it can give the count away.
type Figure struct {
	Count    int64
	Withheld bool
}

// Disclose applies disclosure control to a count.
func Disclose(count int64) Figure {
	if count > 0 && count < SmallestShownCount {
		return Figure{Withheld: true}
	}
	return Figure{Count: (count + CountRounding/2) / CountRounding * CountRounding}
}

// Exact is a count shown as it is, to staff who may see the people behind it.
func Exact(count int64) Figure { return Figure{Count: count} }

// String is the figure in words for a page.
func (f Figure) String() string {
	if f.Withheld {
		return "fewer than " + strconv.Itoa(SmallestShownCount)
	}
	return strconv.FormatInt(f.Count, 10)
}

// CSV is the figure for a spreadsheet: an asterisk where it is withheld, as
// in NHS England's published statistics.
func (f Figure) CSV() string {
	if f.Withheld {
		return "*"
	}
	return strconv.FormatInt(f.Count, 10)
}

// Rate is a share of two figures as a whole percentage. It is withheld when
// either figure is, and absent (ok false) when there is nothing to divide by.
type Rate struct {
	Percent  int64
	Withheld bool
	Known    bool
}

// RateOf is part as a share of whole.
func RateOf(part, whole Figure) Rate {
	switch {
	case part.Withheld || whole.Withheld:
		return Rate{Withheld: true, Known: true}
	case whole.Count == 0:
		return Rate{}
	}
	return Rate{Percent: part.Count * 100 / whole.Count, Known: true}
}

// String is the rate in words for a page.
func (r Rate) String() string {
	switch {
	case !r.Known:
		return "no one yet"
	case r.Withheld:
		return "withheld (small numbers)"
	}
	return fmt.Sprintf("%d%%", r.Percent)
}

// CSV is the rate for a spreadsheet: empty where there is nothing to divide
// by, an asterisk where it is withheld.
func (r Rate) CSV() string {
	switch {
	case !r.Known:
		return ""
	case r.Withheld:
		return "*"
	}
	return strconv.FormatInt(r.Percent, 10)
}

// WithholdComplement withholds a second figure in a column whose total is
// shown when exactly one figure is withheld, so the withheld one cannot be
// worked out by subtracting the others from the total. The second is the
// smallest figure shown, as it says least.
func WithholdComplement(column []*Figure) {
	withheld, smallest := 0, -1
	for i, f := range column {
		switch {
		case f.Withheld:
			withheld++
		case f.Count > 0 && (smallest < 0 || f.Count < column[smallest].Count):
			smallest = i
		}
	}
	if withheld == 1 && smallest >= 0 {
		*column[smallest] = Figure{Withheld: true}
	}
}
