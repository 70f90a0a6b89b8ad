package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
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
func (s *Store) PeakFlowPlan(ctx context.Context, principal *Principal, patient *Patient) (*PlanSummary, error) {
	plans, err := s.currentPlans(ctx, principal, patient.ID)
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
// plan. A red-zone reading also raises an alert for the nurse and has the
// clinic told.
func (s *Store) RecordPeakFlow(ctx context.Context, principal *Principal, actor Actor, patient *Patient, plan *PlanSummary, litres int) (*Reading, error) {
	reading := Reading{PatientID: patient.ID, PlanID: &plan.Plan.ID, Kind: ReadingPeakFlow, PeakFlow: &litres,
		Zone: plan.Content.PeakFlow.Zone(litres), RecordedByID: actor.UserID, CreatedAt: s.now()}
	return &reading, s.saveReading(ctx, principal, actor, patient, &reading, fmt.Sprintf("peak flow %d", litres))
}

// CheckInZone is the zone of a check-in: the most serious zone among the
// questions answered yes, and green when every answer is no. yes holds one
// answer for each question.
func CheckInZone(questions []CheckInQuestion, yes []bool) string {
	zone := ZoneGreen
	for i, question := range questions {
		switch {
		case !yes[i]:
		case question.Zone == ZoneRed:
			return ZoneRed
		default:
			zone = ZoneAmber
		}
	}
	return zone
}

// CheckInOutcome is a check-in's answers about unplanned care and, for
// asthma, the RCP questions' score.
type CheckInOutcome struct {
	UnplannedCare string
	RCPScore      *int
}

// RecordSymptoms saves a symptom check-in. yes holds one answer for each
// question.
func (s *Store) RecordSymptoms(ctx context.Context, principal *Principal, actor Actor, patient *Patient, plan *ActionPlan, questions []CheckInQuestion, yes []bool, outcome CheckInOutcome) (*Reading, error) {
	answers := make(map[string]bool, len(questions))
	for i, question := range questions {
		answers[question.Text] = yes[i]
	}
	encoded, err := json.Marshal(answers)
	if err != nil {
		return nil, err
	}
	reading := Reading{PatientID: patient.ID, PlanID: &plan.ID, Kind: ReadingSymptoms, Answers: string(encoded),
		Zone: CheckInZone(questions, yes), RecordedByID: actor.UserID, UnplannedCare: outcome.UnplannedCare, RCPScore: outcome.RCPScore, CreatedAt: s.now()}
	return &reading, s.saveReading(ctx, principal, actor, patient, &reading, "symptom check-in")
}

// openAlertOfTheDay is the conflict target of the unique index that allows
// one open alert per patient per day. Its condition is written out, not
// bound, so that PostgreSQL can match it to the partial index.
var openAlertOfTheDay = clause.OnConflict{
	Columns:     []clause.Column{{Name: "patient_id"}, {Name: "raised_on"}},
	TargetWhere: clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "status = '" + AlertOpen + "'"}}},
	DoUpdates: clause.Set{
		{Column: clause.Column{Name: "reading_count"}, Value: gorm.Expr("alerts.reading_count + 1")},
		{Column: clause.Column{Name: "reading_id"}, Value: gorm.Expr("excluded.reading_id")},
	},
}

func (s *Store) saveReading(ctx context.Context, principal *Principal, actor Actor, patient *Patient, reading *Reading, detail string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := claimPatient(tx, principal, patient.ID); err != nil {
			return err
		}
		if err := tx.Create(reading).Error; err != nil {
			return err
		}
		if reading.Zone == ZoneRed {
			// A second red reading the same day counts on the open alert
			// instead of raising another: one insert or increment, decided
			// by the database, however many readings arrive at once.
			alert := Alert{PatientID: patient.ID, ReadingID: reading.ID, RaisedOn: UKDay(reading.CreatedAt),
				ReadingCount: 1, Status: AlertOpen, CreatedAt: reading.CreatedAt}
			if err := tx.Clauses(openAlertOfTheDay).Create(&alert).Error; err != nil {
				return err
			}
			// Every red reading asks; the clinic is told once per alert.
			if err := s.Enqueue(tx, NotifyClinicArgs{AlertID: alert.ID}); err != nil {
				return err
			}
			// Both kinds of reading are Observations in the API.
			if err := s.queueWebhooks(tx, patient.ID, EventRedZoneReading, map[string]string{"observation": "Observation/" + uintString(reading.ID)}); err != nil {
				return err
			}
			// Carers who may act hear of it once per alert, within their
			// quiet hours' choice like every message a nurse did not mark
			// urgent: the reading itself tells the reader what to do now.
			if err := s.queueEvent(tx, messageEvent{key: "red-reading:" + uintString(alert.ID), kind: MessageRedReading,
				patient: patient, except: actor.UserID}); err != nil {
				return err
			}
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditReadingRecorded, PatientID: &patient.ID, OnBehalfOf: onBehalf(actor, patient),
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
func (s *Store) ReadingForPatient(ctx context.Context, principal *Principal, patient *Patient, readingID uint) (*Reading, error) {
	var reading Reading
	err := s.db.WithContext(ctx).Where("id = ? AND patient_id = ?", readingID, patient.ID).Where(principal.mayRead("patient_id")).First(&reading).Error
	return &reading, notFound(err)
}

// ReadingEntry is a reading with the name of whoever recorded it.
type ReadingEntry struct {
	Reading
	RecordedBy string
}

// ReadingsSince lists a patient's readings since a time, oldest first.
func (s *Store) ReadingsSince(ctx context.Context, principal *Principal, patient *Patient, since time.Time) ([]ReadingEntry, error) {
	var readings []ReadingEntry
	err := s.db.WithContext(ctx).Model(&Reading{}).Select("readings.*, users.display_name AS recorded_by").
		Joins("JOIN users ON users.id = readings.recorded_by_id").
		Where("readings.patient_id = ? AND readings.created_at >= ?", patient.ID, since).Where(principal.mayRead("readings.patient_id")).
		Order("readings.created_at, readings.id").Scan(&readings).Error
	return readings, err
}

// PlanSummaryFor finds one of a patient's plans with its latest published
// version.
func (s *Store) PlanSummaryFor(ctx context.Context, principal *Principal, patient *Patient, planID uint) (*PlanSummary, error) {
	plans, err := s.currentPlans(ctx, principal, patient.ID)
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
func (s *Store) CheckInQuestions(plan *ActionPlan) ([]CheckInQuestion, error) {
	template, err := s.PlanTemplate(plan)
	if err != nil || template == nil {
		return nil, err
	}
	content, err := template.Decode()
	return content.SymptomQuestions, err
}

// PlansWithCheckIn lists a patient's published plans whose template has
// check-in questions.
func (s *Store) PlansWithCheckIn(ctx context.Context, principal *Principal, patient *Patient) ([]ActionPlan, error) {
	plans, err := s.currentPlans(ctx, principal, patient.ID)
	if err != nil {
		return nil, err
	}
	var templateIDs []uint
	for _, plan := range plans {
		if plan.Plan.TemplateID != nil {
			templateIDs = append(templateIDs, *plan.Plan.TemplateID)
		}
	}
	if len(templateIDs) == 0 {
		return nil, nil
	}
	var templates []ConditionTemplate
	if err := s.db.WithContext(ctx).Where("id IN ?", templateIDs).Find(&templates).Error; err != nil {
		return nil, err
	}
	asks := make(map[uint]bool, len(templates))
	for _, template := range templates {
		content, err := template.Decode()
		if err != nil {
			return nil, err
		}
		asks[template.ID] = len(content.SymptomQuestions) > 0
	}
	var out []ActionPlan
	for _, plan := range plans {
		if plan.Plan.TemplateID != nil && asks[*plan.Plan.TemplateID] {
			out = append(out, plan.Plan)
		}
	}
	return out, nil
}

// Summary says what an alert was raised for, in words.
func (a Alert) Summary() string {
	day := a.RaisedOn
	if raised, err := time.Parse(time.DateOnly, a.RaisedOn); err == nil {
		day = raised.Format("2 January 2006")
	}
	if a.ReadingCount == 1 {
		return "1 reading in the red zone on " + day
	}
	return strconv.Itoa(a.ReadingCount) + " readings in the red zone on " + day
}
