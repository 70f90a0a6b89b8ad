package models

import (
	"slices"
	"testing"
)

func TestScopeResourceTypesReadsBothSMARTSyntaxes(t *testing.T) {
	for _, c := range []struct {
		scope   string
		granted bool
		covers  []string
	}{
		{"system/Patient.rs", true, []string{"Patient"}},
		{"system/Patient.read", true, []string{"Patient"}},
		{"system/Observation.rs", true, []string{"Observation"}},
		{"system/MedicationStatement.read", true, []string{"MedicationStatement"}},
		{"system/*.rs", true, APIResourceTypes},
		{"system/*.read", true, APIResourceTypes},
		{"system/Patient.write", false, nil},
		{"system/Patient.cruds", false, nil},
		{"system/Patient.r", false, nil},
		{"system/Patient.*", false, nil},
		{"system/*.*", false, nil},
		{"system/*.write", false, nil},
		{"patient/Patient.read", false, nil},
		{"user/*.rs", false, nil},
		{"system/Encounter.rs", false, nil},
		{"system/patient.rs", false, nil},
		{"system/Patient", false, nil},
		{"system/Patient.rs.read", false, nil},
		{"system/.rs", false, nil},
		{"Patient.rs", false, nil},
		{"launch", false, nil},
		{"", false, nil},
	} {
		covers, granted := ScopeResourceTypes(c.scope)
		if granted != c.granted || !slices.Equal(covers, c.covers) {
			t.Errorf("%q: covers %v, granted %v; want %v, %v", c.scope, covers, granted, c.covers, c.granted)
		}
	}
}

func TestScopesCoverMapsV1AndV2ToTheSameRight(t *testing.T) {
	for _, c := range []struct {
		scopes       []string
		resourceType string
		covered      bool
	}{
		{[]string{"system/Patient.rs"}, "Patient", true},
		{[]string{"system/Patient.read"}, "Patient", true},
		{[]string{"system/Patient.read"}, "Condition", false},
		{[]string{"system/*.read"}, "Condition", true},
		{[]string{"system/*.rs"}, "Organization", true},
		{[]string{"system/Patient.write", "system/Condition.rs"}, "Patient", false},
		{nil, "Patient", false},
	} {
		if got := ScopesCover(c.scopes, c.resourceType); got != c.covered {
			t.Errorf("%v cover %s: %v, want %v", c.scopes, c.resourceType, got, c.covered)
		}
	}
}

// Every scope advertised is one the API grants.
func TestSupportedScopesAreAllGranted(t *testing.T) {
	scopes := SupportedScopes()
	for _, want := range []string{"system/*.rs", "system/*.read", "system/Patient.rs", "system/Patient.read"} {
		if !slices.Contains(scopes, want) {
			t.Errorf("supported scopes lack %s", want)
		}
	}
	for _, scope := range scopes {
		if _, granted := ScopeResourceTypes(scope); !granted {
			t.Errorf("%s is advertised but not granted", scope)
		}
	}
}
