package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PeakFlowPlan is the patient's plan that uses peak flow, if any.
func (s *Store) PeakFlowPlan(ctx context.Context, principal *models.Principal, patient *models.Patient) (*models.PlanSummary, error) {
	plans, err := s.currentPlans(ctx, principal, patient.ID)
	if err != nil {
		return nil, err
	}
	for _, plan := range plans {
		if plan.Content.PeakFlow != nil && plan.Content.PeakFlow.PersonalBest > 0 {
			return &plan, nil
		}
	}
	return nil, models.ErrNotFound
}

// RecordPeakFlow saves a peak flow reading against the patient's peak flow
// plan. A red-zone reading also raises an alert for the nurse and has the
// clinic told.
func (s *Store) RecordPeakFlow(ctx context.Context, principal *models.Principal, actor models.Actor, patient *models.Patient, plan *models.PlanSummary, litres int) (*models.Reading, error) {
	reading := models.Reading{PatientID: patient.ID, PlanID: &plan.Plan.ID, Kind: models.ReadingPeakFlow, PeakFlow: &litres,
		Zone: plan.Content.PeakFlow.Zone(litres), RecordedByID: actor.UserID, CreatedAt: s.now()}
	return &reading, s.saveReading(ctx, principal, actor, patient, &reading, fmt.Sprintf("peak flow %d", litres))
}

// RecordSymptoms saves a symptom check-in. yes holds one answer for each
// question.
func (s *Store) RecordSymptoms(ctx context.Context, principal *models.Principal, actor models.Actor, patient *models.Patient, plan *models.ActionPlan, questions []models.CheckInQuestion, yes []bool, outcome models.CheckInOutcome) (*models.Reading, error) {
	answers := make(map[string]bool, len(questions))
	for i, question := range questions {
		answers[question.Text] = yes[i]
	}
	encoded, err := json.Marshal(answers)
	if err != nil {
		return nil, err
	}
	reading := models.Reading{PatientID: patient.ID, PlanID: &plan.ID, Kind: models.ReadingSymptoms, Answers: string(encoded),
		Zone: models.CheckInZone(questions, yes), RecordedByID: actor.UserID, UnplannedCare: outcome.UnplannedCare, RCPScore: outcome.RCPScore, CreatedAt: s.now()}
	return &reading, s.saveReading(ctx, principal, actor, patient, &reading, "symptom check-in")
}

// openAlertOfTheDay is the conflict target of the unique index that allows
// one open alert per patient per day. Its condition is written out, not
// bound, so that PostgreSQL can match it to the partial index.
var openAlertOfTheDay = clause.OnConflict{
	Columns:     []clause.Column{{Name: "patient_id"}, {Name: "raised_on"}},
	TargetWhere: clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "status = '" + models.AlertOpen + "'"}}},
	DoUpdates: clause.Set{
		{Column: clause.Column{Name: "reading_count"}, Value: gorm.Expr("alerts.reading_count + 1")},
		{Column: clause.Column{Name: "reading_id"}, Value: gorm.Expr("excluded.reading_id")},
	},
}

func (s *Store) saveReading(ctx context.Context, principal *models.Principal, actor models.Actor, patient *models.Patient, reading *models.Reading, detail string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := claimPatient(tx, principal, patient.ID); err != nil {
			return err
		}
		if err := tx.Create(reading).Error; err != nil {
			return err
		}
		if reading.Zone == models.ZoneRed {
			// A second red reading the same day counts on the open alert
			// instead of raising another: one insert or increment, decided
			// by the database, however many readings arrive at once.
			alert := models.Alert{PatientID: patient.ID, ReadingID: reading.ID, RaisedOn: models.UKDay(reading.CreatedAt),
				ReadingCount: 1, Status: models.AlertOpen, CreatedAt: reading.CreatedAt}
			if err := tx.Clauses(openAlertOfTheDay).Create(&alert).Error; err != nil {
				return err
			}
			// Every red reading asks; the clinic is told once per alert.
			if err := s.Enqueue(tx, NotifyClinicArgs{AlertID: alert.ID}); err != nil {
				return err
			}
			// Both kinds of reading are Observations in the API.
			if err := s.queueWebhooks(tx, patient.ID, models.EventRedZoneReading, map[string]string{"observation": "Observation/" + models.UintString(reading.ID)}); err != nil {
				return err
			}
			// Carers who may act hear of it once per alert, within their
			// quiet hours' choice like every message a nurse did not mark
			// urgent: the reading itself tells the reader what to do now.
			if err := s.queueEvent(tx, messageEvent{key: "red-reading:" + models.UintString(alert.ID), kind: models.MessageRedReading,
				patient: patient, except: actor.UserID}); err != nil {
				return err
			}
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditReadingRecorded, PatientID: &patient.ID, OnBehalfOf: onBehalf(actor, patient),
			TargetType: "reading", TargetID: models.UintString(reading.ID), Detail: detail + ", " + reading.Zone + " zone"})
	})
}

// onBehalf names the patient when someone else acts for them.
func onBehalf(actor models.Actor, patient *models.Patient) *uint {
	if actor.Role == models.RolePatient {
		return nil
	}
	return &patient.ID
}

// ReadingForPatient finds one of a patient's readings.
func (s *Store) ReadingForPatient(ctx context.Context, principal *models.Principal, patient *models.Patient, readingID uint) (*models.Reading, error) {
	var reading models.Reading
	err := s.db.WithContext(ctx).Where("id = ? AND patient_id = ?", readingID, patient.ID).Where(mayRead(principal, "patient_id")).First(&reading).Error
	return &reading, notFound(err)
}

// ReadingsSince lists a patient's readings since a time, oldest first.
func (s *Store) ReadingsSince(ctx context.Context, principal *models.Principal, patient *models.Patient, since time.Time) ([]models.ReadingEntry, error) {
	var readings []models.ReadingEntry
	err := s.db.WithContext(ctx).Model(&models.Reading{}).Select("readings.*, users.display_name AS recorded_by").
		Joins("JOIN users ON users.id = readings.recorded_by_id").
		Where("readings.patient_id = ? AND readings.created_at >= ?", patient.ID, since).Where(mayRead(principal, "readings.patient_id")).
		Order("readings.created_at, readings.id").Scan(&readings).Error
	return readings, err
}

// PlanSummaryFor finds one of a patient's plans with its latest published
// version.
func (s *Store) PlanSummaryFor(ctx context.Context, principal *models.Principal, patient *models.Patient, planID uint) (*models.PlanSummary, error) {
	plans, err := s.currentPlans(ctx, principal, patient.ID)
	if err != nil {
		return nil, err
	}
	for _, plan := range plans {
		if plan.Plan.ID == planID {
			return &plan, nil
		}
	}
	return nil, models.ErrNotFound
}

// CheckInQuestions are the yes or no questions of a plan's template.
func (s *Store) CheckInQuestions(ctx context.Context, plan *models.ActionPlan) ([]models.CheckInQuestion, error) {
	template, err := s.PlanTemplate(ctx, plan)
	if err != nil || template == nil {
		return nil, err
	}
	content, err := template.Decode()
	return content.SymptomQuestions, err
}

// PlansWithCheckIn lists a patient's published plans whose template has
// check-in questions.
func (s *Store) PlansWithCheckIn(ctx context.Context, principal *models.Principal, patient *models.Patient) ([]models.ActionPlan, error) {
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
	var templates []models.ConditionTemplate
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
	var out []models.ActionPlan
	for _, plan := range plans {
		if plan.Plan.TemplateID != nil && asks[*plan.Plan.TemplateID] {
			out = append(out, plan.Plan)
		}
	}
	return out, nil
}
