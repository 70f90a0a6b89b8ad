package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// loadTemplate finds the template version named in the path. Templates
// belong to no patient: the route group decides who may see them.
func (h *Handler) loadTemplate(c *gin.Context) {
	id, ok := h.idParam(c, "template")
	if !ok {
		return
	}
	template, err := h.store.Template(c.Request.Context(), id)
	if h.lookupFailed(c, err) {
		return
	}
	theTemplate.keep(c, template)
	c.Next()
}

func templateOf(c *gin.Context) *models.ConditionTemplate {
	return theTemplate.loaded(c)
}

func (h *Handler) templates(c *gin.Context) {
	templates, err := h.store.TemplateVersions(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.TemplatesPage(h.page(c, "Condition templates", nil), templates))
}

func (h *Handler) templateVersion(c *gin.Context) {
	h.renderTemplateVersion(c, http.StatusOK, nil)
}

// renderTemplateVersion shows a version's page, with a form's errors when
// an approval was refused.
func (h *Handler) renderTemplateVersion(c *gin.Context, status int, form *views.Form) {
	template := templateOf(c)
	content, err := template.Decode()
	if err != nil {
		h.serverError(c, err)
		return
	}
	ctx := c.Request.Context()
	versions, err := h.store.VersionsOf(ctx, template.Key)
	if err != nil {
		h.serverError(c, err)
		return
	}
	plans, err := h.store.PlansFromTemplate(ctx, template.ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	role := currentUser(c).Role
	v := views.TemplateVersion{Template: template, Content: content, Versions: versions, Plans: plans,
		MayGovern: role == models.RoleSafetyOfficer, MayVary: role == models.RoleAdmin}
	for i := range versions {
		if template.BasedOnID != nil && versions[i].ID == *template.BasedOnID {
			v.BasedOn = &versions[i]
		}
	}
	render(c, status, views.TemplateVersionPage(h.page(c, template.Label(), form), v))
}

func (h *Handler) previewTemplate(c *gin.Context) {
	template := templateOf(c)
	content, err := template.Decode()
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.TemplatePreviewPage(h.page(c, "Preview of "+template.Label(), nil), template, content.Preview()))
}

func (h *Handler) compareTemplates(c *gin.Context) {
	ctx := c.Request.Context()
	fromID, fromOK := parseID(c.Query("from"))
	toID, toOK := parseID(c.Query("to"))
	if !fromOK || !toOK {
		h.notFound(c)
		return
	}
	from, err := h.store.Template(ctx, fromID)
	if h.lookupFailed(c, err) {
		return
	}
	to, err := h.store.Template(ctx, toID)
	if h.lookupFailed(c, err) {
		return
	}
	before, err := from.Decode()
	if err != nil {
		h.serverError(c, err)
		return
	}
	after, err := to.Decode()
	if err != nil {
		h.serverError(c, err)
		return
	}
	templates, err := h.store.TemplateVersions(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	title := fmt.Sprintf("Compare %s and %s", from.Label(), to.Label())
	render(c, http.StatusOK, views.TemplateComparePage(h.page(c, title, nil), templates, from, to, models.DiffTemplates(before, after)))
}

func (h *Handler) approveTemplate(c *gin.Context) {
	template := templateOf(c)
	form := views.NewForm()
	approval := models.TemplateApproval{Statement: formValue(c, form, "statement"), SafetyCaseRef: formValue(c, form, "safety-case")}
	addErrors(form, models.CheckTemplateApproval(approval))
	if form.HasErrors() {
		h.renderTemplateVersion(c, http.StatusUnprocessableEntity, form)
		return
	}
	_, err := h.store.ApproveTemplateVersion(c.Request.Context(), principalOf(c), actor(c), template.ID, approval)
	switch {
	// Where the version stands decides these, so the error links to it.
	case errors.Is(err, models.ErrTemplateApproved):
		form.Add("state", "This version was approved already")
	case errors.Is(err, models.ErrTemplateRetired):
		form.Add("state", "This version was retired: it cannot be approved")
	case errors.Is(err, models.ErrOwnVariant):
		form.Add("state", "You made this variant, so someone else must approve it")
	case err != nil:
		h.serverError(c, err)
		return
	default:
		h.flash(c, template.Label()+" is approved for use with patients")
		redirect(c, "/templates/"+strconv.Itoa(int(template.ID)))
		return
	}
	h.reloadTemplate(c)
	h.renderTemplateVersion(c, http.StatusConflict, form)
}

// reloadTemplate reads the version in the path again after a refused
// change, so the page shows where it stands now.
func (h *Handler) reloadTemplate(c *gin.Context) {
	if template, err := h.store.Template(c.Request.Context(), templateOf(c).ID); err == nil {
		theTemplate.keep(c, template)
	}
}

func (h *Handler) confirmRetireTemplate(c *gin.Context) {
	template := templateOf(c)
	if template.RetiredAt != nil {
		redirect(c, "/templates/"+strconv.Itoa(int(template.ID)))
		return
	}
	plans, err := h.store.PlansFromTemplate(c.Request.Context(), template.ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.RetireTemplatePage(h.page(c, "Retire "+template.Label(), nil), template, plans))
}

func (h *Handler) retireTemplate(c *gin.Context) {
	template := templateOf(c)
	_, err := h.store.RetireTemplateVersion(c.Request.Context(), principalOf(c), actor(c), template.ID)
	switch {
	case errors.Is(err, models.ErrTemplateRetired):
		h.flash(c, template.Label()+" was retired already")
	case err != nil:
		h.serverError(c, err)
		return
	default:
		h.flash(c, template.Label()+" is retired. Plans made from it are marked for review")
	}
	redirect(c, "/templates/"+strconv.Itoa(int(template.ID)))
}

// variantForm fills the variant form from the base version, as the
// administrator starts from it.
func variantForm(content models.TemplateContent) *views.Form {
	form := views.NewForm()
	for _, zone := range content.Zones {
		field := "zone-" + zone.Colour
		form.Values[field+"-title"] = zone.Title
		form.Values[field+"-signs"] = sharedWording(zone.Signs)
		form.Values[field+"-actions"] = sharedWording(zone.Actions)
	}
	if r := content.PeakFlow; r != nil {
		form.Values["peak-amber"], form.Values["peak-red"] = strconv.Itoa(r.AmberPercent), strconv.Itoa(r.RedPercent)
	}
	for i, q := range content.SymptomQuestions {
		form.Values[models.QuestionField(i, "text")] = q.Text
		form.Values[models.QuestionField(i, "about")] = q.AboutThem
		form.Values[models.QuestionField(i, "zone")] = q.Zone
	}
	for i, r := range content.RequiredMedicines {
		form.Values[models.RequiredField(i, "purpose")] = r.Purpose
		form.Values[models.RequiredField(i, "description")] = r.Description
	}
	return form
}

// sharedWording is a zone part's wording one line to a row; its blanks
// stay with the template.
func sharedWording(lines []models.TemplateLine) string {
	var text string
	for _, line := range lines {
		if line.Blank == nil {
			text += line.Text + "\n"
		}
	}
	return text
}

func (h *Handler) variantForm(c *gin.Context) {
	template := templateOf(c)
	content, err := template.Decode()
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.renderVariantForm(c, http.StatusOK, template, content, variantForm(content), false)
}

func (h *Handler) renderVariantForm(c *gin.Context, status int, template *models.ConditionTemplate, content models.TemplateContent, form *views.Form, withErrors bool) {
	page := h.page(c, "Make a local variant of "+template.Label(), nil)
	if withErrors {
		page.Form = form
	} else {
		// A fresh form shows the base's values but is not an error page.
		page.Form = &views.Form{Values: form.Values}
	}
	render(c, status, views.TemplateVariantPage(page, views.TemplateVariantForm{Base: template, Content: content}))
}

func (h *Handler) makeVariant(c *gin.Context) {
	template := templateOf(c)
	base, err := template.Decode()
	if err != nil {
		h.serverError(c, err)
		return
	}
	form := views.NewForm()
	var entry models.TemplateEntry
	for _, zone := range base.Zones {
		field := "zone-" + zone.Colour
		entry.Zones = append(entry.Zones, models.ZoneEntry{Colour: zone.Colour, Title: formValue(c, form, field+"-title"),
			Signs: formValue(c, form, field+"-signs"), Actions: formValue(c, form, field+"-actions")})
	}
	for i := range len(base.SymptomQuestions) + 1 {
		entry.Questions = append(entry.Questions, models.CheckInQuestion{Text: formValue(c, form, models.QuestionField(i, "text")),
			AboutThem: formValue(c, form, models.QuestionField(i, "about")), Zone: formValue(c, form, models.QuestionField(i, "zone"))})
	}
	for i := range len(base.RequiredMedicines) + 1 {
		entry.Required = append(entry.Required, models.RequiredMedicine{Purpose: formValue(c, form, models.RequiredField(i, "purpose")),
			Description: formValue(c, form, models.RequiredField(i, "description"))})
	}
	if base.PeakFlow != nil {
		entry.AmberPercent, entry.RedPercent = formValue(c, form, "peak-amber"), formValue(c, form, "peak-red")
	}
	content, errs := models.CheckTemplateVariant(entry, base)
	addErrors(form, errs)
	if form.HasErrors() {
		h.renderVariantForm(c, http.StatusUnprocessableEntity, template, base, form, true)
		return
	}
	variant, err := h.store.MakeTemplateVariant(c.Request.Context(), principalOf(c), actor(c), template, content)
	if errors.Is(err, models.ErrVariantConflict) {
		form.Add("zone-green-title", "Someone saved another version of this template at the same time. Check the newest version, then try again")
		h.renderVariantForm(c, http.StatusConflict, template, base, form, true)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, variant.Label()+" is saved. It is awaiting approval by your clinical safety officer")
	redirect(c, "/templates/"+strconv.Itoa(int(variant.ID)))
}
