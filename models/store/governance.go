package store

import (
	"context"
	"encoding/json"
	"fmt"

	"healthpassport/models"

	"gorm.io/gorm"
)

// TemplateVersions lists every version of every template, by name and
// newest first, as the governance screens show them.
func (s *Store) TemplateVersions(ctx context.Context) ([]models.ConditionTemplate, error) {
	var templates []models.ConditionTemplate
	err := s.db.WithContext(ctx).Order("name, key, version DESC").Find(&templates).Error
	return templates, err
}

// VersionsOf lists the versions of one template, newest first.
func (s *Store) VersionsOf(ctx context.Context, key string) ([]models.ConditionTemplate, error) {
	var templates []models.ConditionTemplate
	err := s.db.WithContext(ctx).Where("key = ?", key).Order("version DESC").Find(&templates).Error
	return templates, err
}

// ApproveTemplateVersion records a clinical safety officer's approval of a
// template version, with their statement and the reference to the local
// safety case. One conditional update decides: a version is approved once,
// never once retired, and never by the person who made it.
func (s *Store) ApproveTemplateVersion(ctx context.Context, principal *models.Principal, actor models.Actor, id uint, approval models.TemplateApproval) (*models.ConditionTemplate, error) {
	if principal.User.Role != models.RoleSafetyOfficer {
		return nil, models.ErrNotSafetyOfficer
	}
	var template models.ConditionTemplate
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		update := tx.Model(&models.ConditionTemplate{}).
			Where("id = ? AND approved = ? AND retired_at IS NULL AND (created_by_id IS NULL OR created_by_id <> ?)", id, false, principal.User.ID).
			Updates(map[string]any{"approved": true, "approved_by": principal.User.DisplayName, "approved_by_id": principal.User.ID,
				"approved_at": now, "safety_statement": approval.Statement, "safety_case_ref": approval.SafetyCaseRef})
		if update.Error != nil {
			return update.Error
		}
		if err := tx.First(&template, id).Error; err != nil {
			return notFound(err)
		}
		if update.RowsAffected != 1 {
			return whyUnchanged(&template, principal.User.ID)
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditTemplateApproved, TargetType: "template", TargetID: template.Label(),
			Detail: fmt.Sprintf("%s approved for use with patients by %s. Safety case: %s. Statement: %s",
				template.Label(), principal.User.DisplayName, approval.SafetyCaseRef, approval.Statement)})
	})
	if err != nil {
		return nil, err
	}
	return &template, nil
}

// whyUnchanged says why a conditional update of a template version found
// nothing to change, once the database has decided.
func whyUnchanged(template *models.ConditionTemplate, userID uint) error {
	switch {
	case template.RetiredAt != nil:
		return models.ErrTemplateRetired
	case template.Approved:
		return models.ErrTemplateApproved
	case template.CreatedByID != nil && *template.CreatedByID == userID:
		return models.ErrOwnVariant
	}
	return models.ErrNotFound
}

// RetireTemplateVersion records that a clinical safety officer withdrew a
// template version: it starts no new plan, and plans made from it are
// marked for review. A version is retired once.
func (s *Store) RetireTemplateVersion(ctx context.Context, principal *models.Principal, actor models.Actor, id uint) (*models.ConditionTemplate, error) {
	if principal.User.Role != models.RoleSafetyOfficer {
		return nil, models.ErrNotSafetyOfficer
	}
	var template models.ConditionTemplate
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&models.ConditionTemplate{}).Where("id = ? AND retired_at IS NULL", id).
			Updates(map[string]any{"retired_at": s.now(), "retired_by": principal.User.DisplayName, "retired_by_id": principal.User.ID})
		if update.Error != nil {
			return update.Error
		}
		if err := tx.First(&template, id).Error; err != nil {
			return notFound(err)
		}
		if update.RowsAffected != 1 {
			return models.ErrTemplateRetired
		}
		var plans int64
		if err := tx.Model(&models.ActionPlan{}).Where("template_id = ?", id).Count(&plans).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditTemplateRetired, TargetType: "template", TargetID: template.Label(),
			Detail: fmt.Sprintf("%s retired by %s: %d plans made from it are marked for review", template.Label(), principal.User.DisplayName, plans)})
	})
	if err != nil {
		return nil, err
	}
	return &template, nil
}

// MakeTemplateVariant saves an administrator's local variant of a template
// version as the template's next version, awaiting approval. If another
// version was saved in the meantime, the unique version number refuses
// this one and nothing is saved.
func (s *Store) MakeTemplateVariant(ctx context.Context, principal *models.Principal, actor models.Actor, base *models.ConditionTemplate, content models.TemplateContent) (*models.ConditionTemplate, error) {
	if principal.User.Role != models.RoleAdmin {
		return nil, models.ErrNotAdministrator
	}
	encoded, err := json.Marshal(content)
	if err != nil {
		return nil, err
	}
	variant := models.ConditionTemplate{Key: base.Key, Name: base.Name, SnomedCode: base.SnomedCode, Content: string(encoded),
		BasedOnID: &base.ID, CreatedByID: &principal.User.ID, CreatedAt: s.now()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var newest int
		if err := tx.Model(&models.ConditionTemplate{}).Where("key = ?", base.Key).Select("COALESCE(MAX(version), 0)").Scan(&newest).Error; err != nil {
			return err
		}
		variant.Version = newest + 1
		if err := tx.Create(&variant).Error; err != nil {
			if IsUniqueViolation(err) {
				return models.ErrVariantConflict
			}
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditTemplateVariantMade, TargetType: "template", TargetID: variant.Label(),
			Detail: fmt.Sprintf("%s made from version %d by %s, awaiting approval", variant.Label(), base.Version, principal.User.DisplayName)})
	})
	if err != nil {
		return nil, err
	}
	return &variant, nil
}

// claimTemplate is the statement of a plan's transaction that checks a
// plan may be started from the template version: it is not retired and,
// outside the demo, it is approved. Touching the row also holds it until
// the plan is saved, so a retirement at the same moment waits and then
// marks the new plan for review.
func claimTemplate(tx *gorm.DB, templateID uint, demo bool) error {
	query := tx.Model(&models.ConditionTemplate{}).Where("id = ? AND retired_at IS NULL", templateID)
	if !demo {
		query = query.Where("approved = ?", true)
	}
	update := query.UpdateColumn("retired_at", gorm.Expr("retired_at"))
	if update.Error != nil {
		return update.Error
	}
	if update.RowsAffected != 1 {
		return models.ErrTemplateNotUsable
	}
	return nil
}

// PlansFromTemplate counts the plans made from a template version.
func (s *Store) PlansFromTemplate(ctx context.Context, templateID uint) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&models.ActionPlan{}).Where("template_id = ?", templateID).Count(&n).Error
	return n, err
}
