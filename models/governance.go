package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

var (
	// ErrNotSafetyOfficer means someone other than a clinical safety
	// officer tried to approve or retire a template version.
	ErrNotSafetyOfficer = errors.New("only a clinical safety officer approves or retires a template version")
	// ErrNotAdministrator means someone other than an administrator tried
	// to make a local variant of a template.
	ErrNotAdministrator = errors.New("only an administrator makes a local variant")
	// ErrOwnVariant means the person who made a variant tried to approve it.
	ErrOwnVariant = errors.New("a variant is approved by someone other than the person who made it")
	// ErrTemplateRetired means the template version was retired.
	ErrTemplateRetired = errors.New("this template version is retired")
	// ErrTemplateNotUsable means a plan cannot be started from the version:
	// outside the demo it is not approved, or it is retired.
	ErrTemplateNotUsable = errors.New("this template version is not approved for use with patients")
	// ErrVariantConflict means another version of the template was saved
	// while the variant was being made.
	ErrVariantConflict = errors.New("another version of the template was saved first")
)

// TemplateVersions lists every version of every template, by name and
// newest first, as the governance screens show them.
func (s *Store) TemplateVersions(ctx context.Context) ([]ConditionTemplate, error) {
	var templates []ConditionTemplate
	err := s.db.WithContext(ctx).Order("name, key, version DESC").Find(&templates).Error
	return templates, err
}

// VersionsOf lists the versions of one template, newest first.
func (s *Store) VersionsOf(ctx context.Context, key string) ([]ConditionTemplate, error) {
	var templates []ConditionTemplate
	err := s.db.WithContext(ctx).Where("key = ?", key).Order("version DESC").Find(&templates).Error
	return templates, err
}

// ApproveTemplateVersion records a clinical safety officer's approval of a
// template version, with their statement and the reference to the local
// safety case. One conditional update decides: a version is approved once,
// never once retired, and never by the person who made it.
func (s *Store) ApproveTemplateVersion(ctx context.Context, principal *Principal, actor Actor, id uint, approval TemplateApproval) (*ConditionTemplate, error) {
	if principal.User.Role != RoleSafetyOfficer {
		return nil, ErrNotSafetyOfficer
	}
	var template ConditionTemplate
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		update := tx.Model(&ConditionTemplate{}).
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
		return s.audit(tx, actor, AuditEntry{Action: AuditTemplateApproved, TargetType: "template", TargetID: template.Label(),
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
func whyUnchanged(template *ConditionTemplate, userID uint) error {
	switch {
	case template.RetiredAt != nil:
		return ErrTemplateRetired
	case template.Approved:
		return ErrTemplateApproved
	case template.CreatedByID != nil && *template.CreatedByID == userID:
		return ErrOwnVariant
	}
	return ErrNotFound
}

// RetireTemplateVersion records that a clinical safety officer withdrew a
// template version: it starts no new plan, and plans made from it are
// marked for review. A version is retired once.
func (s *Store) RetireTemplateVersion(ctx context.Context, principal *Principal, actor Actor, id uint) (*ConditionTemplate, error) {
	if principal.User.Role != RoleSafetyOfficer {
		return nil, ErrNotSafetyOfficer
	}
	var template ConditionTemplate
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&ConditionTemplate{}).Where("id = ? AND retired_at IS NULL", id).
			Updates(map[string]any{"retired_at": s.now(), "retired_by": principal.User.DisplayName, "retired_by_id": principal.User.ID})
		if update.Error != nil {
			return update.Error
		}
		if err := tx.First(&template, id).Error; err != nil {
			return notFound(err)
		}
		if update.RowsAffected != 1 {
			return ErrTemplateRetired
		}
		var plans int64
		if err := tx.Model(&ActionPlan{}).Where("template_id = ?", id).Count(&plans).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditTemplateRetired, TargetType: "template", TargetID: template.Label(),
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
func (s *Store) MakeTemplateVariant(ctx context.Context, principal *Principal, actor Actor, base *ConditionTemplate, content TemplateContent) (*ConditionTemplate, error) {
	if principal.User.Role != RoleAdmin {
		return nil, ErrNotAdministrator
	}
	encoded, err := json.Marshal(content)
	if err != nil {
		return nil, err
	}
	variant := ConditionTemplate{Key: base.Key, Name: base.Name, SnomedCode: base.SnomedCode, Content: string(encoded),
		BasedOnID: &base.ID, CreatedByID: &principal.User.ID, CreatedAt: s.now()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var newest int
		if err := tx.Model(&ConditionTemplate{}).Where("key = ?", base.Key).Select("COALESCE(MAX(version), 0)").Scan(&newest).Error; err != nil {
			return err
		}
		variant.Version = newest + 1
		if err := tx.Create(&variant).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrVariantConflict
			}
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditTemplateVariantMade, TargetType: "template", TargetID: variant.Label(),
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
	query := tx.Model(&ConditionTemplate{}).Where("id = ? AND retired_at IS NULL", templateID)
	if !demo {
		query = query.Where("approved = ?", true)
	}
	update := query.UpdateColumn("retired_at", gorm.Expr("retired_at"))
	if update.Error != nil {
		return update.Error
	}
	if update.RowsAffected != 1 {
		return ErrTemplateNotUsable
	}
	return nil
}

// Label names a template version, such as "Asthma version 4".
func (t ConditionTemplate) Label() string { return fmt.Sprintf("%s version %d", t.Name, t.Version) }

// State says where a version stands, as the governance screens show it.
func (t ConditionTemplate) State() string {
	switch {
	case t.RetiredAt != nil:
		return "Retired"
	case t.Approved:
		return "Approved"
	}
	return "Awaiting approval"
}

// IsVariant reports whether the version is a local variant.
func (t ConditionTemplate) IsVariant() bool { return t.CreatedByID != nil }

// DiffTemplates lists, field by field, what differs between two template
// versions.
func DiffTemplates(before, after TemplateContent) []FieldChange {
	return diffFields(before.fields(), after.fields())
}

// TemplateFields lists what a template says, field by field, each in
// After, as a version's page shows it.
func TemplateFields(c TemplateContent) []FieldChange { return DiffTemplates(TemplateContent{}, c) }

// fields flattens a template into named fields, in the order a plan reads.
func (c TemplateContent) fields() [][2]string {
	var out [][2]string
	if r := c.PeakFlow; r != nil {
		out = append(out, [2]string{"Amber zone below (% of best peak flow)", fmt.Sprint(r.AmberPercent)},
			[2]string{"Red zone below (% of best peak flow)", fmt.Sprint(r.RedPercent)})
	}
	for _, zone := range c.Zones {
		name := strings.ToUpper(zone.Colour[:1]) + zone.Colour[1:] + " zone"
		out = append(out, [2]string{name + " title", zone.Title},
			[2]string{name + " signs", joinLines(zone.Signs)},
			[2]string{name + " what to do", joinLines(zone.Actions)})
	}
	for i, m := range c.Medicines {
		out = append(out, [2]string{fmt.Sprintf("Medicine %d", i+1), m.Describe()})
	}
	for i, r := range c.RequiredMedicines {
		out = append(out, [2]string{fmt.Sprintf("Required medicine %d", i+1), r.Purpose + ": " + r.Description})
	}
	for i, q := range c.SymptomQuestions {
		text := q.Text + " (a yes means the " + q.Zone + " zone)"
		if q.AboutThem != "" {
			text += "\nCarers are asked: " + q.AboutThem
		}
		out = append(out, [2]string{fmt.Sprintf("Check-in question %d", i+1), text})
	}
	return out
}

func joinLines(lines []TemplateLine) string {
	texts := make([]string, len(lines))
	for i, line := range lines {
		texts[i] = line.Display()
	}
	return strings.Join(texts, "\n")
}

// Display is a template line as the governance screens show it: a blank
// says what the nurse will be asked.
func (l TemplateLine) Display() string {
	if l.Blank != nil {
		return l.Blank.Lead + " [the nurse writes: " + lowerFirst(l.Blank.Label) + "]"
	}
	return l.Text
}

// PreviewBestPeakFlow is the personal best a preview shows the peak flow
// thresholds with, so that lines saying {amber} and {red} read as a
// patient would see them.
const PreviewBestPeakFlow = 400

// Preview is the template as a patient would see a plan made from it, with
// each blank saying what the nurse will write there.
func (c TemplateContent) Preview() PlanContent {
	plan := PlanContent{Medicines: c.Medicines}
	for _, zone := range c.Zones {
		previewZone := Zone{Colour: zone.Colour, Title: zone.Title}
		for _, line := range zone.Signs {
			previewZone.Signs = append(previewZone.Signs, line.Display())
		}
		for _, line := range zone.Actions {
			previewZone.Actions = append(previewZone.Actions, line.Display())
		}
		plan.Zones = append(plan.Zones, previewZone)
	}
	if c.PeakFlow != nil {
		pf := c.PeakFlow.Thresholds(PreviewBestPeakFlow)
		plan.PeakFlow = &pf
	}
	return plan
}

// PlansFromTemplate counts the plans made from a template version.
func (s *Store) PlansFromTemplate(ctx context.Context, templateID uint) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&ActionPlan{}).Where("template_id = ?", templateID).Count(&n).Error
	return n, err
}
