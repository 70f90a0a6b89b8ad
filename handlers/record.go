package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

const (
	recordReadings = 10
	recordActivity = 20
)

func (h *Handler) patientRecord(c *gin.Context) {
	patient := patientOf(c)
	record, err := h.store.LoadRecord(c.Request.Context(), principalOf(c), patient, recordReadings, recordActivity)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if !h.auditAccess(c, models.AuditEntry{Action: models.AuditPatientViewed, PatientID: &patient.ID, TargetType: "patient", TargetID: patient.Ref}) {
		return
	}
	render(c, http.StatusOK, views.PatientRecordPage(h.page(c, patient.FullName(), nil), record))
}

// Contact rows on the details form: enough for a family, few enough to
// print on an emergency page.
const (
	emergencyContactRows = 3
	clinicContactRows    = 1
)

func detailsForm(p *models.Patient, contacts []models.Contact) *views.Form {
	form := views.NewForm()
	form.Values = map[string]string{"preferred-name": p.PreferredName, "phone": p.Phone, "email": p.Email,
		"communication-needs": p.CommunicationNeeds, "allergies": p.Allergies, "practice": strconv.Itoa(int(p.PracticeID))}
	addressValues(form, models.PatientAddressPrefix, p.Address)
	rows := map[string]int{}
	for _, contact := range contacts {
		field := func(part string) string { return models.ContactField(contact.Kind, rows[contact.Kind], part) }
		form.Values[field("name")], form.Values[field("relationship")], form.Values[field("phone")] = contact.Name, contact.Relationship, contact.Phone
		rows[contact.Kind]++
	}
	return form
}

// addressValues fills an address's fields on a form.
func addressValues(form *views.Form, prefix string, address models.PostalAddress) {
	line1, line2, town, postcode := models.AddressFields(prefix)
	form.Values[line1], form.Values[line2], form.Values[town], form.Values[postcode] = address.Line1, address.Line2, address.Town, address.Postcode
}

// readAddress reads an address's fields from a form.
func readAddress(c *gin.Context, form *views.Form, prefix string) models.PostalAddress {
	line1, line2, town, postcode := models.AddressFields(prefix)
	return models.PostalAddress{Line1: formValue(c, form, line1), Line2: formValue(c, form, line2), Town: formValue(c, form, town),
		Postcode: formValue(c, form, postcode)}
}

// readContacts reads every contact row of the form, empty ones included.
func readContacts(c *gin.Context, form *views.Form) []models.Contact {
	var contacts []models.Contact
	for _, kind := range []struct {
		name string
		rows int
	}{{models.ContactEmergency, emergencyContactRows}, {models.ContactClinic, clinicContactRows}} {
		for i := range kind.rows {
			field := func(part string) string { return models.ContactField(kind.name, i, part) }
			contacts = append(contacts, models.Contact{Kind: kind.name, Name: formValue(c, form, field("name")),
				Relationship: formValue(c, form, field("relationship")), Phone: formValue(c, form, field("phone"))})
		}
	}
	return contacts
}

func (h *Handler) editDetails(c *gin.Context) {
	patient := patientOf(c)
	practices, err := h.store.PracticesOf(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	contacts, err := h.store.ContactsOf(c.Request.Context(), principalOf(c), patient)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if !h.auditAccess(c, models.AuditEntry{Action: models.AuditPatientViewed, PatientID: &patient.ID, TargetType: "patient-details", TargetID: patient.Ref}) {
		return
	}
	render(c, http.StatusOK, views.EditDetailsPage(h.page(c, "Change details", detailsForm(patient, contacts)), patient, practices))
}

func (h *Handler) saveDetails(c *gin.Context) {
	patient := patientOf(c)
	practices, err := h.store.PracticesOf(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	form := views.NewForm()
	details, errs := models.CheckPatientDetails(models.DetailsEntry{
		PreferredName:      formValue(c, form, "preferred-name"),
		Phone:              formValue(c, form, "phone"),
		Email:              formValue(c, form, "email"),
		Address:            readAddress(c, form, models.PatientAddressPrefix),
		CommunicationNeeds: formValue(c, form, "communication-needs"),
		Allergies:          formValue(c, form, "allergies"),
		Practice:           formValue(c, form, "practice"),
		Contacts:           readContacts(c, form),
	}, practices)
	addErrors(form, errs)
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.EditDetailsPage(h.page(c, "Change details", form), patient, practices))
		return
	}
	if err := h.store.UpdatePatientDetails(c.Request.Context(), principalOf(c), actor(c), patient, details); err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, patient.FullName()+"'s details saved")
	redirect(c, "/patients/"+patient.Ref)
}

func (h *Handler) reviewForm(c *gin.Context) {
	patient := patientOf(c)
	form := views.NewForm()
	today := time.Now().In(models.UK)
	form.Values["reviewed-on-day"], form.Values["reviewed-on-month"], form.Values["reviewed-on-year"] =
		strconv.Itoa(today.Day()), strconv.Itoa(int(today.Month())), strconv.Itoa(today.Year())
	asthma, err := h.store.HasPlanFor(c.Request.Context(), principalOf(c), patient, models.SnomedAsthma)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.ReviewPage(h.page(c, "Record a review", form), patient, asthma))
}

func (h *Handler) recordReview(c *gin.Context) {
	patient := patientOf(c)
	form := views.NewForm()
	asthma, err := h.store.HasPlanFor(c.Request.Context(), principalOf(c), patient, models.SnomedAsthma)
	if err != nil {
		h.serverError(c, err)
		return
	}
	entry := models.ReviewEntry{ReviewedOn: dateValue(c, form, "reviewed-on"), Outcome: formValue(c, form, "outcome"),
		Notes: formValue(c, form, "notes"), NextReview: dateValue(c, form, "next-review"),
		UnplannedCare: formValue(c, form, models.UnplannedCareField), GivenName: patient.GivenName}
	if asthma {
		entry.RCPAsked = views.RCPAsked(views.Voice{Name: patient.GivenName})
		for i := range entry.RCPAsked {
			entry.RCP = append(entry.RCP, formValue(c, form, models.RCPField(i)))
		}
	}
	review, errs := models.CheckReview(entry, time.Now())
	addErrors(form, errs)
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.ReviewPage(h.page(c, "Record a review", form), patient, asthma))
		return
	}
	if err := h.store.RecordReview(c.Request.Context(), principalOf(c), actor(c), patient, review); err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, "Review recorded. Next review: "+views.FormatDate(review.NextReviewOn))
	redirect(c, "/patients/"+patient.Ref)
}

func (h *Handler) carerForm(c *gin.Context) {
	patient := patientOf(c)
	form := views.NewForm()
	form.Values["permission"] = models.PermissionView
	render(c, http.StatusOK, views.LinkCarerPage(h.page(c, "Link a carer", form), patient, models.CarerRelationships))
}

// linkCarer links an existing carer account by username, or invites a new
// carer, who gets their own activation letter.
func (h *Handler) linkCarer(c *gin.Context) {
	patient := patientOf(c)
	form := views.NewForm()
	entry := models.CarerLinkEntry{Who: formValue(c, form, "who"), Relationship: formValue(c, form, "relationship"),
		Permission: formValue(c, form, "permission"), Username: formValue(c, form, "username"), Name: formValue(c, form, "carer-name")}
	addErrors(form, models.CheckCarerLink(entry, patient.GivenName))
	if !form.HasErrors() {
		if entry.Who == models.CarerExisting {
			_, err := h.store.LinkCarer(c.Request.Context(), principalOf(c), actor(c), patient, entry.Username, entry.Relationship, entry.Permission)
			switch {
			case errors.Is(err, models.ErrNotFound):
				form.Add("username", "There is no carer account with that username")
			case errors.Is(err, models.ErrAlreadyLinked):
				form.Add("username", "That carer is already linked to "+patient.GivenName)
			case err != nil:
				h.serverError(c, err)
				return
			default:
				h.flash(c, entry.Username+" linked as a carer for "+patient.FullName())
				redirect(c, "/patients/"+patient.Ref)
				return
			}
		} else {
			link, code, err := h.store.InviteCarer(c.Request.Context(), principalOf(c), actor(c), patient, entry.Name, entry.Relationship, entry.Permission)
			if err != nil {
				h.serverError(c, err)
				return
			}
			h.holdLetterCode(c, carerLetterKey(link.ID), code)
			h.flash(c, entry.Name+" linked as a carer for "+patient.FullName()+". Print their activation letter now")
			redirect(c, fmt.Sprintf("/patients/%s/carers/%d/letter", patient.Ref, link.ID))
			return
		}
	}
	render(c, http.StatusUnprocessableEntity, views.LinkCarerPage(h.page(c, "Link a carer", form), patient, models.CarerRelationships))
}

// staffCarer finds the carer link in the URL among the patient's.
func (h *Handler) staffCarer(c *gin.Context) (*models.Patient, *models.CarerEntry, bool) {
	patient := patientOf(c)
	id, ok := h.idParam(c, "link")
	if !ok {
		return nil, nil, false
	}
	link, err := h.store.CarerLinkFor(c.Request.Context(), principalOf(c), patient, id)
	if h.lookupFailed(c, err) {
		return nil, nil, false
	}
	return patient, link, true
}

func carerLetterKey(linkID uint) string { return fmt.Sprintf("carer-%d", linkID) }

func (h *Handler) carerLetter(c *gin.Context) {
	patient, link, ok := h.staffCarer(c)
	if !ok {
		return
	}
	h.showLetter(c, patient, link.DisplayName, true, carerLetterKey(link.ID), fmt.Sprintf("/patients/%s/carers/%d/activation-code", patient.Ref, link.ID),
		models.AuditEntry{TargetType: "carer-letter", TargetID: strconv.Itoa(int(link.ID))})
}

func (h *Handler) newCarerCode(c *gin.Context) {
	patient, link, ok := h.staffCarer(c)
	if !ok {
		return
	}
	code, err := h.store.NewCarerCode(c.Request.Context(), principalOf(c), actor(c), patient, link)
	if errors.Is(err, models.ErrWrongStatus) {
		redirect(c, "/patients/"+patient.Ref)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.holdLetterCode(c, carerLetterKey(link.ID), code)
	redirect(c, fmt.Sprintf("/patients/%s/carers/%d/letter", patient.Ref, link.ID))
}

// confirmRevokeCarer asks before a carer is removed.
func (h *Handler) confirmRevokeCarer(c *gin.Context) {
	patient, link, ok := h.staffCarer(c)
	if !ok {
		return
	}
	render(c, http.StatusOK, views.RemoveCarerPage(h.page(c, "Remove "+link.DisplayName+" as a carer?", nil), patient, *link))
}

func (h *Handler) revokeCarer(c *gin.Context) {
	patient, link, ok := h.staffCarer(c)
	if !ok {
		return
	}
	if h.lookupFailed(c, h.store.RevokeCarer(c.Request.Context(), principalOf(c), actor(c), patient, link.ID)) {
		return
	}
	h.flash(c, link.DisplayName+" is no longer a carer for "+patient.FullName())
	redirect(c, "/patients/"+patient.Ref)
}

// holdLetterCode keeps a new activation code in the session until its
// letter has been shown once.
func (h *Handler) holdLetterCode(c *gin.Context, key, code string) {
	h.sessions.Put(c.Request.Context(), sessionLetterCode, key+":"+code)
}

// takeLetterCode gives back the held code for a letter, once.
func (h *Handler) takeLetterCode(c *gin.Context, key string) string {
	ctx := c.Request.Context()
	held, found := strings.CutPrefix(h.sessions.GetString(ctx, sessionLetterCode), key+":")
	if !found {
		return ""
	}
	h.sessions.Remove(ctx, sessionLetterCode)
	return held
}

// unlockPatient lets a patient whose sign-ins are throttled after too many
// wrong passwords sign in again at once: the sign-in page tells them to
// ask their clinic.
func (h *Handler) unlockPatient(c *gin.Context) {
	patient := patientOf(c)
	account, err := h.store.PatientAccount(c.Request.Context(), principalOf(c), patient)
	if h.lookupFailed(c, err) {
		return
	}
	if err := h.store.UnlockAccount(c.Request.Context(), actor(c), account); err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, patient.GivenName+" can sign in again")
	redirect(c, "/patients/"+patient.Ref)
}
