package models

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// OutcomeConditions are the conditions a commissioner can filter by, by
// SNOMED CT code.
var OutcomeConditions = []struct{ Code, Name string }{
	{SnomedAsthma, "Asthma"},
	{"84757009", "Epilepsy"},
	{"46635009", "Type 1 diabetes"},
	{"39579001", "Anaphylaxis"},
	{"417357006", "Sickle cell disorder"},
}

// OutcomeFilterRule reads a dashboard's filters. practices are those the
// person may see; any other practice is refused, as is any value the
// filter form does not offer. An empty value means "all".
func OutcomeFilterRule(practice, condition, ageBand, months, by string, practices []Organisation) (OutcomeFilter, FieldErrors) {
	var filter OutcomeFilter
	var errs FieldErrors
	if practice != "" {
		id, err := strconv.ParseUint(practice, 10, 32)
		i := slices.IndexFunc(practices, func(o Organisation) bool { return err == nil && uint64(o.ID) == id })
		if i < 0 {
			errs.Add("practice", "Select a practice from the list")
		} else {
			filter.PracticeID = practices[i].ID
		}
	}
	if condition != "" && !slices.ContainsFunc(OutcomeConditions, func(c struct{ Code, Name string }) bool { return c.Code == condition }) {
		errs.Add("condition", "Select a condition from the list")
	}
	filter.Condition = condition
	if ageBand != "" && !slices.ContainsFunc(AgeBands, func(b AgeBand) bool { return b.Key == ageBand }) {
		errs.Add("age", "Select an age band from the list")
	}
	filter.AgeBand = ageBand
	if months != "" {
		n, err := strconv.Atoi(months)
		if err != nil || !slices.Contains(OutcomePeriods, n) {
			errs.Add("period", "Select a period from the list")
		} else {
			filter.Months = n
		}
	}
	if by != "" && by != ByMonth && by != ByWeek {
		errs.Add("by", "Select month or week")
	}
	filter.By = by
	return filter, errs
}

// ReportMonthRule reads a report's month, written YYYY-MM: a whole month
// up to the current one. Without one the report is of the last whole
// month. The month is its first day, midnight UK time; a wrong one gives
// the last whole month with the error.
func ReportMonthRule(value string, now time.Time) (time.Time, FieldErrors) {
	var errs FieldErrors
	uk := now.In(UK)
	current := time.Date(uk.Year(), uk.Month(), 1, 0, 0, 0, 0, UK)
	lastWhole := current.AddDate(0, -1, 0)
	if value == "" {
		return lastWhole, errs
	}
	month, err := time.ParseInLocation("2006-01", value, UK)
	switch {
	case err != nil || len(value) != 7:
		errs.Add("month", "Enter the month as a year and month, for example 2026-03")
	case month.After(current):
		errs.Add("month", "Month must be this month or earlier")
	case month.Before(current.AddDate(-5, 0, 0)):
		errs.Add("month", "Month must be within the last 5 years")
	default:
		return month, errs
	}
	return lastWhole, errs
}

// Answers to the unplanned care question: the most serious care the person
// needed because of their condition since they were last asked.
const (
	UnplannedNone     = "none"
	UnplannedUrgentGP = "urgent-gp"
	UnplannedAE       = "a-and-e"
	UnplannedHospital = "hospital"
)

// UnplannedCareChoices are the answers in the order a form offers them,
// least serious first.
var UnplannedCareChoices = []string{UnplannedNone, UnplannedUrgentGP, UnplannedAE, UnplannedHospital}

// UnplannedCareField is the form field of the unplanned care question.
const UnplannedCareField = "unplanned-care"

// CheckUnplannedCare reads the answer to the unplanned care question;
// who is the person asked about, "you" or a name, for the error message.
func CheckUnplannedCare(answer, who string) (string, FieldErrors) {
	var errs FieldErrors
	if !slices.Contains(UnplannedCareChoices, answer) {
		errs.Add(UnplannedCareField+"-"+UnplannedNone, "Select if "+who+" needed urgent care, or select no")
		return "", errs
	}
	return answer, errs
}

// IsAsthma says whether a plan's condition is asthma, whose check-ins and
// reviews ask the RCP questions.
func IsAsthma(plan ActionPlan) bool { return plan.SnomedCode == SnomedAsthma }

// RCPQuestions are the Royal College of Physicians' three questions about
// asthma control over the last month. Each yes scores 1: 0 means well
// controlled, 1 partly and 2 or 3 poorly controlled.
var RCPQuestions = []CheckInQuestion{
	{Text: "In the last month, have you had difficulty sleeping because of your asthma symptoms, including cough?",
		AboutThem: "In the last month, has {name} had difficulty sleeping because of asthma symptoms, including cough?"},
	{Text: "In the last month, have you had your usual asthma symptoms during the day, such as cough, wheeze, chest tightness or breathlessness?",
		AboutThem: "In the last month, has {name} had their usual asthma symptoms during the day, such as cough, wheeze, chest tightness or breathlessness?"},
	{Text: "In the last month, has your asthma stopped you doing your usual activities, such as school, work or housework?",
		AboutThem: "In the last month, has asthma stopped {name} doing their usual activities, such as school, work or housework?"},
}

// RCPField is the form field of the i-th of the RCP questions.
func RCPField(i int) string { return fmt.Sprintf("rcp%d", i) }

// CheckRCPAnswers reads the yes or no answers to the RCP questions, worded
// as questions for the error messages, and scores them.
func CheckRCPAnswers(answers, questions []string) (*int, FieldErrors) {
	var errs FieldErrors
	score := 0
	for i, question := range questions {
		var answer string
		if i < len(answers) {
			answer = answers[i]
		}
		switch answer {
		case "yes":
			score++
		case "no":
		default:
			errs.Add(RCPField(i)+"-yes", "Answer yes or no: "+question)
		}
	}
	return &score, errs
}
