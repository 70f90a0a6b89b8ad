package models

import (
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
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
			if uintString(o.ID) == search.Organisation {
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

// auditScope finds the entries about the patients of the organisations or
// made by their staff, narrowed by the filter.
func (s *Store) auditScope(organisationIDs []uint, filter AuditFilter) *gorm.DB {
	if filter.OrganisationID != 0 {
		organisationIDs = []uint{filter.OrganisationID}
	}
	scope := s.db.Model(&AuditEvent{}).Where("audit_events.patient_id IN (?) OR audit_events.actor_id IN (?)",
		s.db.Model(&Patient{}).Select("id").Where("practice_id IN ?", organisationIDs),
		s.db.Model(&Membership{}).Select("user_id").Where("organisation_id IN ?", organisationIDs))
	if filter.NHSNumber != "" {
		scope = scope.Where("audit_events.patient_id IN (?)", s.db.Model(&Patient{}).Select("id").Where("nhs_number = ?", filter.NHSNumber))
	}
	if filter.Staff != "" {
		scope = scope.Where("audit_events.actor_id IN (?)", s.db.Model(&User{}).Select("id").Where("username = ?", filter.Staff))
	}
	if filter.Action != "" {
		scope = scope.Where("audit_events.action = ?", filter.Action)
	}
	if !filter.From.IsZero() {
		scope = scope.Where("audit_events.at >= ?", filter.From.UTC())
	}
	if !filter.To.IsZero() {
		scope = scope.Where("audit_events.at < ?", filter.To.AddDate(0, 0, 1).UTC())
	}
	return scope.Select("audit_events.*, users.display_name AS actor_name").
		Joins("LEFT JOIN users ON users.id = audit_events.actor_id")
}

// SearchAuditLog finds a page of entries, newest first, older than the
// entry before (all entries when it is 0): entries are never changed and
// ids only grow, so a page holds the same entries however many are added
// while someone reads. It reports whether older entries follow.
func (s *Store) SearchAuditLog(organisationIDs []uint, filter AuditFilter, before uint, limit int) ([]AuditActivity, bool, error) {
	scope := s.auditScope(organisationIDs, filter)
	if before != 0 {
		scope = scope.Where("audit_events.id < ?", before)
	}
	var activity []AuditActivity
	err := scope.Order("audit_events.id DESC").Limit(limit + 1).Scan(&activity).Error
	if len(activity) > limit {
		return activity[:limit], true, err
	}
	return activity, false, err
}

// EachAuditEntry calls write with every entry the filter finds, oldest
// first, reading them a thousand at a time.
func (s *Store) EachAuditEntry(organisationIDs []uint, filter AuditFilter, write func(AuditActivity) error) error {
	var after uint
	for {
		var batch []AuditActivity
		err := s.auditScope(organisationIDs, filter).Where("audit_events.id > ?", after).
			Order("audit_events.id").Limit(1000).Scan(&batch).Error
		if err != nil {
			return err
		}
		for _, entry := range batch {
			if err := write(entry); err != nil {
				return err
			}
		}
		if len(batch) < 1000 {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
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
