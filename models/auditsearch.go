package models

import (
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
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
// made by their staff, narrowed by the filter. A patient or member of
// staff the filter names is looked up first, so that the search reads
// their entries straight from their index; when they belong to the
// organisations, every entry of theirs is in scope and the scope needs no
// checking row by row.
func (s *Store) auditScope(organisationIDs []uint, filter AuditFilter) (*gorm.DB, error) {
	if filter.OrganisationID != 0 {
		organisationIDs = []uint{filter.OrganisationID}
	}
	scope := s.db.Model(&AuditEvent{}).Select("audit_events.*, users.display_name AS actor_name").
		Joins("LEFT JOIN users ON users.id = audit_events.actor_id")
	inScope := false
	if filter.NHSNumber != "" {
		var patient Patient
		err := s.db.Select("id", "practice_id").Where("nhs_number = ?", filter.NHSNumber).Take(&patient).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return scope.Where("1 = 0"), nil
		}
		if err != nil {
			return nil, err
		}
		scope = scope.Where("audit_events.patient_id = ?", patient.ID)
		inScope = slices.Contains(organisationIDs, patient.PracticeID)
	}
	if filter.Staff != "" {
		var staff User
		err := s.db.Select("id").Where("username = ?", filter.Staff).Take(&staff).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return scope.Where("1 = 0"), nil
		}
		if err != nil {
			return nil, err
		}
		scope = scope.Where("audit_events.actor_id = ?", staff.ID)
		var memberships int64
		if err := s.db.Model(&Membership{}).Where("user_id = ? AND organisation_id IN ?", staff.ID, organisationIDs).
			Count(&memberships).Error; err != nil {
			return nil, err
		}
		inScope = inScope || memberships > 0
	}
	if !inScope {
		scope = scope.Where(s.aboutOrBy(organisationIDs))
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
	return scope, nil
}

// aboutOrBy is the condition that an entry is about a patient of the
// organisations or by a member of their staff. The patient's practice is
// looked up entry by entry, through the patient's key, as a page reads its
// entries: a list of every patient of the organisations would take longer
// to gather than the page.
func (s *Store) aboutOrBy(organisationIDs []uint) clause.Expr {
	return gorm.Expr("(SELECT patients.practice_id FROM patients WHERE patients.id = audit_events.patient_id) IN ? OR audit_events.actor_id IN (?)",
		organisationIDs, s.db.Model(&Membership{}).Select("user_id").Where("organisation_id IN ?", organisationIDs))
}

// SearchAuditLog finds a page of entries, newest first, older than the
// entry before (all entries when it is 0): entries are never changed, so
// a page holds the same entries however many are added while someone
// reads. It reports whether older entries follow.
func (s *Store) SearchAuditLog(organisationIDs []uint, filter AuditFilter, before uint, limit int) ([]AuditActivity, bool, error) {
	scope, err := s.auditScope(organisationIDs, filter)
	if err != nil {
		return nil, false, err
	}
	if before != 0 {
		var last AuditEvent
		err := s.db.Select("id", "at").Take(&last, before).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		scope = scope.Where("(audit_events.at, audit_events.id) < (?, ?)", last.At.UTC(), last.ID)
	}
	var activity []AuditActivity
	err = scope.Order("audit_events.at DESC, audit_events.id DESC").Limit(limit + 1).Scan(&activity).Error
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
		scope, err := s.auditScope(organisationIDs, filter)
		if err != nil {
			return err
		}
		var batch []AuditActivity
		if err := scope.Where("audit_events.id > ?", after).Order("audit_events.id").Limit(1000).Scan(&batch).Error; err != nil {
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
