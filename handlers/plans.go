package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// spareMedicineRows is how many empty medicine rows the editor offers.
const spareMedicineRows = 1

var zoneColours = []string{models.ZoneGreen, models.ZoneAmber, models.ZoneRed}

// planForm turns a plan into the editor's fields. Thresholds that follow
// the template's rule are left blank, so they follow a new best peak flow.
func planForm(content models.PlanContent, rule *models.PeakFlowRule) *views.Form {
	form := views.NewForm()
	for _, zone := range content.Zones {
		form.Values["zone-"+zone.Colour+"-title"] = zone.Title
		form.Values["zone-"+zone.Colour+"-signs"] = strings.Join(zone.Signs, "\n")
		form.Values["zone-"+zone.Colour+"-actions"] = strings.Join(zone.Actions, "\n")
	}
	for i, m := range content.Medicines {
		for field, value := range map[string]string{"name": m.Name, "form": m.Form, "dose": m.Dose, "frequency": m.Frequency, "purpose": m.Purpose} {
			form.Values[models.MedicineField(i, field)] = value
		}
	}
	form.Values["medicine-rows"] = strconv.Itoa(min(len(content.Medicines)+spareMedicineRows, models.MaxMedicines))
	if pf := content.PeakFlow; pf != nil && pf.PersonalBest > 0 && rule != nil {
		derived := rule.Thresholds(pf.PersonalBest)
		form.Values["peak-best"] = strconv.Itoa(pf.PersonalBest)
		if pf.AmberBelow != derived.AmberBelow {
			form.Values["peak-amber"] = strconv.Itoa(pf.AmberBelow)
		}
		if pf.RedBelow != derived.RedBelow {
			form.Values["peak-red"] = strconv.Itoa(pf.RedBelow)
		}
	}
	return form
}

// readPlan reads the editor's fields and puts the plan rules' problems on
// the form. It returns the plan's content and what was entered, which
// the publish rules read. rule is the template's peak flow rule, when the
// condition uses peak flow; blanks are the template's blanks the plan had
// when the editor opened.
func readPlan(c *gin.Context, form *views.Form, rule *models.PeakFlowRule, blanks []models.Blank) (models.PlanContent, models.PlanEntry) {
	var entry models.PlanEntry
	for _, colour := range zoneColours {
		field := "zone-" + colour
		entry.Zones = append(entry.Zones, models.ZoneEntry{Colour: colour, Title: formValue(c, form, field+"-title"),
			Signs: formValue(c, form, field+"-signs"), Actions: formValue(c, form, field+"-actions")})
	}
	rows, _ := strconv.Atoi(formValue(c, form, "medicine-rows"))
	rows = min(max(rows, 1), models.MaxMedicines)
	form.Values["medicine-rows"] = strconv.Itoa(rows)
	for i := range rows {
		field := func(part string) string { return models.MedicineField(i, part) }
		entry.Medicines = append(entry.Medicines, models.Medicine{Name: formValue(c, form, field("name")), Form: formValue(c, form, field("form")),
			Dose: formValue(c, form, field("dose")), Frequency: formValue(c, form, field("frequency")), Purpose: formValue(c, form, field("purpose"))})
	}
	if rule != nil {
		entry.PeakFlow = models.PeakFlowEntry{Best: formValue(c, form, "peak-best"), Amber: formValue(c, form, "peak-amber"), Red: formValue(c, form, "peak-red")}
	}
	for i := range blanks {
		entry.Answers = append(entry.Answers, formValue(c, form, models.BlankField(i)))
	}
	content, errs := models.CheckPlan(entry, rule, blanks)
	addErrors(form, errs)
	return content, entry
}

// readState reads which button saved the plan: only "Publish" makes the
// version one that patients, carers and schools see.
func readState(c *gin.Context, form *views.Form) string {
	if formValue(c, form, "intent") == models.VersionPublished {
		return models.VersionPublished
	}
	return models.VersionDraft
}

// templateContent is what a template says; nothing for a plan started
// without one.
func templateContent(template *models.ConditionTemplate) (models.TemplateContent, error) {
	if template == nil {
		return models.TemplateContent{}, nil
	}
	return template.Decode()
}

// planTemplate is the template a plan was started from, which may be nil,
// and what it says.
func (h *Handler) planTemplate(ctx context.Context, plan *models.ActionPlan) (*models.ConditionTemplate, models.TemplateContent, error) {
	template, err := h.store.PlanTemplate(ctx, plan)
	if err != nil {
		return nil, models.TemplateContent{}, err
	}
	content, err := templateContent(template)
	return template, content, err
}

// chooseTemplate shows the templates a plan may be started from: outside
// the demo, only versions a clinical safety officer has approved. A form
// with an error says why the chosen template was refused.
func (h *Handler) chooseTemplate(c *gin.Context, status int, patient *models.Patient, form *views.Form) {
	demo, err := h.store.IsDemo(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	templates, err := h.store.Templates(c.Request.Context(), !demo)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, status, views.ChooseTemplatePage(h.page(c, "Add a condition", form), patient, templates))
}

// refuseTemplate shows the templates again, saying why the chosen one
// cannot start a plan.
func (h *Handler) refuseTemplate(c *gin.Context, patient *models.Patient) {
	form := views.NewForm()
	form.Add("template", "Choose a template your clinical safety officer has approved")
	h.chooseTemplate(c, http.StatusUnprocessableEntity, patient, form)
}

// usableTemplate finds the template in the request and checks that a plan
// may be started from it: it must not be retired and, outside the demo, it
// must be approved. The store decides again as it saves the plan.
func (h *Handler) usableTemplate(c *gin.Context, patient *models.Patient, id string) (*models.ConditionTemplate, models.TemplateContent, bool) {
	templateID, _ := parseID(id)
	template, err := h.store.Template(c.Request.Context(), templateID)
	if h.lookupFailed(c, err) {
		return nil, models.TemplateContent{}, false
	}
	demo, err := h.store.IsDemo(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return nil, models.TemplateContent{}, false
	}
	if template.RetiredAt != nil || (!template.Approved && !demo) {
		h.refuseTemplate(c, patient)
		return nil, models.TemplateContent{}, false
	}
	content, err := template.Decode()
	if err != nil {
		h.serverError(c, err)
		return nil, models.TemplateContent{}, false
	}
	return template, content, true
}

// newPlan lets the nurse choose a condition template, then shows the
// editor filled in from it.
func (h *Handler) newPlan(c *gin.Context) {
	patient := patientOf(c)
	if c.Query("template") == "" {
		// The choice form says it was sent, so that sending it with
		// nothing chosen is an error, not a first visit.
		if c.Query("choosing") == "" {
			h.chooseTemplate(c, http.StatusOK, patient, nil)
			return
		}
		form := views.NewForm()
		form.Add("template", "Select the condition to add")
		h.chooseTemplate(c, http.StatusUnprocessableEntity, patient, form)
		return
	}
	template, content, ok := h.usableTemplate(c, patient, c.Query("template"))
	if !ok {
		return
	}
	plan := content.NewPlan()
	h.renderEditor(c, http.StatusOK, patient, views.PlanEditor{Template: template, Form: planForm(plan, content.PeakFlow), PeakFlow: content.PeakFlow,
		Blanks: plan.Blanks})
}

func (h *Handler) createPlan(c *gin.Context) {
	patient := patientOf(c)
	form := views.NewForm()
	template, templated, ok := h.usableTemplate(c, patient, formValue(c, form, "template"))
	if !ok {
		return
	}
	blanks := templated.NewPlan().Blanks
	content, entry := readPlan(c, form, templated.PeakFlow, blanks)
	state := readState(c, form)
	if state == models.VersionPublished {
		addErrors(form, models.CheckPublishable(content, entry, blanks, templated.RequiredMedicines))
	}
	editor := views.PlanEditor{Template: template, Form: form, PeakFlow: templated.PeakFlow, Blanks: blanks}
	if form.HasErrors() {
		h.renderEditor(c, http.StatusUnprocessableEntity, patient, editor)
		return
	}
	plan, err := h.store.CreatePlan(c.Request.Context(), principalOf(c), actor(c), patient.ID, template, content, state)
	if errors.Is(err, models.ErrTemplateNotUsable) {
		// Retired or withdrawn while the nurse was writing.
		h.refuseTemplate(c, patient)
		return
	}
	if errors.Is(err, models.ErrPlanExists) {
		form.Add("zone-green-title", patient.FullName()+" already has a plan for "+strings.ToLower(template.Name)+". Edit that plan instead")
		h.renderEditor(c, http.StatusConflict, patient, editor)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, planSavedMessage(template.Name, state, 1))
	redirect(c, fmt.Sprintf("/patients/%s/plans/%d", patient.Ref, plan.ID))
}

// staffPlan finds the plan in the URL among the patient's plans.
func (h *Handler) staffPlan(c *gin.Context) (*models.Patient, *models.ActionPlan, bool) {
	patient := patientOf(c)
	id, ok := h.idParam(c, "plan")
	if !ok {
		return nil, nil, false
	}
	plan, err := h.store.PlanForPatient(c.Request.Context(), principalOf(c), patient, id)
	if h.lookupFailed(c, err) {
		return nil, nil, false
	}
	return patient, plan, true
}

func (h *Handler) planHistory(c *gin.Context) {
	patient, plan, ok := h.staffPlan(c)
	if !ok {
		return
	}
	versions, err := h.store.PlanHistory(c.Request.Context(), principalOf(c), plan)
	if err != nil || len(versions) == 0 {
		h.serverError(c, fmt.Errorf("plan %d history: %v", plan.ID, err))
		return
	}
	content, err := versions[0].PlanContent()
	if err != nil {
		h.serverError(c, err)
		return
	}
	template, err := h.store.PlanTemplate(c.Request.Context(), plan)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if !h.auditAccess(c, models.AuditEntry{Action: models.AuditPatientViewed, PatientID: &patient.ID, TargetType: "plan", TargetID: strconv.Itoa(int(plan.ID))}) {
		return
	}
	render(c, http.StatusOK, views.PlanHistoryPage(h.page(c, plan.ConditionName+" plan for "+patient.FullName(), nil),
		views.PlanHistory{Patient: patient, Plan: plan, Template: template, Versions: versions, Current: content}))
}

func (h *Handler) editPlan(c *gin.Context) {
	patient, plan, ok := h.staffPlan(c)
	if !ok {
		return
	}
	latest, err := h.store.LatestVersion(c.Request.Context(), principalOf(c), plan)
	if err != nil {
		h.serverError(c, err)
		return
	}
	content, err := latest.PlanContent()
	if err != nil {
		h.serverError(c, err)
		return
	}
	template, templated, err := h.planTemplate(c.Request.Context(), plan)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if !h.auditAccess(c, models.AuditEntry{Action: models.AuditPatientViewed, PatientID: &patient.ID, TargetType: "plan", TargetID: strconv.Itoa(int(plan.ID))}) {
		return
	}
	h.renderEditor(c, http.StatusOK, patient, views.PlanEditor{Plan: plan, Template: template, Base: latest.Number,
		Form: planForm(content, templated.PeakFlow), PeakFlow: templated.PeakFlow, Blanks: content.Blanks})
}

// savePlan saves an edit as a new version. If someone else saved since the
// editor opened, nothing is saved: the nurse sees what each of them changed
// and saves again from the latest version, keeping both sets of changes.
// Saving from the conflict page sends merge-from, the version the edit
// started from, and base, the version it is merged onto.
func (h *Handler) savePlan(c *gin.Context) {
	patient, plan, ok := h.staffPlan(c)
	if !ok {
		return
	}
	template, templated, err := h.planTemplate(c.Request.Context(), plan)
	if err != nil {
		h.serverError(c, err)
		return
	}
	form := views.NewForm()
	base, _ := parseNumber(formValue(c, form, "base"))
	baseVersion, baseContent, ok := h.planVersion(c, plan, base)
	if !ok {
		return
	}
	// The blanks are those of the version the editor opened.
	editedFrom, editedContent := baseVersion, baseContent
	if merging := formValue(c, form, "merge-from"); merging != "" {
		from, _ := parseNumber(merging)
		if editedFrom, editedContent, ok = h.planVersion(c, plan, from); !ok {
			return
		}
	}
	yours, entry := readPlan(c, form, templated.PeakFlow, editedContent.Blanks)
	state := readState(c, form)
	content := yours
	conflict := views.PlanConflict{Patient: patient, Plan: plan, EditedFrom: editedFrom.Number, Form: form}
	if editedFrom.Number != base && !form.HasErrors() {
		// Only the conflict page's choices decide a clash; a clash left
		// unchosen is asked again.
		content, conflict.Clashes = models.MergePlans(editedContent, baseContent, yours, clashChoices(c, form, editedContent, baseContent, yours))
		if state == models.VersionPublished {
			for _, problem := range content.PublishProblems(templated.RequiredMedicines) {
				form.Add("intent", problem.Message+". Save as a draft, then finish the plan in the editor")
			}
		}
		if form.HasErrors() {
			conflict.Latest = base
			h.renderConflict(c, http.StatusUnprocessableEntity, plan, editedContent, baseContent, yours, conflict)
			return
		}
	}
	if state == models.VersionPublished && editedFrom.Number == base {
		addErrors(form, models.CheckPublishable(content, entry, editedContent.Blanks, templated.RequiredMedicines))
	}
	editor := views.PlanEditor{Plan: plan, Template: template, Base: editedFrom.Number, Form: form, PeakFlow: templated.PeakFlow, Blanks: editedContent.Blanks}
	if form.HasErrors() {
		h.renderEditor(c, http.StatusUnprocessableEntity, patient, editor)
		return
	}
	if len(models.DiffPlans(baseContent, content)) == 0 && state == baseVersion.State {
		form = planForm(baseContent, templated.PeakFlow)
		form.Add("zone-green-title", "There are no changes to save")
		h.renderEditor(c, http.StatusUnprocessableEntity, patient, views.PlanEditor{Plan: plan, Template: template, Base: base, Form: form,
			PeakFlow: templated.PeakFlow, Blanks: baseContent.Blanks})
		return
	}
	version, err := h.store.SavePlanVersion(c.Request.Context(), principalOf(c), actor(c), plan, base, content, state)
	if errors.Is(err, models.ErrStaleVersion) {
		latest, err := h.store.LatestVersion(c.Request.Context(), principalOf(c), plan)
		if err != nil {
			h.serverError(c, err)
			return
		}
		latestContent, err := latest.PlanContent()
		if err != nil {
			h.serverError(c, err)
			return
		}
		conflict.Latest = latest.Number
		_, conflict.Clashes = models.MergePlans(editedContent, latestContent, yours, nil)
		h.renderConflict(c, http.StatusConflict, plan, editedContent, latestContent, yours, conflict)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, planSavedMessage(plan.ConditionName, state, version.Number))
	redirect(c, fmt.Sprintf("/patients/%s/plans/%d", patient.Ref, plan.ID))
}

// planSavedMessage says whether a saved plan can now be seen by the
// patient, their carers and schools.
func planSavedMessage(condition, state string, version int) string {
	if state == models.VersionPublished {
		return fmt.Sprintf("%s plan published as version %d", condition, version)
	}
	return fmt.Sprintf("%s plan saved as draft version %d", condition, version)
}

// planVersion finds one of the plan's versions and what it says.
func (h *Handler) planVersion(c *gin.Context, plan *models.ActionPlan, number int) (*models.PlanVersion, models.PlanContent, bool) {
	version, err := h.store.PlanVersionNumbered(c.Request.Context(), principalOf(c), plan, number)
	if h.lookupFailed(c, err) {
		return nil, models.PlanContent{}, false
	}
	content, err := version.PlanContent()
	if err != nil {
		h.serverError(c, err)
		return nil, models.PlanContent{}, false
	}
	return version, content, true
}

// clashChoices reads, for each field both nurses changed, whether to use
// this nurse's change; a clash with no choice is an error on the form.
func clashChoices(c *gin.Context, form *views.Form, base, theirs, yours models.PlanContent) map[string]bool {
	_, clashes := models.MergePlans(base, theirs, yours, nil)
	useYours := map[string]bool{}
	for i, clash := range clashes {
		switch formValue(c, form, views.ClashField(i)) {
		case "yours":
			useYours[clash.Field] = true
		case "theirs":
		default:
			form.Add(views.ClashField(i), "Choose which to keep: "+clash.Field)
		}
	}
	return useYours
}

// renderConflict shows what the other nurse changed and what this one typed,
// both from the version the edit started from, latest being the version
// the edit is merged onto.
func (h *Handler) renderConflict(c *gin.Context, status int, plan *models.ActionPlan, edited, latest, yours models.PlanContent, conflict views.PlanConflict) {
	history, err := h.store.PlanHistory(c.Request.Context(), principalOf(c), plan)
	if err != nil {
		h.serverError(c, err)
		return
	}
	for i := range history {
		if history[i].Number == conflict.Latest {
			conflict.LatestVersion = &history[i]
		}
	}
	conflict.Theirs = models.DiffPlans(edited, latest)
	conflict.Yours = models.DiffPlans(edited, yours)
	render(c, status, views.PlanConflictPage(h.page(c, "Someone else changed this plan", conflict.Form), conflict))
}

func (h *Handler) renderEditor(c *gin.Context, status int, patient *models.Patient, editor views.PlanEditor) {
	editor.Patient = patient
	editor.Form.OrderErrors(editor.Fields())
	title := "Write the " + strings.ToLower(editor.Template.Name) + " plan"
	if editor.Plan != nil {
		title = "Edit the " + strings.ToLower(editor.Plan.ConditionName) + " plan"
	}
	render(c, status, views.PlanEditorPage(h.page(c, title, editor.Form), editor))
}

// comparePlan shows what changed between two versions, field by field.
func (h *Handler) comparePlan(c *gin.Context) {
	patient, plan, ok := h.staffPlan(c)
	if !ok {
		return
	}
	from, _ := parseNumber(c.Query("from"))
	to, _ := parseNumber(c.Query("to"))
	before, err := h.store.PlanVersionNumbered(c.Request.Context(), principalOf(c), plan, from)
	if err != nil {
		h.notFound(c)
		return
	}
	after, err := h.store.PlanVersionNumbered(c.Request.Context(), principalOf(c), plan, to)
	if err != nil {
		h.notFound(c)
		return
	}
	a, err := before.PlanContent()
	if err != nil {
		h.serverError(c, err)
		return
	}
	b, err := after.PlanContent()
	if err != nil {
		h.serverError(c, err)
		return
	}
	if !h.auditAccess(c, models.AuditEntry{Action: models.AuditPatientViewed, PatientID: &patient.ID, TargetType: "plan", TargetID: strconv.Itoa(int(plan.ID))}) {
		return
	}
	render(c, http.StatusOK, views.ComparePage(h.page(c, fmt.Sprintf("Compare versions %d and %d", from, to), nil), patient, plan, from, to, models.DiffPlans(a, b)))
}
