package models_test

import (
	"testing"

	"healthpassport/models"
)

func TestSpreadPercentileIsTheNearestRank(t *testing.T) {
	var s models.Spread
	for v := int64(1); v <= 10; v++ {
		s.Add(v*10, 1)
	}
	for p, want := range map[int64]int64{50: 50, 90: 90, 100: 100, 1: 10} {
		if got := s.Percentile(p); got != want {
			t.Errorf("percentile %d of 10 to 100: got %d, want %d", p, got, want)
		}
	}
	var empty models.Spread
	if empty.N() != 0 || empty.Percentile(50) != 0 {
		t.Error("an empty spread has no values")
	}
}
