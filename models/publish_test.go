package models_test

import (
	"testing"

	"healthpassport/models"
)

func TestCheckInZone(t *testing.T) {
	questions := []models.CheckInQuestion{{Text: "Worse?", Zone: models.ZoneAmber}, {Text: "Cannot breathe?", Zone: models.ZoneRed}}
	cases := []struct {
		yes  []bool
		want string
	}{
		{[]bool{false, false}, models.ZoneGreen},
		{[]bool{true, false}, models.ZoneAmber},
		{[]bool{false, true}, models.ZoneRed},
		{[]bool{true, true}, models.ZoneRed},
	}
	for _, tc := range cases {
		if got := models.CheckInZone(questions, tc.yes); got != tc.want {
			t.Errorf("answers %v: %s zone; want %s", tc.yes, got, tc.want)
		}
	}
}
