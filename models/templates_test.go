package models_test

import (
	"testing"

	"healthpassport/models"
	"healthpassport/models/demo"
)

func TestPlanFillsInThresholds(t *testing.T) {
	plan := demo.AsthmaPlan(400)
	if plan.PeakFlow.AmberBelow != 320 || plan.PeakFlow.RedBelow != 200 {
		t.Errorf("thresholds for 400 = %+v", plan.PeakFlow)
	}
	red := plan.RenderedZones()[2]
	if got := red.Signs[len(red.Signs)-1]; got != "My peak flow is below 200" {
		t.Errorf("the red zone's last sign reads %q", got)
	}
}

func TestRenderedZonesPutThePersonsThresholdsIntoLines(t *testing.T) {
	withPeakFlow := models.PlanContent{PeakFlow: &models.PeakFlow{PersonalBest: 400, AmberBelow: 320, RedBelow: 200}}
	for _, c := range []struct {
		name string
		plan models.PlanContent
		line string
		want string
	}{
		{"both thresholds", withPeakFlow, "Peak flow below {amber}, or below {red} in the red zone", "Peak flow below 320, or below 200 in the red zone"},
		{"a threshold twice", withPeakFlow, "{red} means below {red}", "200 means below 200"},
		{"no placeholder", withPeakFlow, "Take the preventer", "Take the preventer"},
		{"another brace", withPeakFlow, "Call {the clinic}", "Call {the clinic}"},
		{"no peak flow", models.PlanContent{}, "Below {amber}", "Below your amber zone threshold"},
		{"no personal best yet", models.PlanContent{PeakFlow: &models.PeakFlow{AmberBelow: 320}}, "Below {red}", "Below your red zone threshold"},
	} {
		c.plan.Zones = []models.Zone{{Colour: models.ZoneAmber, Signs: []string{c.line}, Actions: []string{c.line}}}
		zone := c.plan.RenderedZones()[0]
		if zone.Signs[0] != c.want || zone.Actions[0] != c.want {
			t.Errorf("%s: %q renders as %q and %q; want %q", c.name, c.line, zone.Signs[0], zone.Actions[0], c.want)
		}
	}
}
