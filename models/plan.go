package models

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Zone names of an action plan, in the order a plan shows them.
const (
	ZoneGreen = "green"
	ZoneAmber = "amber"
	ZoneRed   = "red"
)

// Version states: a draft is seen only by staff; patients, carers and
// schools see the latest published version.
const (
	VersionDraft     = "draft"
	VersionPublished = "published"
)

// Parts of a zone.
const (
	PartSigns   = "signs"
	PartActions = "actions"
)

// PlanContent is what one version of an action plan says. It is stored as
// JSON so that each version stays exactly as its author saved it.
type PlanContent struct {
	Zones     []Zone     `json:"zones"`
	Medicines []Medicine `json:"medicines"`
	PeakFlow  *PeakFlow  `json:"peakFlow,omitempty"`
	Blanks    []Blank    `json:"blanks,omitempty"` // the template's blanks not filled in yet
}

// Blank is a template's placeholder that the nurse has not filled in yet.
// Line is where its line goes among the zone part's lines once every blank
// before it is filled in.
type Blank struct {
	Placeholder
	Zone string `json:"zone"`
	Part string `json:"part"`
	Line int    `json:"line"`
}

// FillBlanks puts the nurse's answers into the plan's lines, in their
// places, and keeps the blanks still unanswered. answers holds one answer,
// perhaps empty, for each of the plan's blanks.
func (p *PlanContent) FillBlanks(answers []string) {
	var open []Blank
	unanswered := map[string]int{} // blanks left before a line, by zone part
	for i, blank := range p.Blanks {
		part := blank.Zone + " " + blank.Part
		answer := strings.TrimSpace(answers[i])
		if answer == "" {
			open = append(open, blank)
			unanswered[part]++
			continue
		}
		lines := p.zoneLines(blank.Zone, blank.Part)
		if lines == nil {
			continue // the zone is gone; the nurse sees the blank no more
		}
		at := min(max(blank.Line-unanswered[part], 0), len(*lines))
		*lines = append((*lines)[:at], append([]string{blank.Lead + " " + answer}, (*lines)[at:]...)...)
	}
	p.Blanks = open
}

func (p *PlanContent) zoneLines(colour, part string) *[]string {
	for i := range p.Zones {
		if p.Zones[i].Colour == colour {
			if part == PartSigns {
				return &p.Zones[i].Signs
			}
			return &p.Zones[i].Actions
		}
	}
	return nil
}

// PublishProblem is one thing that stops a plan being published: a blank
// not filled in (Blank is its index) or a required medicine not listed.
type PublishProblem struct {
	Blank    int
	Medicine *RequiredMedicine
	Message  string
}

// PublishProblems lists what stops the plan reaching patients, carers and
// schools: every blank of its template still unanswered, and every medicine
// the template requires that the plan does not name.
func (p PlanContent) PublishProblems(required []RequiredMedicine) []PublishProblem {
	var problems []PublishProblem
	for i, blank := range p.Blanks {
		problems = append(problems, PublishProblem{Blank: i, Message: "Enter " + lowerFirst(blank.Label)})
	}
	for i, need := range required {
		if !p.lists(need) {
			problems = append(problems, PublishProblem{Blank: -1, Medicine: &required[i],
				Message: "Add " + need.Description + " to the medicines, with its name, dose and when to take it"})
		}
	}
	return problems
}

// lists reports whether the plan names a medicine for the need.
func (p PlanContent) lists(need RequiredMedicine) bool {
	for _, m := range p.Medicines {
		if strings.EqualFold(strings.TrimSpace(m.Purpose), need.Purpose) && strings.TrimSpace(m.Name) != "" {
			return true
		}
	}
	return false
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// Zone is one part of an action plan: when it applies and what to do.
type Zone struct {
	Colour  string   `json:"colour"`
	Title   string   `json:"title"`
	Signs   []string `json:"signs"`
	Actions []string `json:"actions"`
}

type Medicine struct {
	Name      string `json:"name"`
	Form      string `json:"form"`
	Dose      string `json:"dose"`
	Frequency string `json:"frequency"`
	Purpose   string `json:"purpose"`
}

// PeakFlow holds a person's asthma thresholds in litres per minute.
type PeakFlow struct {
	PersonalBest int `json:"personalBest"`
	AmberBelow   int `json:"amberBelow"`
	RedBelow     int `json:"redBelow"`
}

// PlanContent decodes the version's plan.
func (v PlanVersion) PlanContent() (PlanContent, error) {
	var content PlanContent
	if err := json.Unmarshal([]byte(v.Content), &content); err != nil {
		return content, fmt.Errorf("plan version %d: %w", v.ID, err)
	}
	return content, nil
}

// EncodePlanContent is the stored form of a plan.
func EncodePlanContent(content PlanContent) (string, error) {
	data, err := json.Marshal(content)
	return string(data), err
}
