package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

const readingsWindow = 30 * 24 * time.Hour

// voiceOf is how this request's pages speak of the patient: to them,
// unless speakToReader found a carer reading.
func voiceOf(c *gin.Context) views.Voice {
	voice, _ := theVoice.of(c)
	return voice
}

func peakFlowTitle(c *gin.Context) string { return "Record " + voiceOf(c).Whose() + " peak flow" }

func passportBase(patient *models.Patient) string { return "/passport/" + patient.Ref }

func (h *Handler) readings(c *gin.Context) {
	patient := patientOf(c)
	now := time.Now().UTC()
	entries, err := h.store.ReadingsSince(c.Request.Context(), principalOf(c), patient, now.Add(-readingsWindow))
	if err != nil {
		h.serverError(c, err)
		return
	}
	page := views.Readings{Patient: patient, Base: passportBase(patient), CanAct: canAct(c), Entries: entries}
	plan, err := h.store.PeakFlowPlan(c.Request.Context(), principalOf(c), patient)
	switch {
	case err == nil:
		chart := views.NewPeakFlowChart(entries, *plan.Content.PeakFlow, now.Add(-readingsWindow), now)
		page.Chart = &chart
	case !errors.Is(err, models.ErrNotFound):
		h.serverError(c, err)
		return
	}
	if page.Symptoms, err = h.store.PlansWithCheckIn(c.Request.Context(), principalOf(c), patient); err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.ReadingsPage(h.page(c, views.Capital(voiceOf(c).Whose())+" readings", nil), page))
}

// peakFlowPatient is the patient in the URL, and their plan that uses peak
// flow.
func (h *Handler) peakFlowPatient(c *gin.Context) (*models.Patient, *models.PlanSummary, bool) {
	patient := patientOf(c)
	plan, err := h.store.PeakFlowPlan(c.Request.Context(), principalOf(c), patient)
	if h.lookupFailed(c, err) {
		return nil, nil, false
	}
	return patient, plan, true
}

func (h *Handler) peakFlowForm(c *gin.Context) {
	patient, plan, ok := h.peakFlowPatient(c)
	if !ok {
		return
	}
	render(c, http.StatusOK, views.PeakFlowPage(h.page(c, peakFlowTitle(c), nil), passportBase(patient), *plan.Content.PeakFlow))
}

func (h *Handler) recordPeakFlow(c *gin.Context) {
	patient, plan, ok := h.peakFlowPatient(c)
	if !ok {
		return
	}
	form := views.NewForm()
	litres, errs := models.CheckPeakFlowReading(formValue(c, form, "litres"))
	addErrors(form, errs)
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.PeakFlowPage(h.page(c, peakFlowTitle(c), form), passportBase(patient), *plan.Content.PeakFlow))
		return
	}
	reading, err := h.store.RecordPeakFlow(c.Request.Context(), principalOf(c), actor(c), patient, plan, litres)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, "Peak flow reading saved")
	redirect(c, fmt.Sprintf("%s/readings/%d", passportBase(patient), reading.ID))
}

// checkInPlan finds the published plan whose check-in questions are asked,
// from the query or the form.
func (h *Handler) checkInPlan(c *gin.Context, patient *models.Patient, id string) (*models.ActionPlan, []models.CheckInQuestion, bool) {
	planID, _ := parseID(id)
	plan, err := h.store.PlanSummaryFor(c.Request.Context(), principalOf(c), patient, planID)
	if err == nil {
		var questions []models.CheckInQuestion
		if questions, err = h.store.CheckInQuestions(c.Request.Context(), &plan.Plan); err == nil && len(questions) > 0 {
			return &plan.Plan, questions, true
		}
	}
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		h.serverError(c, err)
		return nil, nil, false
	}
	h.notFound(c)
	return nil, nil, false
}

func (h *Handler) symptomsForm(c *gin.Context) {
	patient := patientOf(c)
	plan, questions, ok := h.checkInPlan(c, patient, c.Query("plan"))
	if !ok {
		return
	}
	render(c, http.StatusOK, views.SymptomsPage(h.page(c, plan.ConditionName+" check-in", nil), passportBase(patient), plan, questions))
}

func (h *Handler) recordSymptoms(c *gin.Context) {
	patient := patientOf(c)
	form := views.NewForm()
	plan, questions, ok := h.checkInPlan(c, patient, formValue(c, form, "plan"))
	if !ok {
		return
	}
	answers := make([]string, len(questions))
	asked := make([]string, len(questions))
	for i, question := range questions {
		answers[i] = formValue(c, form, models.CheckInField(i))
		asked[i] = voiceOf(c).Question(question)
	}
	yes, errs := models.CheckInAnswers(answers, asked)
	addErrors(form, errs)
	var outcome models.CheckInOutcome
	outcome.UnplannedCare, errs = models.CheckUnplannedCare(formValue(c, form, models.UnplannedCareField), voiceOf(c).Who())
	addErrors(form, errs)
	if models.IsAsthma(*plan) {
		rcp := make([]string, len(models.RCPQuestions))
		for i := range rcp {
			rcp[i] = formValue(c, form, models.RCPField(i))
		}
		outcome.RCPScore, errs = models.CheckRCPAnswers(rcp, views.RCPAsked(voiceOf(c)))
		addErrors(form, errs)
	}
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.SymptomsPage(h.page(c, plan.ConditionName+" check-in", form), passportBase(patient), plan, questions))
		return
	}
	reading, err := h.store.RecordSymptoms(c.Request.Context(), principalOf(c), actor(c), patient, plan, questions, yes, outcome)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, plan.ConditionName+" check-in saved")
	redirect(c, fmt.Sprintf("%s/readings/%d", passportBase(patient), reading.ID))
}

// readingResult shows what a reading means, with the steps of its zone.
func (h *Handler) readingResult(c *gin.Context) {
	patient := patientOf(c)
	id, ok := h.idParam(c, "reading")
	if !ok {
		return
	}
	reading, err := h.store.ReadingForPatient(c.Request.Context(), principalOf(c), patient, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && reading.PlanID == nil) {
		h.notFound(c)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	plan, err := h.store.PlanSummaryFor(c.Request.Context(), principalOf(c), patient, *reading.PlanID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.ReadingResultPage(h.page(c, views.ResultTitle(reading.Zone, voiceOf(c)), nil), passportBase(patient), reading, *plan))
}
