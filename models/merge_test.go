package models_test

import (
	"reflect"
	"testing"

	"healthpassport/models"
)

// mergeBase is a small plan with one open blank in the amber actions.
func mergeBase() models.PlanContent {
	return models.PlanContent{
		PeakFlow: &models.PeakFlow{PersonalBest: 400, AmberBelow: 320, RedBelow: 200},
		Zones: []models.Zone{
			{Colour: models.ZoneGreen, Title: "Keep going", Signs: []string{"Breathing is easy"}, Actions: []string{"Take the preventer"}},
			{Colour: models.ZoneAmber, Title: "Getting worse", Signs: []string{"Coughing"}, Actions: []string{"Take the reliever"}},
			{Colour: models.ZoneRed, Title: "Get help now", Signs: []string{"Cannot speak"}, Actions: []string{"Call 999"}},
		},
		Medicines: []models.Medicine{
			{Name: "Clenil", Dose: "2 puffs", Frequency: "twice a day", Purpose: "preventer"},
			{Name: "Salbutamol", Dose: "2 puffs", Frequency: "when needed", Purpose: "reliever"},
		},
		Blanks: []models.Blank{{Placeholder: models.Placeholder{Lead: "Call", Label: "Who to call"}, Zone: models.ZoneAmber, Part: models.PartActions, Line: 1}},
	}
}

func edit(change func(p *models.PlanContent)) models.PlanContent {
	p := mergeBase()
	change(&p)
	return p
}

func TestMergePlans(t *testing.T) {
	answered := func(p *models.PlanContent) { p.FillBlanks([]string{"the clinic on 01632 960000"}) }
	cases := []struct {
		name     string
		theirs   models.PlanContent
		yours    models.PlanContent
		useYours map[string]bool
		want     models.PlanContent
		clashes  []string
	}{{
		name:   "disjoint changes are both kept",
		theirs: edit(func(p *models.PlanContent) { p.Zones[0].Title = "All well" }),
		yours:  edit(func(p *models.PlanContent) { p.Zones[2].Actions = []string{"Call 999", "Sit upright"} }),
		want: edit(func(p *models.PlanContent) {
			p.Zones[0].Title = "All well"
			p.Zones[2].Actions = []string{"Call 999", "Sit upright"}
		}),
	}, {
		name:    "a field both changed is a clash and keeps theirs",
		theirs:  edit(func(p *models.PlanContent) { p.Zones[1].Title = "Theirs" }),
		yours:   edit(func(p *models.PlanContent) { p.Zones[1].Title = "Yours" }),
		want:    edit(func(p *models.PlanContent) { p.Zones[1].Title = "Theirs" }),
		clashes: []string{"Amber zone title"},
	}, {
		name:     "a clash chosen as yours takes yours",
		theirs:   edit(func(p *models.PlanContent) { p.Zones[1].Title = "Theirs"; p.PeakFlow.RedBelow = 180 }),
		yours:    edit(func(p *models.PlanContent) { p.Zones[1].Title = "Yours"; p.PeakFlow.RedBelow = 190 }),
		useYours: map[string]bool{"Amber zone title": true},
		want:     edit(func(p *models.PlanContent) { p.Zones[1].Title = "Yours"; p.PeakFlow.RedBelow = 180 }),
		clashes:  []string{"Red zone below", "Amber zone title"},
	}, {
		name:   "the same change on both sides is no clash",
		theirs: edit(func(p *models.PlanContent) { p.PeakFlow.PersonalBest = 420 }),
		yours:  edit(func(p *models.PlanContent) { p.PeakFlow.PersonalBest = 420 }),
		want:   edit(func(p *models.PlanContent) { p.PeakFlow.PersonalBest = 420 }),
	}, {
		name:   "a field only they changed keeps theirs though yours still says the base",
		theirs: edit(func(p *models.PlanContent) { p.Zones[0].Signs = []string{"Sleeping well"} }),
		yours:  mergeBase(),
		want:   edit(func(p *models.PlanContent) { p.Zones[0].Signs = []string{"Sleeping well"} }),
	}, {
		name:   "medicines changed and added at different places are both kept",
		theirs: edit(func(p *models.PlanContent) { p.Medicines[0].Dose = "1 puff" }),
		yours: edit(func(p *models.PlanContent) {
			p.Medicines = append(p.Medicines, models.Medicine{Name: "Prednisolone", Dose: "40mg", Frequency: "once a day"})
		}),
		want: edit(func(p *models.PlanContent) {
			p.Medicines[0].Dose = "1 puff"
			p.Medicines = append(p.Medicines, models.Medicine{Name: "Prednisolone", Dose: "40mg", Frequency: "once a day"})
		}),
	}, {
		name:   "a medicine they removed stays removed, and your change to another is kept",
		theirs: edit(func(p *models.PlanContent) { p.Medicines = p.Medicines[1:] }),
		yours:  edit(func(p *models.PlanContent) { p.Medicines[1].Frequency = "up to 4 times a day" }),
		want: edit(func(p *models.PlanContent) {
			p.Medicines = []models.Medicine{{Name: "Salbutamol", Dose: "2 puffs", Frequency: "up to 4 times a day", Purpose: "reliever"}}
		}),
	}, {
		name:    "a medicine they removed and you changed is a clash",
		theirs:  edit(func(p *models.PlanContent) { p.Medicines = p.Medicines[1:] }),
		yours:   edit(func(p *models.PlanContent) { p.Medicines[0].Dose = "1 puff" }),
		want:    edit(func(p *models.PlanContent) { p.Medicines = p.Medicines[1:] }),
		clashes: []string{"Medicine: Clenil"},
	}, {
		name:   "a blank they answered stays answered",
		theirs: edit(answered),
		yours:  edit(func(p *models.PlanContent) { p.Zones[0].Title = "All well" }),
		want:   edit(func(p *models.PlanContent) { answered(p); p.Zones[0].Title = "All well" }),
	}, {
		name:   "a blank you answered is answered",
		theirs: edit(func(p *models.PlanContent) { p.Zones[0].Title = "All well" }),
		yours:  edit(answered),
		want:   edit(func(p *models.PlanContent) { answered(p); p.Zones[0].Title = "All well" }),
	}, {
		name:     "a blank stays open when you choose your lines without its answer",
		theirs:   edit(answered),
		yours:    edit(func(p *models.PlanContent) { p.Zones[1].Actions = []string{"Take 4 puffs of the reliever"} }),
		useYours: map[string]bool{"Amber zone what to do": true},
		want:     edit(func(p *models.PlanContent) { p.Zones[1].Actions = []string{"Take 4 puffs of the reliever"} }),
		clashes:  []string{"Amber zone what to do"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := mergeBase()
			got, clashes := models.MergePlans(base, tc.theirs, tc.yours, tc.useYours)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("merged\n%+v\nwant\n%+v", got, tc.want)
			}
			var names []string
			for _, clash := range clashes {
				names = append(names, clash.Field)
			}
			if !reflect.DeepEqual(names, tc.clashes) {
				t.Errorf("clashes %q; want %q", names, tc.clashes)
			}
			if !reflect.DeepEqual(base, mergeBase()) {
				t.Error("the merge changed the base")
			}
		})
	}
}
