package models_test

import (
	"testing"

	"healthpassport/models"
)

func TestOutcomeFilterRuleReadsTheGrouping(t *testing.T) {
	practices := []models.Organisation{{ID: 4, Name: "Ashfield"}}
	for _, test := range []struct {
		name, by string
		want     string
		errs     models.FieldErrors
	}{
		{"by month unless asked", "", models.ByMonth, nil},
		{"by week", models.ByWeek, models.ByWeek, nil},
		{"by fortnight is not offered", "fortnight", models.ByMonth, errs("by", "Select month or week")},
	} {
		filter, got := models.OutcomeFilterRule("4", models.SnomedAsthma, "5-11", "6", test.by, practices)
		checkErrors(t, test.name, got, test.errs)
		if len(test.errs) == 0 && (filter.Grouping() != test.want || filter.PracticeID != 4 || filter.Period() != 6) {
			t.Errorf("%s: got %+v", test.name, filter)
		}
	}
}

func TestCheckUnplannedCare(t *testing.T) {
	for _, test := range []struct {
		answer string
		errs   models.FieldErrors
	}{
		{models.UnplannedNone, nil},
		{models.UnplannedUrgentGP, nil},
		{models.UnplannedAE, nil},
		{models.UnplannedHospital, nil},
		{"", errs("unplanned-care-none", "Select if you needed urgent care, or select no")},
		{"ambulance", errs("unplanned-care-none", "Select if you needed urgent care, or select no")},
		{"none\xff", errs("unplanned-care-none", "Select if you needed urgent care, or select no")},
	} {
		got, gotErrs := models.CheckUnplannedCare(test.answer, "you")
		checkErrors(t, test.answer, gotErrs, test.errs)
		if len(test.errs) == 0 && got != test.answer {
			t.Errorf("%q read as %q", test.answer, got)
		}
	}
}

func TestCheckRCPAnswersScoresEachYes(t *testing.T) {
	asked := []string{"Sleep?", "Day?", "Activities?"}
	for _, test := range []struct {
		name    string
		answers []string
		score   int
		errs    models.FieldErrors
	}{
		{"well controlled", []string{"no", "no", "no"}, 0, nil},
		{"partly", []string{"no", "yes", "no"}, 1, nil},
		{"poorly", []string{"yes", "yes", "yes"}, 3, nil},
		{"unanswered", []string{"yes"}, 0, errs("rcp1-yes", "Answer yes or no: Day?", "rcp2-yes", "Answer yes or no: Activities?")},
	} {
		score, got := models.CheckRCPAnswers(test.answers, asked)
		checkErrors(t, test.name, got, test.errs)
		if len(test.errs) == 0 && *score != test.score {
			t.Errorf("%s: scored %d, want %d", test.name, *score, test.score)
		}
	}
}

func TestReportMonthRule(t *testing.T) {
	for _, test := range []struct {
		value, want string
		errs        models.FieldErrors
	}{
		{"", "2026-02", nil}, // the last whole month
		{"2026-03", "2026-03", nil},
		{"2025-04", "2025-04", nil},
		{"2026-04", "2026-02", errs("month", "Month must be this month or earlier")},
		{"2020-01", "2026-02", errs("month", "Month must be within the last 5 years")},
		{"March", "2026-02", errs("month", "Enter the month as a year and month, for example 2026-03")},
		{"2026-3", "2026-02", errs("month", "Enter the month as a year and month, for example 2026-03")},
		{"99999999999999999999-01", "2026-02", errs("month", "Enter the month as a year and month, for example 2026-03")},
	} {
		month, got := models.ReportMonthRule(test.value, ruleNow)
		checkErrors(t, test.value, got, test.errs)
		if month.Format("2006-01") != test.want || month.Location() != models.UK || month.Day() != 1 || month.Hour() != 0 {
			t.Errorf("%q: got %v, want the start of %s in the UK", test.value, month, test.want)
		}
	}
}
