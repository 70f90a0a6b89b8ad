package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"healthpassport/models"

	"gorm.io/gorm"
)

// EnsureStandardTemplates adds any standard template version the database
// does not have yet. Standard templates ship unapproved: a local clinical
// safety officer approves them before use.
func (s *Store) EnsureStandardTemplates(ctx context.Context) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, st := range models.StandardTemplates {
			var existing models.ConditionTemplate
			err := tx.Where("key = ? AND version = ?", st.Key, st.Version).First(&existing).Error
			if err == nil {
				continue
			}
			if !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
			content, err := json.Marshal(st.Content)
			if err != nil {
				return err
			}
			if err := tx.Create(&models.ConditionTemplate{Key: st.Key, Version: st.Version, Name: st.Name, SnomedCode: st.Snomed,
				Content: string(content), CreatedAt: s.now()}).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// Templates lists the newest version of each template a plan may be
// started from: never a retired one and, outside the demo, only versions a
// clinical safety officer has approved.
func (s *Store) Templates(ctx context.Context, approvedOnly bool) ([]models.ConditionTemplate, error) {
	newest := "SELECT MAX(t2.version) FROM condition_templates t2 WHERE t2.key = condition_templates.key AND t2.retired_at IS NULL"
	query := s.db.WithContext(ctx).Model(&models.ConditionTemplate{})
	if approvedOnly {
		newest += " AND t2.approved = ?"
		query = query.Where("version = ("+newest+")", true)
	} else {
		query = query.Where("version = (" + newest + ")")
	}
	var templates []models.ConditionTemplate
	err := query.Order("name").Find(&templates).Error
	return templates, err
}

// Template finds a template version by id.
func (s *Store) Template(ctx context.Context, id uint) (*models.ConditionTemplate, error) {
	var template models.ConditionTemplate
	err := s.db.WithContext(ctx).First(&template, id).Error
	return &template, notFound(err)
}

// ApproveTemplate records that a clinical safety officer has approved one
// version of a template for use with patients. The version is approved once:
// the conditional update lets only the first approval through.
func (s *Store) ApproveTemplate(ctx context.Context, key string, version int, approvedBy string) (*models.ConditionTemplate, error) {
	approvedBy = strings.TrimSpace(approvedBy)
	if approvedBy == "" {
		return nil, models.ErrApproverMissing
	}
	var template models.ConditionTemplate
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("key = ? AND version = ?", key, version).First(&template).Error; err != nil {
			return notFound(err)
		}
		now := s.now()
		update := tx.Model(&models.ConditionTemplate{}).Where("id = ? AND approved = ? AND retired_at IS NULL", template.ID, false).
			Updates(map[string]any{"approved": true, "approved_by": approvedBy, "approved_at": now})
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			if template.RetiredAt != nil {
				return models.ErrTemplateRetired
			}
			return models.ErrTemplateApproved
		}
		template.Approved, template.ApprovedBy, template.ApprovedAt = true, approvedBy, &now
		return s.audit(tx, models.Actor{}, models.AuditEntry{Action: models.AuditTemplateApproved, TargetType: "template",
			TargetID: fmt.Sprintf("%s version %d", key, version), Detail: template.Name + " approved for use with patients by " + approvedBy})
	})
	if err != nil {
		return nil, err
	}
	return &template, nil
}
