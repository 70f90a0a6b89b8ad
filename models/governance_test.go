package models_test

import (
	"strings"
	"testing"

	"healthpassport/models"
)

// TestCheckTemplateVariant: a variant keeps its base's blanks where they
// were, refuses a check-in with no red-zone sign, a required medicine the
// template does not list, and percentages that make no sense, each on the
// field that mends it.
func TestCheckTemplateVariant(t *testing.T) {
	base := models.TemplateContent{
		PeakFlow:  &models.PeakFlowRule{AmberPercent: 80, RedPercent: 50},
		Medicines: []models.Medicine{{Purpose: "Preventer"}, {Purpose: "Reliever"}},
		Zones: []models.TemplateZone{
			{Colour: models.ZoneGreen, Title: "Every day",
				Signs:   []models.TemplateLine{{Text: "Well"}, {Blank: &models.Placeholder{Lead: "My triggers:", Label: "What sets it off"}}, {Text: "Sleeping"}},
				Actions: []models.TemplateLine{{Text: "Take my preventer"}}},
			{Colour: models.ZoneRed, Title: "Attack", Actions: []models.TemplateLine{{Text: "Call 999"}}},
		},
	}
	good := models.TemplateEntry{
		Zones: []models.ZoneEntry{
			{Colour: models.ZoneGreen, Title: "Every day at home", Signs: "Well\nSleeping well\nPlaying", Actions: "Take my preventer"},
			{Colour: models.ZoneRed, Title: "Attack", Actions: "Call 999\n\n"},
		},
		Questions:    []models.CheckInQuestion{{Text: "Wheezy?", Zone: models.ZoneAmber}, {Text: "Too breathless to talk?", Zone: models.ZoneRed}, {}},
		Required:     []models.RequiredMedicine{{Purpose: "Reliever", Description: "a reliever inhaler"}, {}},
		AmberPercent: "75", RedPercent: "50",
	}
	tests := []struct {
		name  string
		edit  func(e *models.TemplateEntry)
		field string
		want  string
	}{
		{"a good variant", func(e *models.TemplateEntry) {}, "", ""},
		{"a zone with no title", func(e *models.TemplateEntry) { e.Zones[1].Title = "" }, "zone-red-title", "Enter a title for the red zone"},
		{"a zone with nothing to do", func(e *models.TemplateEntry) { e.Zones[1].Actions = " \n " }, "zone-red-actions", "Enter at least one line for red zone actions"},
		{"a line too long", func(e *models.TemplateEntry) { e.Zones[0].Signs = strings.Repeat("a", 301) }, "zone-green-signs", "Each line of green zone signs must be 300 characters or fewer"},
		{"no red-zone question", func(e *models.TemplateEntry) { e.Questions[1].Zone = models.ZoneAmber }, "question-0-zone", "At least one check-in question must be a red-zone sign"},
		{"a question with no zone", func(e *models.TemplateEntry) { e.Questions[2] = models.CheckInQuestion{Text: "Coughing?"} }, "question-2-zone", "Select the zone a yes to check-in question 3 means"},
		{"a carer's question alone", func(e *models.TemplateEntry) {
			e.Questions[2] = models.CheckInQuestion{AboutThem: "Is {name} ok?", Zone: models.ZoneAmber}
		}, "question-2-text", "Enter check-in question 3"},
		{"a required medicine not in the template", func(e *models.TemplateEntry) {
			e.Required[1] = models.RequiredMedicine{Purpose: "Insulin", Description: "insulin"}
		},
			"required-1-purpose", "Required medicine 2 must be one of the template's medicines: Preventer, Reliever"},
		{"a required medicine with no name", func(e *models.TemplateEntry) { e.Required[0].Description = "" }, "required-0-description", "Enter how a sentence names required medicine 1"},
		{"a percentage that is not a number", func(e *models.TemplateEntry) { e.AmberPercent = "eighty" }, "peak-amber", "Amber zone percentage must be a whole number, like 300"},
		{"a huge percentage", func(e *models.TemplateEntry) { e.AmberPercent = "99999999999999999999999" }, "peak-amber", "Amber zone percentage must be a whole number, like 300"},
		{"a percentage of 100", func(e *models.TemplateEntry) { e.RedPercent = "100" }, "peak-red", "Red zone percentage must be between 1 and 99"},
		{"red above amber", func(e *models.TemplateEntry) { e.RedPercent = "85" }, "peak-red", "Red zone percentage must be lower than the amber zone percentage"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			entry := good
			entry.Zones = append([]models.ZoneEntry(nil), good.Zones...)
			entry.Questions = append([]models.CheckInQuestion(nil), good.Questions...)
			entry.Required = append([]models.RequiredMedicine(nil), good.Required...)
			tc.edit(&entry)
			_, errs := models.CheckTemplateVariant(entry, base)
			if tc.field == "" {
				if len(errs) != 0 {
					t.Fatalf("errors %+v", errs)
				}
				return
			}
			if got := errs.For(tc.field); got != tc.want {
				t.Errorf("%s: %q (all: %+v); want %q", tc.field, got, errs, tc.want)
			}
		})
	}

	content, _ := models.CheckTemplateVariant(good, base)
	var signs []string
	for _, line := range content.Zones[0].Signs {
		signs = append(signs, line.Display())
	}
	if got := strings.Join(signs, " | "); got != "Well | My triggers: [the nurse writes: what sets it off] | Sleeping well | Playing" {
		t.Errorf("green signs = %q; want the blank kept second", got)
	}
	if len(content.SymptomQuestions) != 2 || len(content.RequiredMedicines) != 1 || *content.PeakFlow != (models.PeakFlowRule{AmberPercent: 75, RedPercent: 50}) ||
		len(content.Medicines) != 2 {
		t.Errorf("variant = %+v", content)
	}
}

func TestCheckTemplateApproval(t *testing.T) {
	tests := []struct {
		approval    models.TemplateApproval
		field, want string
	}{
		{models.TemplateApproval{Statement: "Reviewed against BTS/SIGN 2024", SafetyCaseRef: "CSC-14"}, "", ""},
		{models.TemplateApproval{SafetyCaseRef: "CSC-14"}, "statement", "Enter your clinical safety statement"},
		{models.TemplateApproval{Statement: "Reviewed"}, "safety-case", "Enter the reference to your local safety case"},
		{models.TemplateApproval{Statement: "Reviewed", SafetyCaseRef: strings.Repeat("x", 201)}, "safety-case", "Safety case reference must be 200 characters or fewer"},
	}
	for _, tc := range tests {
		errs := models.CheckTemplateApproval(tc.approval)
		if tc.field == "" && len(errs) != 0 || tc.field != "" && errs.For(tc.field) != tc.want {
			t.Errorf("%+v: %+v; want %s %q", tc.approval, errs, tc.field, tc.want)
		}
	}
}
