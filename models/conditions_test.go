package models

import "testing"

// TestEachConditionHasOneName: a condition is named the same by its
// standard template, and so its plans, as by the dashboards' filter:
// "sickle cell disorder", never "disease" as well.
func TestEachConditionHasOneName(t *testing.T) {
	names := map[string]string{}
	for _, c := range OutcomeConditions {
		names[c.Code] = c.Name
	}
	for _, st := range StandardTemplates {
		if names[st.Snomed] != st.Name {
			t.Errorf("template %s is named %q; the dashboards name SNOMED CT %s %q", st.Key, st.Name, st.Snomed, names[st.Snomed])
		}
	}
}
