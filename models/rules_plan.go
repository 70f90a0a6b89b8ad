package models

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of a plan, generous for any real plan and small enough to print.
const (
	MaxPlanLines  = 20
	MaxLineLength = 300
	MaxMedicines  = 10
	MinPeakFlow   = 50
	MaxPeakFlow   = 900
)

// PlanEntry is a plan as the nurse entered it in the editor.
type PlanEntry struct {
	Zones     []ZoneEntry
	Medicines []Medicine // every row of the editor, empty rows included
	PeakFlow  PeakFlowEntry
	Answers   []string // what was written in each blank, in order
}

// ZoneEntry is one zone as entered: signs and actions one to a line.
type ZoneEntry struct {
	Colour, Title, Signs, Actions string
}

// PeakFlowEntry is the personal best and the thresholds as entered; blank
// thresholds follow the template's rule.
type PeakFlowEntry struct {
	Best, Amber, Red string
}

// BlankField names the field where the blank at index i is answered.
func BlankField(i int) string { return fmt.Sprintf("blank-%d", i) }

// MedicineField names a part (name, form, dose, frequency, purpose) of the
// medicine in row i.
func MedicineField(i int, part string) string { return fmt.Sprintf("med-%d-%s", i, part) }

// CheckPlan turns what the nurse entered into a plan's content. rule is the
// template's peak flow rule, when the condition uses peak flow; blanks are
// the template's blanks the plan had when the editor opened.
func CheckPlan(entry PlanEntry, rule *PeakFlowRule, blanks []Blank) (PlanContent, FieldErrors) {
	var content PlanContent
	var errs FieldErrors
	for _, z := range entry.Zones {
		name := strings.ToUpper(z.Colour[:1]) + z.Colour[1:] + " zone"
		field := "zone-" + z.Colour
		errs.requireText(field+"-title", z.Title, "Enter a title for the "+strings.ToLower(name), name+" title", 100)
		content.Zones = append(content.Zones, Zone{Colour: z.Colour, Title: z.Title,
			Signs:   errs.lines(field+"-signs", z.Signs, name+" signs", false),
			Actions: errs.lines(field+"-actions", z.Actions, name+" actions", true)})
	}
	for i, m := range entry.Medicines {
		if m.Name == "" && m.Dose == "" && m.Frequency == "" {
			continue // a spare or template row left empty
		}
		number := strconv.Itoa(i + 1)
		label := "Medicine " + number
		errs.requireText(MedicineField(i, "name"), m.Name, "Enter the name of medicine "+number, label+" name", 200)
		errs.requireText(MedicineField(i, "dose"), m.Dose, "Enter the dose of medicine "+number, label+" dose", 100)
		errs.requireText(MedicineField(i, "frequency"), m.Frequency, "Enter when to take medicine "+number, label+" frequency", 200)
		errs.optionalText(MedicineField(i, "form"), m.Form, label+" form", 100)
		errs.optionalText(MedicineField(i, "purpose"), m.Purpose, label+" purpose", 100)
		content.Medicines = append(content.Medicines, m)
	}
	if rule != nil {
		pf, pfErrs := CheckPeakFlow(entry.PeakFlow, *rule)
		content.PeakFlow = &pf
		errs = append(errs, pfErrs...)
	}
	answers := make([]string, len(blanks))
	for i, blank := range blanks {
		if i < len(entry.Answers) {
			answers[i] = entry.Answers[i]
		}
		errs.optionalText(BlankField(i), answers[i], blank.Label, MaxLineLength)
	}
	content.Blanks = blanks
	content.FillBlanks(answers)
	return content, errs
}

// lines splits a zone part into its lines, leaving out empty ones.
func (errs *FieldErrors) lines(field, value, label string, required bool) []string {
	var lines []string
	for _, line := range strings.Split(value, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	switch {
	case required && len(lines) == 0:
		errs.Add(field, "Enter at least one line for "+lowerFirst(label))
	case len(lines) > MaxPlanLines:
		errs.Add(field, fmt.Sprintf("%s must be %d lines or fewer", label, MaxPlanLines))
	}
	for _, line := range lines {
		if utf8.RuneCountInString(line) > MaxLineLength {
			errs.Add(field, fmt.Sprintf("Each line of %s must be %d characters or fewer", lowerFirst(label), MaxLineLength))
		}
	}
	return lines
}

// CheckPeakFlow reads the personal best and the thresholds. Blank
// thresholds are worked out from the template's percentages; the nurse may
// set their own within sane bounds.
func CheckPeakFlow(entry PeakFlowEntry, rule PeakFlowRule) (PeakFlow, FieldErrors) {
	var errs FieldErrors
	best, ok := errs.wholeNumber("peak-best", entry.Best, "Best peak flow", true)
	if !ok {
		return PeakFlow{}, errs
	}
	if best < MinPeakFlow || best > MaxPeakFlow {
		errs.Add("peak-best", fmt.Sprintf("Best peak flow must be between %d and %d litres a minute", MinPeakFlow, MaxPeakFlow))
		return PeakFlow{}, errs
	}
	pf := rule.Thresholds(best)
	if amber, ok := errs.wholeNumber("peak-amber", entry.Amber, "Amber zone threshold", false); ok && amber != 0 {
		pf.AmberBelow = amber
	}
	if red, ok := errs.wholeNumber("peak-red", entry.Red, "Red zone threshold", false); ok && red != 0 {
		pf.RedBelow = red
	}
	switch {
	case pf.AmberBelow >= best:
		errs.Add("peak-amber", "Amber zone threshold must be lower than the best peak flow")
	case pf.RedBelow >= pf.AmberBelow:
		errs.Add("peak-red", "Red zone threshold must be lower than the amber zone threshold")
	case pf.RedBelow < MinPeakFlow/2:
		errs.Add("peak-red", fmt.Sprintf("Red zone threshold must be %d or more", MinPeakFlow/2))
	}
	return pf, errs
}

// CheckPublishable refuses to publish a plan with a blank still to fill in
// or a medicine the template requires missing, with one error for each on
// the field that mends it. content is what CheckPlan made of entry; blanks
// are the blanks the editor showed.
func CheckPublishable(content PlanContent, entry PlanEntry, blanks []Blank, required []RequiredMedicine) FieldErrors {
	var unanswered []int // the editor's blanks, in order, still empty
	for i := range blanks {
		if i >= len(entry.Answers) || entry.Answers[i] == "" {
			unanswered = append(unanswered, i)
		}
	}
	var errs FieldErrors
	for _, problem := range content.PublishProblems(required) {
		if problem.Medicine == nil {
			errs.Add(BlankField(unanswered[problem.Blank]), problem.Message)
			continue
		}
		errs.Add(entry.medicineRow(problem.Medicine.Purpose), problem.Message)
	}
	return errs
}

// medicineRow is the name field of the row for a medicine of the purpose,
// or of the spare row at the end.
func (entry PlanEntry) medicineRow(purpose string) string {
	for i, m := range entry.Medicines {
		if strings.EqualFold(strings.TrimSpace(m.Purpose), purpose) {
			return MedicineField(i, "name")
		}
	}
	return MedicineField(max(len(entry.Medicines)-1, 0), "name")
}
