package models

import (
	"errors"
	"regexp"
	"slices"
	"strings"
)

// Organisation errors, each a rule the database decides.
var (
	ErrODSCodeTaken = errors.New("an organisation already has this ODS code")
	// ErrPracticeClosed refuses any change to the record of a patient of a
	// closed practice, and any change to the practice itself.
	ErrPracticeClosed = errors.New("the practice is closed: its records can be read but not changed")
)

// CareKinds are the kinds of organisation that look after patients: a
// patient belongs to one, and its nurses work there.
var CareKinds = []string{OrganisationPractice, OrganisationClinic}

// Open reports whether the organisation is still working.
func (o Organisation) Open() bool { return o.ClosedAt == nil }

// KindName is the kind of an organisation as people say it.
func KindName(kind string) string {
	switch kind {
	case OrganisationICB:
		return "integrated care board"
	case OrganisationPractice:
		return "GP practice"
	case OrganisationClinic:
		return "clinic"
	}
	return kind
}

// ODS code formats, as the Organisation Data Service issues them.
var (
	// A GP practice has a prescribing cost centre code: a letter and five
	// digits, such as A81001 (new practices in England start with Y).
	practiceODSCode = regexp.MustCompile(`^[A-Z][0-9]{5}$`)
	// An integrated care board's code is Q and two letters or digits, such
	// as QWE; its sub-ICB locations keep their former clinical
	// commissioning groups' codes, two digits and a letter such as 15N, or
	// the five characters of a merged group, such as X2C4Y.
	icbODSCode = regexp.MustCompile(`^(Q[A-Z0-9]{2}|[0-9]{2}[A-Z]|[A-Z][0-9][A-Z][0-9][A-Z])$`)
	// A clinic that is not a GP practice is a site of an NHS trust (its
	// trust's R code and two more characters, such as RJ122), of an
	// independent provider (N and four more, such as NT401), or a
	// prescribing cost centre such as a walk-in centre (as a practice).
	clinicODSCode = regexp.MustCompile(`^([RN][A-Z0-9]{4}|[A-Z][0-9]{5})$`)
)

// NormaliseODSCode writes an ODS code as the Organisation Data Service
// does: capital letters, no spaces.
func NormaliseODSCode(code string) string {
	return strings.ToUpper(strings.Join(strings.Fields(code), ""))
}

// ValidODSCode reports whether a code has the format of an organisation
// of its kind.
func ValidODSCode(kind, code string) bool {
	switch kind {
	case OrganisationPractice:
		return practiceODSCode.MatchString(code)
	case OrganisationICB:
		return icbODSCode.MatchString(code)
	case OrganisationClinic:
		return clinicODSCode.MatchString(code)
	}
	return false
}

// odsCodeHint says what a kind's ODS code looks like, for its error.
func odsCodeHint(kind string) string {
	switch kind {
	case OrganisationPractice:
		return "Enter a GP practice's ODS code: a letter then 5 numbers, like A81001"
	case OrganisationClinic:
		return "Enter the clinic's ODS code: 5 characters starting with R or N, like RJ122, or a letter then 5 numbers, like Y02735"
	}
	return "Enter the ICB's ODS code: 3 characters, like QWE or 15N"
}

// OrganisationEntry is an organisation as an administrator entered it.
type OrganisationEntry struct {
	Kind, Name, ODSCode string
}

// NewOrganisation is a checked practice or clinic.
type NewOrganisation struct {
	Kind, Name, ODSCode string
}

// CheckOrganisation checks a new practice or clinic: a kind, a name, and
// an ODS code of the kind's format. Whether the code is free is for the
// database to say.
func CheckOrganisation(entry OrganisationEntry) (NewOrganisation, FieldErrors) {
	var errs FieldErrors
	if !slices.Contains(CareKinds, entry.Kind) {
		errs.Add("kind", "Choose whether it is a GP practice or a clinic")
	}
	name := checkOrganisationName(&errs, entry.Name)
	code := NormaliseODSCode(entry.ODSCode)
	switch {
	case code == "":
		errs.Add("ods-code", "Enter the ODS code")
	case slices.Contains(CareKinds, entry.Kind) && !ValidODSCode(entry.Kind, code):
		errs.Add("ods-code", odsCodeHint(entry.Kind))
	}
	return NewOrganisation{Kind: entry.Kind, Name: name, ODSCode: code}, errs
}

// CheckOrganisationName checks a new name for an organisation.
func CheckOrganisationName(name string) (string, FieldErrors) {
	var errs FieldErrors
	return checkOrganisationName(&errs, name), errs
}

func checkOrganisationName(errs *FieldErrors, name string) string {
	name = strings.Join(strings.Fields(name), " ")
	errs.requireText("name", name, "Enter the organisation's name", "Name", 200)
	return name
}

// OrganisationSummary is an organisation with how many patients it has.
type OrganisationSummary struct {
	Organisation
	Patients int64
}

// ErrSamePractice refuses moving patients to the practice they are at.
var ErrSamePractice = errors.New("the patients are at that practice already")
