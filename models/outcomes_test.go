package models_test

import (
	"testing"

	"healthpassport/models"
)

func TestDiscloseWithholdsSmallCountsAndRoundsTheRest(t *testing.T) {
	for count, want := range map[int64]string{0: "0", 1: "fewer than 8", 7: "fewer than 8", 8: "10", 12: "10", 13: "15", 102: "100"} {
		if got := models.Disclose(count).String(); got != want {
			t.Errorf("Disclose(%d) = %q; want %q", count, got, want)
		}
	}
	if got := models.Disclose(7).CSV(); got != "*" {
		t.Errorf("a withheld count in a spreadsheet is %q; want *", got)
	}
	// One patient who has set up their account is not "1 registered, 100%".
	if got := models.RateOf(models.Disclose(1), models.Disclose(1)).String(); got != "withheld (small numbers)" {
		t.Errorf("rate of 1 in 1 = %q", got)
	}
	// Rates come from the rounded counts: 12 of 18 is 10 of 20.
	if got := models.RateOf(models.Disclose(12), models.Disclose(18)).String(); got != "50%" {
		t.Errorf("rate of 12 in 18 = %q; want 50%%", got)
	}
}

func TestWithholdComplementStopsSubtraction(t *testing.T) {
	column := []models.Figure{models.Disclose(40), models.Disclose(3), models.Disclose(0), models.Disclose(20)}
	cells := []*models.Figure{&column[0], &column[1], &column[2], &column[3]}
	models.WithholdComplement(cells)
	if !column[3].Withheld || column[0].Withheld || column[2].Withheld {
		t.Errorf("the smallest shown count should be withheld with the small one: %+v", column)
	}
	two := []models.Figure{models.Disclose(3), models.Disclose(5), models.Disclose(40)}
	models.WithholdComplement([]*models.Figure{&two[0], &two[1], &two[2]})
	if two[2].Withheld {
		t.Errorf("two withheld counts already protect each other: %+v", two)
	}
}
