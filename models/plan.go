package models

import (
	"encoding/json"
	"fmt"
)

// Zone names of an action plan, in the order a plan shows them.
const (
	ZoneGreen = "green"
	ZoneAmber = "amber"
	ZoneRed   = "red"
)

// PlanContent is what one version of an action plan says. It is stored as
// JSON so that each version stays exactly as its author saved it.
type PlanContent struct {
	Zones     []Zone     `json:"zones"`
	Medicines []Medicine `json:"medicines"`
	PeakFlow  *PeakFlow  `json:"peakFlow,omitempty"`
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
