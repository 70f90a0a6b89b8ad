package models

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Limits of a template variant and of an approval.
const (
	MaxCheckInQuestions   = 10
	MaxRequiredMedicines  = 5
	MaxSafetyStatement    = 2000
	MaxSafetyCaseRef      = 200
	maxQuestionLength     = 300
	maxMedicineLabelWidth = 100
)

// TemplateEntry is a local variant as an administrator entered it: each
// zone's title and shared wording one line to a row, the check-in
// questions and required medicines row by row (empty rows included), and
// the peak flow percentages.
type TemplateEntry struct {
	Zones        []ZoneEntry
	Questions    []CheckInQuestion
	Required     []RequiredMedicine
	AmberPercent string
	RedPercent   string
}

// QuestionField names a part (text, about, zone) of the check-in question
// in row i of the variant form.
func QuestionField(i int, part string) string { return fmt.Sprintf("question-%d-%s", i, part) }

// RequiredField names a part (purpose, description) of the required
// medicine in row i of the variant form.
func RequiredField(i int, part string) string { return fmt.Sprintf("required-%d-%s", i, part) }

// CheckTemplateVariant turns what an administrator entered into the content
// of a new version of the base template. The base's blanks stay where they
// were among each zone's lines: only the person's nurse can answer them, so
// a variant changes the shared wording around them. The base's medicines
// stay too; the medicines a plan cannot be published without must be among
// them, so that the editor can find each one.
func CheckTemplateVariant(entry TemplateEntry, base TemplateContent) (TemplateContent, FieldErrors) {
	var errs FieldErrors
	content := TemplateContent{Medicines: base.Medicines}
	for i, zone := range base.Zones {
		z := ZoneEntry{Colour: zone.Colour}
		if i < len(entry.Zones) {
			z = entry.Zones[i]
		}
		name := strings.ToUpper(zone.Colour[:1]) + zone.Colour[1:] + " zone"
		field := "zone-" + zone.Colour
		errs.requireText(field+"-title", z.Title, "Enter a title for the "+strings.ToLower(name), name+" title", 100)
		signs := errs.lines(field+"-signs", z.Signs, name+" signs", false)
		actions := errs.lines(field+"-actions", z.Actions, name+" actions", !hasBlank(zone.Actions))
		content.Zones = append(content.Zones, TemplateZone{Colour: zone.Colour, Title: z.Title,
			Signs: keepBlanks(zone.Signs, signs), Actions: keepBlanks(zone.Actions, actions)})
	}

	// The form asks for the percentages after the zones, so their errors
	// come next in the summary.
	if base.PeakFlow != nil {
		amber, amberOK := errs.percent("peak-amber", entry.AmberPercent, "Amber zone percentage")
		red, redOK := errs.percent("peak-red", entry.RedPercent, "Red zone percentage")
		if amberOK && redOK && red >= amber {
			errs.Add("peak-red", "Red zone percentage must be lower than the amber zone percentage")
		}
		content.PeakFlow = &PeakFlowRule{AmberPercent: amber, RedPercent: red}
	}

	redSign := false
	for i, q := range entry.Questions {
		if q.Text == "" && q.AboutThem == "" {
			continue // a spare row left empty
		}
		number := strconv.Itoa(i + 1)
		errs.requireText(QuestionField(i, "text"), q.Text, "Enter check-in question "+number, "Check-in question "+number, maxQuestionLength)
		errs.optionalText(QuestionField(i, "about"), q.AboutThem, "Check-in question "+number+" as a carer is asked it", maxQuestionLength)
		if q.Zone != ZoneAmber && q.Zone != ZoneRed {
			errs.Add(QuestionField(i, "zone"), "Select the zone a yes to check-in question "+number+" means")
		}
		redSign = redSign || q.Zone == ZoneRed
		content.SymptomQuestions = append(content.SymptomQuestions, q)
	}
	switch {
	case len(content.SymptomQuestions) > MaxCheckInQuestions:
		errs.Add(QuestionField(0, "text"), fmt.Sprintf("A check-in must have %d questions or fewer", MaxCheckInQuestions))
	case len(content.SymptomQuestions) > 0 && !redSign:
		// A check-in with no red-zone sign could never send anyone to the
		// red zone's steps (hazard H4).
		errs.Add(QuestionField(0, "zone"), "At least one check-in question must be a red-zone sign")
	}

	var purposes []string
	for _, m := range base.Medicines {
		purposes = append(purposes, m.Purpose)
	}
	for i, r := range entry.Required {
		if r.Purpose == "" && r.Description == "" {
			continue
		}
		number := strconv.Itoa(i + 1)
		errs.requireText(RequiredField(i, "purpose"), r.Purpose, "Select what required medicine "+number+" is for", "Required medicine "+number, maxMedicineLabelWidth)
		if r.Purpose != "" && !slices.Contains(purposes, r.Purpose) {
			errs.Add(RequiredField(i, "purpose"), "Required medicine "+number+" must be one of the template's medicines: "+strings.Join(purposes, ", "))
		}
		errs.requireText(RequiredField(i, "description"), r.Description, "Enter how a sentence names required medicine "+number,
			"The name of required medicine "+number, maxMedicineLabelWidth)
		content.RequiredMedicines = append(content.RequiredMedicines, r)
	}
	if len(content.RequiredMedicines) > MaxRequiredMedicines {
		errs.Add(RequiredField(0, "purpose"), fmt.Sprintf("A template can require %d medicines or fewer", MaxRequiredMedicines))
	}

	return content, errs
}

// percent reads a share of the personal best, from 1 to 99.
func (errs *FieldErrors) percent(field, value, label string) (int, bool) {
	n, ok := errs.wholeNumber(field, value, label, true)
	if ok && (n < 1 || n > 99) {
		errs.Add(field, label+" must be between 1 and 99")
		return n, false
	}
	return n, ok
}

// hasBlank reports whether a zone part asks the nurse anything: a part
// with a blank needs no shared wording of its own.
func hasBlank(lines []TemplateLine) bool {
	for _, line := range lines {
		if line.Blank != nil {
			return true
		}
	}
	return false
}

// keepBlanks puts a part's blanks back among its new wording, each at the
// place it had, or at the end if the wording got shorter.
func keepBlanks(base []TemplateLine, text []string) []TemplateLine {
	lines := make([]TemplateLine, 0, len(base)+len(text))
	next := 0
	for i, line := range base {
		if line.Blank == nil {
			continue
		}
		for len(lines) < i && next < len(text) {
			lines = append(lines, say(text[next]))
			next++
		}
		lines = append(lines, line)
	}
	for ; next < len(text); next++ {
		lines = append(lines, say(text[next]))
	}
	return lines
}

// TemplateApproval is what a clinical safety officer states on approving
// a template version.
type TemplateApproval struct {
	Statement     string
	SafetyCaseRef string
}

// CheckTemplateApproval asks for both the statement and the reference to
// the local safety case: an approval without them could not be traced.
func CheckTemplateApproval(a TemplateApproval) FieldErrors {
	var errs FieldErrors
	errs.requireText("statement", a.Statement, "Enter your clinical safety statement", "Clinical safety statement", MaxSafetyStatement)
	errs.requireText("safety-case", a.SafetyCaseRef, "Enter the reference to your local safety case", "Safety case reference", MaxSafetyCaseRef)
	return errs
}
