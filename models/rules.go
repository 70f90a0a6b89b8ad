package models

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldError is one problem with what someone entered, tied to the field
// that mends it.
type FieldError struct {
	Field   string
	Message string
}

// FieldErrors are the problems a rule found, in the order of the fields,
// so that an error summary lists them as the form does. The rules are
// plain functions of what was entered, for any door: a form or the API.
type FieldErrors []FieldError

// Add records a problem with a field; the first problem per field wins,
// as a person mends one thing at a time.
func (errs *FieldErrors) Add(field, message string) {
	if errs.For(field) == "" {
		*errs = append(*errs, FieldError{field, message})
	}
}

// For is the problem with a field, or "" when there is none.
func (errs FieldErrors) For(field string) string {
	for _, e := range errs {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// requireText checks a required text's presence and length. Any printable
// character is allowed: notes say "<150" and "peak flow >80%", and pages
// escape what they show.
func (errs *FieldErrors) requireText(field, value, missing, label string, max int) {
	switch {
	case value == "":
		errs.Add(field, missing)
	case utf8.RuneCountInString(value) > max:
		errs.Add(field, label+" must be "+strconv.Itoa(max)+" characters or fewer")
	}
}

// optionalText checks the length of a text that may be left empty.
func (errs *FieldErrors) optionalText(field, value, label string, max int) {
	if value != "" {
		errs.requireText(field, value, "", label, max)
	}
}

// DateInput is a date as the NHS date input pattern asks for it: day,
// month and year typed separately.
type DateInput struct {
	Day, Month, Year string
}

// readDate checks a date input named field (its parts are field-day,
// field-month and field-year). label is how messages name the date, such
// as "Date of birth"; a date that must be in the past is compared with now.
func (errs *FieldErrors) readDate(field, label string, input DateInput, now time.Time, mustBePast bool) (time.Time, bool) {
	parts := []struct{ name, value string }{{"day", input.Day}, {"month", input.Month}, {"year", input.Year}}
	if input.Day == "" && input.Month == "" && input.Year == "" {
		errs.Add(field+"-day", "Enter "+lowerFirst(label))
		return time.Time{}, false
	}
	for _, part := range parts {
		if part.value == "" {
			errs.Add(field+"-"+part.name, label+" must include a "+part.name)
			return time.Time{}, false
		}
	}
	day, errDay := strconv.Atoi(input.Day)
	month, errMonth := strconv.Atoi(input.Month)
	year, errYear := strconv.Atoi(input.Year)
	if errDay != nil || errMonth != nil || errYear != nil || len(input.Year) != 4 {
		errs.Add(field+"-day", label+" must be a real date")
		return time.Time{}, false
	}
	date := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if date.Day() != day || int(date.Month()) != month || date.Year() != year {
		errs.Add(field+"-day", label+" must be a real date")
		return time.Time{}, false
	}
	if mustBePast && !date.Before(now) {
		errs.Add(field+"-day", label+" must be in the past")
		return time.Time{}, false
	}
	if year < 1900 {
		errs.Add(field+"-year", label+" must be after 1900")
		return time.Time{}, false
	}
	return date, true
}

// CheckDateOfBirth reads a date of birth entered in the date input named
// field.
func CheckDateOfBirth(field string, input DateInput, now time.Time) (time.Time, FieldErrors) {
	var errs FieldErrors
	date, _ := errs.readDate(field, "Date of birth", input, now, true)
	return date, errs
}

// wholeNumber reads a count such as litres a minute. A required number
// left empty, or one that is not a whole number, is refused; an optional
// one left empty reads as 0.
func (errs *FieldErrors) wholeNumber(field, value, label string, required bool) (int, bool) {
	if value == "" {
		if required {
			errs.Add(field, "Enter the "+strings.ToLower(label))
		}
		return 0, !required
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < 0 {
		errs.Add(field, label+" must be a whole number, like 300")
		return 0, false
	}
	return n, true
}
