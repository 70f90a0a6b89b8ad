package models_test

import (
	"testing"
	"time"

	"healthpassport/models"
)

func TestGlanceRules(t *testing.T) {
	at := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	reading := func(zone string, ago time.Duration) *models.Reading {
		return &models.Reading{Zone: zone, CreatedAt: at.Add(-ago)}
	}
	day := func(y int, m time.Month, d int) *time.Time {
		t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return &t
	}
	tests := []struct {
		name                                string
		glance                              models.Glance
		redNow, redBefore, overdue, needsUs bool
	}{
		{"nothing yet", models.Glance{}, false, false, false, false},
		{"green reading", models.Glance{Latest: reading(models.ZoneGreen, time.Hour)}, false, false, false, false},
		{"amber reading", models.Glance{Latest: reading(models.ZoneAmber, time.Hour)}, false, false, false, false},
		{"red an hour ago", models.Glance{Latest: reading(models.ZoneRed, time.Hour)}, true, false, false, true},
		{"red just under a day ago", models.Glance{Latest: reading(models.ZoneRed, 24*time.Hour-time.Minute)}, true, false, false, true},
		{"red a day ago", models.Glance{Latest: reading(models.ZoneRed, 24*time.Hour)}, false, true, false, true},
		{"review today", models.Glance{NextReviewOn: day(2026, 12, 7)}, false, false, false, false},
		{"review yesterday", models.Glance{NextReviewOn: day(2026, 12, 6)}, false, false, true, true},
		{"prescription ready", models.Glance{ReadyRequests: 1}, false, false, false, true},
		{"request turned down", models.Glance{RefusedRequests: 2}, false, false, false, true},
		{"requests only waiting", models.Glance{WaitingRequests: 3}, false, false, false, false},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			g := test.glance
			g.At = at
			if got := g.RedNow(); got != test.redNow {
				t.Errorf("RedNow = %v, want %v", got, test.redNow)
			}
			if got := g.RedBefore(); got != test.redBefore {
				t.Errorf("RedBefore = %v, want %v", got, test.redBefore)
			}
			if got := g.ReviewOverdue(); got != test.overdue {
				t.Errorf("ReviewOverdue = %v, want %v", got, test.overdue)
			}
			if got := g.NeedsThePerson(); got != test.needsUs {
				t.Errorf("NeedsThePerson = %v, want %v", got, test.needsUs)
			}
		})
	}
}
