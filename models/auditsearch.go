package models

import (
	"slices"
	"strings"
	"time"
)

// AuditSearch is what an administrator entered to search the audit log.
type AuditSearch struct {
	NHSNumber, Staff, Action, Organisation string
	From, To                               DateInput
}

// AuditFilter is a checked search of the audit log. Zero fields do not
// filter.
type AuditFilter struct {
	NHSNumber      string
	Staff          string // a username
	Action         string
	OrganisationID uint
	From, To       time.Time // UK days, To included
}

// CheckAuditSearch turns a search into a filter: a valid NHS number, an
// action of the catalogue, one of the administrator's organisations, and
// a date range that runs forwards.
func CheckAuditSearch(search AuditSearch, organisations []Organisation) (AuditFilter, FieldErrors) {
	var errs FieldErrors
	filter := AuditFilter{Staff: NormaliseUsername(search.Staff), Action: search.Action}
	if search.NHSNumber != "" {
		number, err := NormaliseNHSNumber(search.NHSNumber)
		if err != nil {
			errs.Add("nhs-number", err.Error())
		}
		filter.NHSNumber = number
	}
	errs.optionalText("staff", filter.Staff, "Username", 64)
	if _, known := auditWording[search.Action]; search.Action != "" && !known {
		errs.Add("action", "Choose what happened from the list")
	}
	if search.Organisation != "" {
		for _, o := range organisations {
			if UintString(o.ID) == search.Organisation {
				filter.OrganisationID = o.ID
			}
		}
		if filter.OrganisationID == 0 {
			errs.Add("organisation", "Choose an organisation from the list")
		}
	}
	filter.From = errs.optionalDate("from", "Date from", search.From)
	filter.To = errs.optionalDate("to", "Date to", search.To)
	if !filter.From.IsZero() && !filter.To.IsZero() && filter.To.Before(filter.From) {
		errs.Add("to-day", "Date to must be the same as or after date from")
	}
	return filter, errs
}

// optionalDate reads a date input that may be left empty, as a UK day.
func (errs *FieldErrors) optionalDate(field, label string, input DateInput) time.Time {
	if input == (DateInput{}) {
		return time.Time{}
	}
	date, ok := errs.readDate(field, label, input, time.Time{}, false)
	if !ok {
		return time.Time{}
	}
	return time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, UK)
}

// AuditActions are the actions of the catalogue with their wording, in
// the order of the wording, for a person to choose from.
func AuditActions() []string {
	actions := make([]string, 0, len(auditWording))
	for action := range auditWording {
		actions = append(actions, action)
	}
	slices.SortFunc(actions, func(a, b string) int { return strings.Compare(auditWording[a], auditWording[b]) })
	return actions
}
