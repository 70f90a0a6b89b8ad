package models

import (
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

var (
	// ErrStaleVersion means someone saved a newer version of the plan after
	// the editor was opened: saving would silently undo their changes.
	ErrStaleVersion = errors.New("the plan has a newer version")
	// ErrPlanExists means the patient already has a plan for the condition.
	ErrPlanExists = errors.New("the patient already has a plan for this condition")
)

// PlanForPatient finds one of a patient's plans.
func (s *Store) PlanForPatient(patientID, planID uint) (*ActionPlan, error) {
	var plan ActionPlan
	err := s.db.Where("id = ? AND patient_id = ?", planID, patientID).First(&plan).Error
	return &plan, notFound(err)
}

// LatestVersion is a plan's newest version.
func (s *Store) LatestVersion(planID uint) (*PlanVersion, error) {
	var version PlanVersion
	err := s.db.Where("plan_id = ?", planID).Order("number DESC").First(&version).Error
	return &version, notFound(err)
}

// PlanVersionNumbered finds one version of a plan.
func (s *Store) PlanVersionNumbered(planID uint, number int) (*PlanVersion, error) {
	var version PlanVersion
	err := s.db.Where("plan_id = ? AND number = ?", planID, number).First(&version).Error
	return &version, notFound(err)
}

// VersionSummary is a version as the history lists it.
type VersionSummary struct {
	PlanVersion
	AuthorName string
}

// PlanHistory lists a plan's versions, newest first.
func (s *Store) PlanHistory(planID uint) ([]VersionSummary, error) {
	var versions []VersionSummary
	err := s.db.Model(&PlanVersion{}).Select("plan_versions.*, users.display_name AS author_name").
		Joins("JOIN users ON users.id = plan_versions.author_id").
		Where("plan_versions.plan_id = ?", planID).Order("plan_versions.number DESC").Scan(&versions).Error
	return versions, err
}

// PlanTemplate is the template a plan was started from, if any.
func (s *Store) PlanTemplate(plan *ActionPlan) (*ConditionTemplate, error) {
	if plan.TemplateID == nil {
		return nil, nil
	}
	return s.Template(*plan.TemplateID)
}

// CreatePlan starts a patient's plan for a template's condition with its
// first version, a draft or published. A patient has one plan per
// condition: the unique index on the patient and condition refuses a
// second, even one started at the same moment.
func (s *Store) CreatePlan(actor Actor, patientID uint, template *ConditionTemplate, content PlanContent, state string) (*ActionPlan, error) {
	plan := ActionPlan{PatientID: patientID, ConditionName: template.Name, SnomedCode: template.SnomedCode, TemplateID: &template.ID, CreatedAt: s.now()}
	err := s.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&plan).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrPlanExists
			}
			return err
		}
		if err := s.addFirstVersion(tx, plan.ID, actor.UserID, content, state); err != nil {
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditPlanCreated, PatientID: &patientID, TargetType: "plan",
			TargetID: uintString(plan.ID), Detail: template.Name + " version 1, " + state})
	})
	return &plan, err
}

// SavePlanVersion saves an edit made from version base as version base+1.
// If the plan has moved on, or another save from the same version got there
// first, the unique version number refuses it and nothing is saved.
func (s *Store) SavePlanVersion(actor Actor, plan *ActionPlan, base int, content PlanContent, state string) (*PlanVersion, error) {
	encoded, err := EncodePlanContent(content)
	if err != nil {
		return nil, err
	}
	version := PlanVersion{PlanID: plan.ID, Number: base + 1, AuthorID: actor.UserID, Content: encoded, State: state, CreatedAt: s.now()}
	err = s.db.Transaction(func(tx *gorm.DB) error {
		// Versions are never changed or removed, so this check cannot go
		// stale. It stops a made-up base from leaving a gap in the numbers.
		var baseExists int64
		if err := tx.Model(&PlanVersion{}).Where("plan_id = ? AND number = ?", plan.ID, base).Count(&baseExists).Error; err != nil {
			return err
		}
		if baseExists == 0 {
			return ErrStaleVersion
		}
		if err := tx.Create(&version).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrStaleVersion
			}
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditPlanSaved, PatientID: &plan.PatientID, TargetType: "plan",
			TargetID: uintString(plan.ID), Detail: fmt.Sprintf("%s version %d, %s", plan.ConditionName, version.Number, state)})
	})
	if err != nil {
		return nil, err
	}
	return &version, nil
}

// FieldChange is one field that differs between two versions of a plan.
type FieldChange struct {
	Field  string
	Before string
	After  string
}

// DiffPlans lists, field by field, what changed from one plan to another.
func DiffPlans(before, after PlanContent) []FieldChange {
	a, b := before.fields(), after.fields()
	var changes []FieldChange
	seen := map[string]bool{}
	for _, f := range append(a, b...) {
		if seen[f[0]] {
			continue
		}
		seen[f[0]] = true
		was, is := lookup(a, f[0]), lookup(b, f[0])
		if was != is {
			changes = append(changes, FieldChange{Field: f[0], Before: was, After: is})
		}
	}
	return changes
}

func lookup(fields [][2]string, name string) string {
	for _, f := range fields {
		if f[0] == name {
			return f[1]
		}
	}
	return ""
}

// fields flattens a plan into named fields, in the order a plan reads.
func (p PlanContent) fields() [][2]string {
	var out [][2]string
	if pf := p.PeakFlow; pf != nil {
		out = append(out, [2]string{"Best peak flow", fmt.Sprint(pf.PersonalBest)},
			[2]string{"Amber zone below", fmt.Sprint(pf.AmberBelow)}, [2]string{"Red zone below", fmt.Sprint(pf.RedBelow)})
	}
	for _, zone := range p.Zones {
		name := strings.ToUpper(zone.Colour[:1]) + zone.Colour[1:] + " zone"
		out = append(out, [2]string{name + " title", zone.Title},
			[2]string{name + " signs", strings.Join(zone.Signs, "\n")},
			[2]string{name + " what to do", strings.Join(zone.Actions, "\n")})
	}
	for i, m := range p.Medicines {
		out = append(out, [2]string{fmt.Sprintf("Medicine %d", i+1), m.Describe()})
	}
	return out
}

// Describe is a medicine in one line.
func (m Medicine) Describe() string {
	parts := []string{m.Name}
	for _, part := range []string{m.Form, m.Dose, m.Frequency, m.Purpose} {
		if part != "" {
			parts = append(parts, part)
		}
	}
	return strings.Join(parts, ", ")
}
