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

// contextVoice holds how this request's pages speak of the patient.
const contextVoice = "voice"

// readerPatient finds the passport in the URL for the signed-in patient or
// carer, refusing and auditing anyone else's. mustAct also refuses view-only
// carers. The request's pages then speak to the patient, or to the carer
// about them.
func (h *Handler) readerPatient(c *gin.Context, mustAct bool) (*models.Patient, bool, bool) {
	ref := c.Param("ref")
	user := currentUser(c)
	patient, canAct, err := h.store.ReaderAccess(user, ref)
	if errors.Is(err, models.ErrNotFound) || (err == nil && mustAct && !canAct) {
		h.forbidden(c, models.AuditEntry{TargetType: "passport", TargetID: ref})
		return nil, false, false
	}
	if err != nil {
		h.serverError(c, err)
		return nil, false, false
	}
	if user.Role == models.RoleCarer {
		people, err := h.store.PeopleCaredFor(user.ID)
		if err != nil {
			h.serverError(c, err)
			return nil, false, false
		}
		c.Set(contextVoice, views.CarerVoice(views.NameForCarer(*patient, people)))
	}
	return patient, canAct, true
}

// voiceOf is how this request's pages speak of the patient: to them,
// unless readerPatient found a carer reading.
func voiceOf(c *gin.Context) views.Voice {
	voice, _ := c.Get(contextVoice)
	v, _ := voice.(views.Voice)
	return v
}

func peakFlowTitle(c *gin.Context) string { return "Record " + voiceOf(c).Whose() + " peak flow" }

func passportBase(patient *models.Patient) string { return "/passport/" + patient.Ref }

func (h *Handler) readings(c *gin.Context) {
	patient, canAct, ok := h.readerPatient(c, false)
	if !ok {
		return
	}
	now := time.Now().UTC()
	entries, err := h.store.ReadingsSince(patient.ID, now.Add(-readingsWindow))
	if err != nil {
		h.serverError(c, err)
		return
	}
	page := views.Readings{Patient: patient, Base: passportBase(patient), CanAct: canAct, Entries: entries}
	plan, err := h.store.PeakFlowPlan(patient)
	switch {
	case err == nil:
		chart := views.NewPeakFlowChart(entries, *plan.Content.PeakFlow, now.Add(-readingsWindow), now)
		page.Chart = &chart
	case !errors.Is(err, models.ErrNotFound):
		h.serverError(c, err)
		return
	}
	if page.Symptoms, err = h.store.PlansWithCheckIn(patient.ID); err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.ReadingsPage(h.page(c, views.Capital(voiceOf(c).Whose())+" readings", nil), page))
}

// peakFlowPatient finds the passport in the URL for someone who may act
// on it, and its plan that uses peak flow.
func (h *Handler) peakFlowPatient(c *gin.Context) (*models.Patient, *models.PlanSummary, bool) {
	patient, _, ok := h.readerPatient(c, true)
	if !ok {
		return nil, nil, false
	}
	plan, err := h.store.PeakFlowPlan(patient)
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
	reading, err := h.store.RecordPeakFlow(actor(c), patient, plan, litres)
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
	plan, err := h.store.PlanSummaryFor(patient, planID)
	if err == nil {
		var questions []models.CheckInQuestion
		if questions, err = h.store.CheckInQuestions(&plan.Plan); err == nil && len(questions) > 0 {
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
	patient, _, ok := h.readerPatient(c, true)
	if !ok {
		return
	}
	plan, questions, ok := h.checkInPlan(c, patient, c.Query("plan"))
	if !ok {
		return
	}
	render(c, http.StatusOK, views.SymptomsPage(h.page(c, plan.ConditionName+" check-in", nil), passportBase(patient), plan, questions))
}

func (h *Handler) recordSymptoms(c *gin.Context) {
	patient, _, ok := h.readerPatient(c, true)
	if !ok {
		return
	}
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
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.SymptomsPage(h.page(c, plan.ConditionName+" check-in", form), passportBase(patient), plan, questions))
		return
	}
	reading, err := h.store.RecordSymptoms(actor(c), patient, plan, questions, yes)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, plan.ConditionName+" check-in saved")
	redirect(c, fmt.Sprintf("%s/readings/%d", passportBase(patient), reading.ID))
}

// readingResult shows what a reading means, with the steps of its zone.
func (h *Handler) readingResult(c *gin.Context) {
	patient, _, ok := h.readerPatient(c, false)
	if !ok {
		return
	}
	id, ok := h.idParam(c, "reading")
	if !ok {
		return
	}
	reading, err := h.store.ReadingForPatient(patient.ID, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && reading.PlanID == nil) {
		h.notFound(c)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	plan, err := h.store.PlanSummaryFor(patient, *reading.PlanID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.ReadingResultPage(h.page(c, views.ResultTitle(reading.Zone, voiceOf(c)), nil), passportBase(patient), reading, *plan))
}
