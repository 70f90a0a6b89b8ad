package models_test

import (
	"strings"
	"testing"

	"healthpassport/models"
)

func TestODSCodeFormats(t *testing.T) {
	for _, c := range []struct {
		kind, code string
		valid      bool
	}{
		{models.OrganisationPractice, "A81001", true},
		{models.OrganisationPractice, "Y90001", true},
		{models.OrganisationPractice, "A8100", false},
		{models.OrganisationPractice, "AA1001", false},
		{models.OrganisationPractice, "181001", false},
		{models.OrganisationPractice, "A810011", false},
		{models.OrganisationICB, "QWE", true},
		{models.OrganisationICB, "15N", true},
		{models.OrganisationICB, "X2C4Y", true},
		{models.OrganisationICB, "QW", false},
		{models.OrganisationICB, "WWE", false},
		{models.OrganisationICB, "A81001", false},
		{models.OrganisationClinic, "RJ122", true},
		{models.OrganisationClinic, "NT401", true},
		{models.OrganisationClinic, "Y02735", true},
		{models.OrganisationClinic, "RJ1", false},
		{models.OrganisationClinic, "AJ122", false},
		{"school", "A81001", false},
	} {
		if got := models.ValidODSCode(c.kind, c.code); got != c.valid {
			t.Errorf("%s %s: valid %v; want %v", c.kind, c.code, got, c.valid)
		}
	}
}

func TestCheckOrganisation(t *testing.T) {
	for _, c := range []struct {
		name  string
		entry models.OrganisationEntry
		want  models.NewOrganisation
		errs  models.FieldErrors
	}{
		{"a practice, tidied", models.OrganisationEntry{Kind: "practice", Name: "  Valley   Surgery ", ODSCode: " a81 001 "},
			models.NewOrganisation{Kind: "practice", Name: "Valley Surgery", ODSCode: "A81001"}, nil},
		{"a clinic", models.OrganisationEntry{Kind: "clinic", Name: "Valley Clinic", ODSCode: "rj122"},
			models.NewOrganisation{Kind: "clinic", Name: "Valley Clinic", ODSCode: "RJ122"}, nil},
		{"nothing", models.OrganisationEntry{}, models.NewOrganisation{},
			errs("kind", "Choose whether it is a GP practice or a clinic", "name", "Enter the organisation's name", "ods-code", "Enter the ODS code")},
		{"an ICB", models.OrganisationEntry{Kind: "icb", Name: "Another ICB", ODSCode: "QWE"},
			models.NewOrganisation{Kind: "icb", Name: "Another ICB", ODSCode: "QWE"},
			errs("kind", "Choose whether it is a GP practice or a clinic")},
		{"a practice with a clinic's code", models.OrganisationEntry{Kind: "practice", Name: "Valley Surgery", ODSCode: "RJ122"},
			models.NewOrganisation{Kind: "practice", Name: "Valley Surgery", ODSCode: "RJ122"},
			errs("ods-code", "Enter a GP practice's ODS code: a letter then 5 numbers, like A81001")},
		{"a clinic with an ICB's code", models.OrganisationEntry{Kind: "clinic", Name: "Valley Clinic", ODSCode: "15N"},
			models.NewOrganisation{Kind: "clinic", Name: "Valley Clinic", ODSCode: "15N"},
			errs("ods-code", "Enter the clinic's ODS code: 5 characters starting with R or N, like RJ122, or a letter then 5 numbers, like Y02735")},
		{"a long name", models.OrganisationEntry{Kind: "practice", Name: strings.Repeat("Ж", 201), ODSCode: "A81001"},
			models.NewOrganisation{Kind: "practice", Name: strings.Repeat("Ж", 201), ODSCode: "A81001"},
			errs("name", "Name must be 200 characters or fewer")},
	} {
		got, gotErrs := models.CheckOrganisation(c.entry)
		checkErrors(t, c.name, gotErrs, c.errs)
		if got != c.want {
			t.Errorf("%s: got %+v; want %+v", c.name, got, c.want)
		}
	}
}
