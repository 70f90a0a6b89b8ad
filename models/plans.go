package models

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

var (
	// ErrStaleVersion means someone saved a newer version of the plan after
	// the editor was opened: saving would silently undo their changes.
	ErrStaleVersion = errors.New("the plan has a newer version")
	// ErrPlanExists means the patient already has a plan for the condition.
	ErrPlanExists = errors.New("the patient already has a plan for this condition")
)

// VersionSummary is a version as the history lists it.
type VersionSummary struct {
	PlanVersion
	AuthorName string
}

// FieldChange is one field that differs between two versions of a plan.
type FieldChange struct {
	Field  string
	Before string
	After  string
}

// DiffPlans lists, field by field, what changed from one plan to another.
func DiffPlans(before, after PlanContent) []FieldChange {
	return diffFields(before.fields(), after.fields())
}

// diffFields compares two lists of named fields, in the order they read.
func diffFields(a, b [][2]string) []FieldChange {
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

// Clash is a field that two edits from the same version both changed, each
// differently.
type Clash struct {
	Field  string
	Base   string
	Theirs string
	Yours  string
}

// MergePlans applies your edit of base onto theirs, a newer version saved
// from the same base: each field takes your change if only you changed it,
// and keeps theirs otherwise, so their changes are never undone unseen.
// Fields you both changed differently are clashes: they keep theirs unless
// named in useYours. A template's blank stays open if the zone part it
// fills came from a version where it was still open.
func MergePlans(base, theirs, yours PlanContent, useYours map[string]bool) (PlanContent, []Clash) {
	sides := [3]PlanContent{sideBase: base, sideTheirs: theirs, sideYours: yours}
	merged := theirs.clone()
	var clashes []Clash
	from := map[string]int{} // which side each field was taken from
	for _, field := range mergeFields(sides) {
		was, their, your := field.get(base), field.get(theirs), field.get(yours)
		side := sideTheirs
		switch {
		case your == was || your == their:
		case their == was:
			side = sideYours
		default:
			clashes = append(clashes, Clash{Field: field.name, Base: was, Theirs: their, Yours: your})
			if useYours[field.name] {
				side = sideYours
			}
		}
		from[field.name] = side
		field.take(&merged, sides[side])
	}
	order := medicineOrder(sides)
	slices.SortStableFunc(merged.Medicines, func(a, b Medicine) int {
		return slices.Index(order, medicineKey(a.Name)) - slices.Index(order, medicineKey(b.Name))
	})
	merged.Blanks = nil
	for _, blank := range base.Blanks {
		if sides[from[zonePartName(blank.Zone, blank.Part)]].isOpen(blank) {
			merged.Blanks = append(merged.Blanks, blank)
		}
	}
	return merged, clashes
}

// Sides of a merge, as MergePlans indexes them.
const (
	sideBase = iota
	sideTheirs
	sideYours
)

// mergeField is one field of a plan a merge takes whole from one side.
type mergeField struct {
	name string // as DiffPlans names it
	get  func(PlanContent) string
	take func(to *PlanContent, from PlanContent)
}

// mergeFields lists the fields of the sides: peak flow thresholds, each
// zone's title, signs and actions, and each medicine by its place.
func mergeFields(sides [3]PlanContent) []mergeField {
	var fields []mergeField
	for _, threshold := range []struct {
		name  string
		value func(*PeakFlow) *int
	}{
		{"Best peak flow", func(pf *PeakFlow) *int { return &pf.PersonalBest }},
		{"Amber zone below", func(pf *PeakFlow) *int { return &pf.AmberBelow }},
		{"Red zone below", func(pf *PeakFlow) *int { return &pf.RedBelow }},
	} {
		fields = append(fields, mergeField{name: threshold.name,
			get: func(p PlanContent) string {
				if p.PeakFlow == nil {
					return ""
				}
				return fmt.Sprint(*threshold.value(p.PeakFlow))
			},
			take: func(to *PlanContent, from PlanContent) {
				if from.PeakFlow == nil {
					return
				}
				if to.PeakFlow == nil {
					to.PeakFlow = &PeakFlow{}
				}
				*threshold.value(to.PeakFlow) = *threshold.value(from.PeakFlow)
			}})
	}
	for _, colour := range []string{ZoneGreen, ZoneAmber, ZoneRed} {
		fields = append(fields,
			zoneField(colour, ZoneName(colour)+" title", func(z *Zone) any { return &z.Title }),
			zoneField(colour, zonePartName(colour, PartSigns), func(z *Zone) any { return &z.Signs }),
			zoneField(colour, zonePartName(colour, PartActions), func(z *Zone) any { return &z.Actions }))
	}
	// Medicines are matched by name, so one added, removed or changed on
	// one side does not shift the others. A renamed medicine is one removed
	// and another added.
	for _, name := range medicineOrder(sides) {
		label := name
		for _, side := range []int{sideTheirs, sideYours, sideBase} {
			if m := sides[side].medicine(name); m != nil {
				label = strings.TrimSpace(m.Name)
				break
			}
		}
		fields = append(fields, mergeField{name: "Medicine: " + label,
			get: func(p PlanContent) string {
				if m := p.medicine(name); m != nil {
					return m.Describe()
				}
				return ""
			},
			take: func(to *PlanContent, from PlanContent) {
				to.Medicines = slices.DeleteFunc(to.Medicines, func(m Medicine) bool { return medicineKey(m.Name) == name })
				if m := from.medicine(name); m != nil {
					to.Medicines = append(to.Medicines, *m)
				}
			}})
	}
	return fields
}

// zoneField is a part of the zone of the colour; part points into a zone at
// its title (*string) or lines (*[]string).
func zoneField(colour, name string, part func(*Zone) any) mergeField {
	text := func(p PlanContent) string {
		zone := p.zone(colour)
		if zone == nil {
			return ""
		}
		switch value := part(zone).(type) {
		case *string:
			return *value
		case *[]string:
			return strings.Join(*value, "\n")
		}
		return ""
	}
	return mergeField{name: name, get: text,
		take: func(to *PlanContent, from PlanContent) {
			source, target := from.zone(colour), to.zone(colour)
			if source == nil || target == nil {
				return
			}
			switch value := part(target).(type) {
			case *string:
				*value = *part(source).(*string)
			case *[]string:
				*value = slices.Clone(*part(source).(*[]string))
			}
		}}
}

func (p *PlanContent) zone(colour string) *Zone {
	for i := range p.Zones {
		if p.Zones[i].Colour == colour {
			return &p.Zones[i]
		}
	}
	return nil
}

// clone copies a plan deeply enough that changing the copy's zones,
// medicines or peak flow leaves the plan as it was.
func (p PlanContent) clone() PlanContent {
	c := p
	c.Zones = slices.Clone(p.Zones)
	c.Medicines = slices.Clone(p.Medicines)
	c.Blanks = slices.Clone(p.Blanks)
	if p.PeakFlow != nil {
		pf := *p.PeakFlow
		c.PeakFlow = &pf
	}
	return c
}

func (p PlanContent) isOpen(blank Blank) bool {
	return slices.Contains(p.Blanks, blank)
}

func (p PlanContent) medicine(key string) *Medicine {
	for i := range p.Medicines {
		if medicineKey(p.Medicines[i].Name) == key {
			return &p.Medicines[i]
		}
	}
	return nil
}

// medicineOrder lists the medicines of the sides by name: theirs in their
// order, then those only you or the base list.
func medicineOrder(sides [3]PlanContent) []string {
	var names []string
	for _, side := range []int{sideTheirs, sideYours, sideBase} {
		for _, m := range sides[side].Medicines {
			if !slices.Contains(names, medicineKey(m.Name)) {
				names = append(names, medicineKey(m.Name))
			}
		}
	}
	return names
}

func medicineKey(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// ZoneName is a zone as plans name it to people, such as "Amber zone".
func ZoneName(colour string) string {
	return strings.ToUpper(colour[:1]) + colour[1:] + " zone"
}

// zonePartName names a zone's signs or actions as DiffPlans does.
func zonePartName(colour, part string) string {
	if part == PartSigns {
		return ZoneName(colour) + " signs"
	}
	return ZoneName(colour) + " what to do"
}
