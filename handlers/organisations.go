package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// movablePatients is how many patients of a closed practice the move form
// names one by one; all of them move together however many there are.
const movablePatients = 200

const msgPracticeClosed = "This practice is closed. Its records can be read but not changed"

func organisationPath(id uint) string { return "/organisations/" + strconv.Itoa(int(id)) }

func (h *Handler) organisations(c *gin.Context) {
	organisations, err := h.store.ManagedOrganisations(c.Request.Context(), principalOf(c))
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.OrganisationsPage(h.page(c, "Organisations", nil), organisations))
}

func (h *Handler) newOrganisationForm(c *gin.Context) {
	render(c, http.StatusOK, views.NewOrganisationPage(h.page(c, "Add a practice or clinic", nil)))
}

func (h *Handler) createOrganisation(c *gin.Context) {
	form := views.NewForm()
	entry, errs := models.CheckOrganisation(models.OrganisationEntry{Kind: formValue(c, form, "kind"),
		Name: formValue(c, form, "name"), ODSCode: formValue(c, form, "ods-code")})
	addErrors(form, errs)
	if !form.HasErrors() {
		organisation, err := h.store.CreateOrganisation(c.Request.Context(), principalOf(c), actor(c), entry)
		switch {
		case errors.Is(err, models.ErrODSCodeTaken):
			form.Add("ods-code", "Another organisation already has this ODS code")
		case errors.Is(err, models.ErrNotFound):
			form.Add("kind", "Only an administrator of the whole ICB can add a practice or clinic")
		case err != nil:
			h.serverError(c, err)
			return
		default:
			h.flash(c, organisation.Name+" added")
			redirect(c, organisationPath(organisation.ID))
			return
		}
	}
	render(c, http.StatusUnprocessableEntity, views.NewOrganisationPage(h.page(c, "Add a practice or clinic", form)))
}

// loadOrganisation finds the organisation named in the path among those
// the administrator looks after, and refuses, with an audit entry, any
// other.
func (h *Handler) loadOrganisation(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	organisation, err := h.store.ManagedOrganisation(c.Request.Context(), principalOf(c), id)
	handOn(h, c, theOrganisation, organisation, err, models.AuditEntry{TargetType: "organisation", TargetID: c.Param("id")})
}

func organisationOf(c *gin.Context) *models.OrganisationSummary {
	return theOrganisation.loaded(c)
}

func (h *Handler) organisation(c *gin.Context) {
	h.showOrganisation(c, http.StatusOK, nil)
}

// showOrganisation shows an organisation with its forms: a new name, and
// for a closed one, where its patients can go.
func (h *Handler) showOrganisation(c *gin.Context, status int, form *views.Form) {
	ctx, principal, organisation := c.Request.Context(), principalOf(c), organisationOf(c)
	details := views.OrganisationDetails{Organisation: organisation}
	if !organisation.Open() {
		all, err := h.store.ManagedOrganisations(ctx, principal)
		if err != nil {
			h.serverError(c, err)
			return
		}
		details.Destinations = openCareOrganisations(all)
		if details.Patients, err = h.store.PatientsAt(ctx, principal, organisation.ID, movablePatients); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if form == nil {
		form = views.NewForm()
		form.Values["name"], form.Values["phone"] = organisation.Name, organisation.Phone
		addressValues(form, models.ClinicAddressPrefix, organisation.Address)
	}
	render(c, status, views.OrganisationPage(h.page(c, organisation.Name, form), details))
}

// openCareOrganisations are the open practices and clinics, where patients
// can be moved to.
func openCareOrganisations(organisations []models.OrganisationSummary) []models.OrganisationSummary {
	var open []models.OrganisationSummary
	for _, o := range organisations {
		if o.Kind != models.OrganisationICB && o.Open() {
			open = append(open, o)
		}
	}
	return open
}

func (h *Handler) renameOrganisation(c *gin.Context) {
	organisation := organisationOf(c)
	form := views.NewForm()
	name, errs := models.CheckOrganisationName(formValue(c, form, "name"))
	addErrors(form, errs)
	if !form.HasErrors() {
		err := h.store.RenameOrganisation(c.Request.Context(), principalOf(c), actor(c), organisation.ID, name)
		switch {
		case errors.Is(err, models.ErrPracticeClosed):
			form.Add("name", msgPracticeClosed)
		case err != nil:
			h.serverError(c, err)
			return
		default:
			h.flash(c, "Renamed "+name)
			redirect(c, organisationPath(organisation.ID))
			return
		}
	}
	h.showOrganisation(c, http.StatusUnprocessableEntity, form)
}

// setClinicContact saves the phone number and address a practice or
// clinic prints on its letters.
func (h *Handler) setClinicContact(c *gin.Context) {
	organisation := organisationOf(c)
	form := views.NewForm()
	contact, errs := models.CheckClinicContact(models.ClinicContact{Phone: formValue(c, form, "phone"),
		Address: readAddress(c, form, models.ClinicAddressPrefix)})
	addErrors(form, errs)
	if !form.HasErrors() {
		err := h.store.SetClinicContact(c.Request.Context(), principalOf(c), actor(c), organisation.ID, contact)
		switch {
		case errors.Is(err, models.ErrPracticeClosed):
			form.Add("phone", msgPracticeClosed)
		case err != nil:
			h.serverError(c, err)
			return
		default:
			h.flash(c, "Saved the phone number and address of "+organisation.Name)
			redirect(c, organisationPath(organisation.ID))
			return
		}
	}
	form.Values["name"] = organisation.Name
	h.showOrganisation(c, http.StatusUnprocessableEntity, form)
}

func (h *Handler) confirmCloseOrganisation(c *gin.Context) {
	organisation := organisationOf(c)
	render(c, http.StatusOK, views.CloseOrganisationPage(h.page(c, "Close "+organisation.Name, nil), organisation))
}

func (h *Handler) closeOrganisation(c *gin.Context) {
	organisation := organisationOf(c)
	err := h.store.CloseOrganisation(c.Request.Context(), principalOf(c), actor(c), organisation.ID)
	form := views.NewForm()
	switch {
	case errors.Is(err, models.ErrPracticeClosed):
		form.Add("confirm", organisation.Name+" is closed already")
	case errors.Is(err, models.ErrNotFound):
		form.Add("confirm", "You cannot close the ICB. Close its practices and clinics one at a time")
	case err != nil:
		h.serverError(c, err)
		return
	default:
		h.flash(c, organisation.Name+" is closed. Its records can be read but not changed: move its patients to an open practice")
		redirect(c, organisationPath(organisation.ID))
		return
	}
	render(c, http.StatusUnprocessableEntity, views.CloseOrganisationPage(h.page(c, "Close "+organisation.Name, form), organisation))
}

// movePatients moves one patient, or every patient, of a closed practice
// to an open one the administrator chose.
func (h *Handler) movePatients(c *gin.Context) {
	organisation := organisationOf(c)
	form := views.NewForm()
	to, _ := parseID(formValue(c, form, "to"))
	who := formValue(c, form, "patient")
	if to == 0 {
		form.Add("to", "Choose the practice or clinic to move them to")
	}
	ref := who
	switch who {
	case "":
		form.Add("patient", "Choose who to move")
	case "all":
		ref = ""
	}
	if !form.HasErrors() {
		moved, err := h.store.MovePatients(c.Request.Context(), principalOf(c), actor(c), organisation.ID, to, ref)
		switch {
		case errors.Is(err, models.ErrSamePractice), errors.Is(err, models.ErrPracticeClosed):
			form.Add("to", "Choose an open practice or clinic from the list")
		case errors.Is(err, models.ErrNotFound) && ref != "":
			form.Add("patient", "Choose who to move from the list")
		case errors.Is(err, models.ErrNotFound):
			form.Add("to", "Choose an open practice or clinic from the list")
		case err != nil:
			h.serverError(c, err)
			return
		default:
			h.flash(c, movedMessage(moved))
			redirect(c, organisationPath(organisation.ID))
			return
		}
	}
	form.Values["name"] = organisation.Name
	h.showOrganisation(c, http.StatusUnprocessableEntity, form)
}

func movedMessage(moved int) string {
	switch moved {
	case 0:
		return "No patients to move: they have moved already"
	case 1:
		return "1 patient moved"
	}
	return strconv.Itoa(moved) + " patients moved"
}
