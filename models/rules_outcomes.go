package models

import (
	"slices"
	"strconv"
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
func OutcomeFilterRule(practice, condition, ageBand, months string, practices []Organisation) (OutcomeFilter, FieldErrors) {
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
	return filter, errs
}
