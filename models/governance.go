package models

import (
	"errors"
	"fmt"
	"strings"
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
