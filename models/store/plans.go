package store

import (
	"context"
	"fmt"

	"healthpassport/models"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PlanForPatient finds one of a patient's plans.
func (s *Store) PlanForPatient(ctx context.Context, principal *models.Principal, patient *models.Patient, planID uint) (*models.ActionPlan, error) {
	var plan models.ActionPlan
	err := s.db.WithContext(ctx).Where("id = ? AND patient_id = ?", planID, patient.ID).Where(mayRead(principal, "patient_id")).First(&plan).Error
	return &plan, notFound(err)
}

// LatestVersion is a plan's newest version.
func (s *Store) LatestVersion(ctx context.Context, principal *models.Principal, plan *models.ActionPlan) (*models.PlanVersion, error) {
	var version models.PlanVersion
	err := s.db.WithContext(ctx).Where("plan_id = ?", plan.ID).Where(versionsOfReach(principal)).Order("number DESC").First(&version).Error
	return &version, notFound(err)
}

// PlanVersionNumbered finds one version of a plan.
func (s *Store) PlanVersionNumbered(ctx context.Context, principal *models.Principal, plan *models.ActionPlan, number int) (*models.PlanVersion, error) {
	var version models.PlanVersion
	err := s.db.WithContext(ctx).Where("plan_id = ? AND number = ?", plan.ID, number).Where(versionsOfReach(principal)).First(&version).Error
	return &version, notFound(err)
}

// PlanHistory lists a plan's versions, newest first.
func (s *Store) PlanHistory(ctx context.Context, principal *models.Principal, plan *models.ActionPlan) ([]models.VersionSummary, error) {
	var versions []models.VersionSummary
	err := s.db.WithContext(ctx).Model(&models.PlanVersion{}).Select("plan_versions.*, users.display_name AS author_name").
		Joins("JOIN users ON users.id = plan_versions.author_id").
		Where("plan_versions.plan_id = ?", plan.ID).Where(versionsOfReach(principal)).Order("plan_versions.number DESC").Scan(&versions).Error
	return versions, err
}

// versionsOfReach is the condition that a plan version belongs to a
// patient the principal may read.
func versionsOfReach(principal *models.Principal) clause.Expr {
	return gorm.Expr("plan_versions.plan_id IN (SELECT action_plans.id FROM action_plans WHERE ?)", mayRead(principal, "action_plans.patient_id"))
}

// PlanTemplate is the template a plan was started from, if any.
func (s *Store) PlanTemplate(ctx context.Context, plan *models.ActionPlan) (*models.ConditionTemplate, error) {
	if plan.TemplateID == nil {
		return nil, nil
	}
	return s.Template(ctx, *plan.TemplateID)
}

// CreatePlan starts a patient's plan for a template's condition with its
// first version, a draft or published. The template version must be one a
// plan may start from (claimTemplate). A patient has one plan per
// condition: the unique index on the patient and condition refuses a
// second, even one started at the same moment.
func (s *Store) CreatePlan(ctx context.Context, principal *models.Principal, actor models.Actor, patientID uint, template *models.ConditionTemplate, content models.PlanContent, state string) (*models.ActionPlan, error) {
	plan := models.ActionPlan{PatientID: patientID, ConditionName: template.Name, SnomedCode: template.SnomedCode, TemplateID: &template.ID, CreatedAt: s.now()}
	demo, err := s.IsDemo(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := claimPatient(tx, principal, patientID); err != nil {
			return err
		}
		if err := claimTemplate(tx, template.ID, demo); err != nil {
			return err
		}
		if err := tx.Create(&plan).Error; err != nil {
			if IsUniqueViolation(err) {
				return models.ErrPlanExists
			}
			return err
		}
		if err := s.AddFirstVersion(tx, plan.ID, actor.UserID, content, state); err != nil {
			return err
		}
		if err := s.announcePlan(tx, &plan, state); err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditPlanCreated, PatientID: &patientID, TargetType: "plan",
			TargetID: models.UintString(plan.ID), Detail: template.Name + " version 1, " + state})
	})
	return &plan, err
}

// SavePlanVersion saves an edit made from version base as version base+1.
// If the plan has moved on, or another save from the same version got there
// first, the unique version number refuses it and nothing is saved.
func (s *Store) SavePlanVersion(ctx context.Context, principal *models.Principal, actor models.Actor, plan *models.ActionPlan, base int, content models.PlanContent, state string) (*models.PlanVersion, error) {
	encoded, err := models.EncodePlanContent(content)
	if err != nil {
		return nil, err
	}
	version := models.PlanVersion{PlanID: plan.ID, Number: base + 1, AuthorID: actor.UserID, Content: encoded, State: state, CreatedAt: s.now()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := claimPatient(tx, principal, plan.PatientID); err != nil {
			return err
		}
		// Versions are never changed or removed, so this check cannot go
		// stale. It stops a made-up base from leaving a gap in the numbers.
		var baseExists int64
		if err := tx.Model(&models.PlanVersion{}).Where("plan_id = ? AND number = ?", plan.ID, base).Count(&baseExists).Error; err != nil {
			return err
		}
		if baseExists == 0 {
			return models.ErrStaleVersion
		}
		if err := tx.Create(&version).Error; err != nil {
			if IsUniqueViolation(err) {
				return models.ErrStaleVersion
			}
			return err
		}
		if err := s.announcePlan(tx, plan, state); err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditPlanSaved, PatientID: &plan.PatientID, TargetType: "plan",
			TargetID: models.UintString(plan.ID), Detail: fmt.Sprintf("%s version %d, %s", plan.ConditionName, version.Number, state)})
	})
	if err != nil {
		return nil, err
	}
	return &version, nil
}

// announcePlan tells webhooks that a plan version was published.
func (s *Store) announcePlan(tx *gorm.DB, plan *models.ActionPlan, state string) error {
	if state != models.VersionPublished {
		return nil
	}
	return s.queueWebhooks(tx, plan.PatientID, models.EventPlanPublished,
		map[string]string{"carePlan": "CarePlan/" + models.UintString(plan.ID), "condition": "Condition/" + models.UintString(plan.ID)})
}
