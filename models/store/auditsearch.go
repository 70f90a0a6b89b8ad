package store

import (
	"context"
	"errors"
	"slices"

	"healthpassport/models"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// auditScope finds the entries about the patients of the organisations or
// made by their staff, narrowed by the filter. A patient or member of
// staff the filter names is looked up first, so that the search reads
// their entries straight from their index; when they belong to the
// organisations, every entry of theirs is in scope and the scope needs no
// checking row by row.
func (s *Store) auditScope(ctx context.Context, organisationIDs []uint, filter models.AuditFilter) (*gorm.DB, error) {
	if filter.OrganisationID != 0 {
		organisationIDs = []uint{filter.OrganisationID}
	}
	scope := s.db.WithContext(ctx).Model(&models.AuditEvent{}).Select("audit_events.*, users.display_name AS actor_name").
		Joins("LEFT JOIN users ON users.id = audit_events.actor_id")
	inScope := false
	if filter.NHSNumber != "" {
		var patient models.Patient
		err := s.db.WithContext(ctx).Select("id", "practice_id").Where("nhs_number = ?", filter.NHSNumber).Take(&patient).Error
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
		var staff models.User
		err := s.db.WithContext(ctx).Select("id").Where("username = ?", filter.Staff).Take(&staff).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return scope.Where("1 = 0"), nil
		}
		if err != nil {
			return nil, err
		}
		scope = scope.Where("audit_events.actor_id = ?", staff.ID)
		var memberships int64
		if err := s.db.WithContext(ctx).Model(&models.Membership{}).Where("user_id = ? AND organisation_id IN ?", staff.ID, organisationIDs).
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
		organisationIDs, s.db.Model(&models.Membership{}).Select("user_id").Where("organisation_id IN ?", organisationIDs))
}

// SearchAuditLog finds a page of entries, newest first, older than the
// entry before (all entries when it is 0): entries are never changed, so
// a page holds the same entries however many are added while someone
// reads. It reports whether older entries follow. Entries waiting to be
// chained are chained first, so the page shows what happened a moment ago.
func (s *Store) SearchAuditLog(ctx context.Context, organisationIDs []uint, filter models.AuditFilter, before uint, limit int) ([]models.AuditActivity, bool, error) {
	if err := s.foldBeforeReading(ctx); err != nil {
		return nil, false, err
	}
	scope, err := s.auditScope(ctx, organisationIDs, filter)
	if err != nil {
		return nil, false, err
	}
	if before != 0 {
		var last models.AuditEvent
		err := s.db.WithContext(ctx).Select("id", "at").Take(&last, before).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		scope = scope.Where("(audit_events.at, audit_events.id) < (?, ?)", last.At.UTC(), last.ID)
	}
	var activity []models.AuditActivity
	err = scope.Order("audit_events.at DESC, audit_events.id DESC").Limit(limit + 1).Scan(&activity).Error
	if len(activity) > limit {
		return activity[:limit], true, err
	}
	return activity, false, err
}

// EachAuditEntry calls write with every entry the filter finds, oldest
// first, reading them a thousand at a time, once what is waiting to be
// chained has been.
func (s *Store) EachAuditEntry(ctx context.Context, organisationIDs []uint, filter models.AuditFilter, write func(models.AuditActivity) error) error {
	if err := s.foldBeforeReading(ctx); err != nil {
		return err
	}
	var after uint
	for {
		scope, err := s.auditScope(ctx, organisationIDs, filter)
		if err != nil {
			return err
		}
		var batch []models.AuditActivity
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
