package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Peak flow meters read from about 60 to 800 litres a minute; anything
// outside these bounds is a typing mistake.
const (
	MinPeakFlowReading = 30
	MaxPeakFlowReading = 900
)

// ErrCannotAct means the person may see the passport but not act on it.
var ErrCannotAct = errors.New("view only")

// PeakFlowPlan is the patient's plan that uses peak flow, if any.
func (s *Store) PeakFlowPlan(patient *Patient) (*PlanSummary, error) {
	plans, err := s.currentPlans(patient.ID)
	if err != nil {
		return nil, err
	}
	for _, plan := range plans {
		if plan.Content.PeakFlow != nil && plan.Content.PeakFlow.PersonalBest > 0 {
			return &plan, nil
		}
	}
	return nil, ErrNotFound
}

// PeakFlowZone is the zone a peak flow reading falls in.
func (pf PeakFlow) Zone(litres int) string {
	switch {
	case litres < pf.RedBelow:
		return ZoneRed
	case litres < pf.AmberBelow:
		return ZoneAmber
	}
	return ZoneGreen
}

// RecordPeakFlow saves a peak flow reading against the patient's peak flow
// plan. A red-zone reading also raises an alert for the nurse.
func (s *Store) RecordPeakFlow(actor Actor, patient *Patient, plan *PlanSummary, litres int) (*Reading, error) {
	reading := Reading{PatientID: patient.ID, PlanID: &plan.Plan.ID, Kind: ReadingPeakFlow, PeakFlow: &litres,
		Zone: plan.Content.PeakFlow.Zone(litres), RecordedByID: actor.UserID, CreatedAt: s.now()}
	return &reading, s.saveReading(actor, patient, &reading, fmt.Sprintf("peak flow %d", litres))
}

// RecordSymptoms saves a symptom check-in: answering yes to any question
// puts it in the amber zone.
func (s *Store) RecordSymptoms(actor Actor, patient *Patient, plan *ActionPlan, answers map[string]bool) (*Reading, error) {
	encoded, err := json.Marshal(answers)
	if err != nil {
		return nil, err
	}
	zone := ZoneGreen
	for _, yes := range answers {
		if yes {
			zone = ZoneAmber
		}
	}
	reading := Reading{PatientID: patient.ID, PlanID: &plan.ID, Kind: ReadingSymptoms, Answers: string(encoded), Zone: zone,
		RecordedByID: actor.UserID, CreatedAt: s.now()}
	return &reading, s.saveReading(actor, patient, &reading, "symptom check-in")
}

func (s *Store) saveReading(actor Actor, patient *Patient, reading *Reading, detail string) error {
	return s.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(reading).Error; err != nil {
			return err
		}
		if reading.Zone == ZoneRed {
			if err := tx.Create(&Alert{PatientID: patient.ID, ReadingID: reading.ID, Status: AlertOpen, CreatedAt: reading.CreatedAt}).Error; err != nil {
				return err
			}
		}
		return s.audit(tx, actor, AuditEntry{Action: "reading.recorded", PatientID: &patient.ID, OnBehalfOf: onBehalf(actor, patient),
			TargetType: "reading", TargetID: uintString(reading.ID), Detail: detail + ", " + reading.Zone + " zone"})
	})
}

// onBehalf names the patient when someone else acts for them.
func onBehalf(actor Actor, patient *Patient) *uint {
	if actor.Role == RolePatient {
		return nil
	}
	return &patient.ID
}

// ReadingForPatient finds one of a patient's readings.
func (s *Store) ReadingForPatient(patientID, readingID uint) (*Reading, error) {
	var reading Reading
	err := s.db.Where("id = ? AND patient_id = ?", readingID, patientID).First(&reading).Error
	return &reading, notFound(err)
}

// ReadingEntry is a reading with the name of whoever recorded it.
type ReadingEntry struct {
	Reading
	RecordedBy string
}

// ReadingsSince lists a patient's readings since a time, oldest first.
func (s *Store) ReadingsSince(patientID uint, since time.Time) ([]ReadingEntry, error) {
	var readings []ReadingEntry
	err := s.db.Model(&Reading{}).Select("readings.*, users.display_name AS recorded_by").
		Joins("JOIN users ON users.id = readings.recorded_by_id").
		Where("readings.patient_id = ? AND readings.created_at >= ?", patientID, since).
		Order("readings.created_at, readings.id").Scan(&readings).Error
	return readings, err
}

// PlanSummaryFor finds one of a patient's plans with its newest version.
func (s *Store) PlanSummaryFor(patient *Patient, planID uint) (*PlanSummary, error) {
	plans, err := s.currentPlans(patient.ID)
	if err != nil {
		return nil, err
	}
	for _, plan := range plans {
		if plan.Plan.ID == planID {
			return &plan, nil
		}
	}
	return nil, ErrNotFound
}

// CheckInQuestions are the yes or no questions of a plan's template.
func (s *Store) CheckInQuestions(plan *ActionPlan) ([]string, error) {
	template, err := s.PlanTemplate(plan)
	if err != nil || template == nil {
		return nil, err
	}
	content, err := template.Decode()
	return content.SymptomQuestions, err
}

// PlansWithCheckIn lists a patient's plans whose template has check-in
// questions.
func (s *Store) PlansWithCheckIn(patientID uint) ([]ActionPlan, error) {
	var plans []ActionPlan
	if err := s.db.Where("patient_id = ?", patientID).Order("condition_name").Find(&plans).Error; err != nil {
		return nil, err
	}
	var out []ActionPlan
	for _, plan := range plans {
		questions, err := s.CheckInQuestions(&plan)
		if err != nil {
			return nil, err
		}
		if len(questions) > 0 {
			out = append(out, plan)
		}
	}
	return out, nil
}
