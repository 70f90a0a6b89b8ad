package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
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
	record, err := h.store.LoadRecord(c.Request.Context(), patient, recordReadings, recordActivity)
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
	rows := map[string]int{}
	for _, contact := range contacts {
		prefix := fmt.Sprintf("%s-%d-", contact.Kind, rows[contact.Kind])
		rows[contact.Kind]++
		form.Values[prefix+"name"], form.Values[prefix+"relationship"], form.Values[prefix+"phone"] = contact.Name, contact.Relationship, contact.Phone
	}
	return form
}

// readContacts reads the contact rows; a row left empty is dropped.
func readContacts(c *gin.Context, form *views.Form) []models.Contact {
	var contacts []models.Contact
	for _, kind := range []struct {
		name  string
		rows  int
		label string
	}{{models.ContactEmergency, emergencyContactRows, "Emergency contact"}, {models.ContactClinic, clinicContactRows, "Clinic contact"}} {
		for i := range kind.rows {
			prefix := fmt.Sprintf("%s-%d-", kind.name, i)
			label := fmt.Sprintf("%s %d", kind.label, i+1)
			contact := models.Contact{Kind: kind.name, Name: formValue(c, form, prefix+"name"),
				Relationship: formValue(c, form, prefix+"relationship"), Phone: formValue(c, form, prefix+"phone")}
			if contact.Name == "" && contact.Relationship == "" && contact.Phone == "" {
				continue
			}
			requireText(form, prefix+"name", contact.Name, "Enter the name of "+strings.ToLower(label), label+" name", 200)
			optionalText(form, prefix+"relationship", contact.Relationship, label+" relationship", 100)
			if !validPhone(contact.Phone) {
				form.Add(prefix+"phone", "Enter a phone number for "+strings.ToLower(label)+", like 01632 960 001")
			}
			contacts = append(contacts, contact)
		}
	}
	return contacts
}

func (h *Handler) editDetails(c *gin.Context) {
	patient := patientOf(c)
	practices, err := h.store.PracticesOf(currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	contacts, err := h.store.ContactsOf(patient.ID)
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
	practices, err := h.store.PracticesOf(currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	form := views.NewForm()
	details := models.PatientDetails{
		PreferredName:      formValue(c, form, "preferred-name"),
		Phone:              formValue(c, form, "phone"),
		Email:              formValue(c, form, "email"),
		CommunicationNeeds: formValue(c, form, "communication-needs"),
		Allergies:          formValue(c, form, "allergies"),
	}
	optionalText(form, "preferred-name", details.PreferredName, "Preferred name", 100)
	if details.Phone != "" && !validPhone(details.Phone) {
		form.Add("phone", "Enter a phone number, like 01632 960 001 or 07700 900 982")
	}
	if details.Email != "" {
		if addr, err := mail.ParseAddress(details.Email); err != nil || addr.Address != details.Email || len(details.Email) > 254 {
			form.Add("email", "Enter an email address in the correct format, like name@example.com")
		}
	}
	optionalText(form, "communication-needs", details.CommunicationNeeds, "Communication needs", 1000)
	optionalText(form, "allergies", details.Allergies, "Allergies", 1000)
	practiceID, _ := strconv.ParseUint(formValue(c, form, "practice"), 10, 64)
	if !slices.ContainsFunc(practices, func(o models.Organisation) bool { return uint64(o.ID) == practiceID }) {
		form.Add("practice", "Choose a practice")
	}
	details.PracticeID = uint(practiceID)
	details.Contacts = readContacts(c, form)
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.EditDetailsPage(h.page(c, "Change details", form), patient, practices))
		return
	}
	if err := h.store.UpdatePatientDetails(actor(c), patient, details); err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, patient.FullName()+"'s details saved")
	redirect(c, "/patients/"+patient.Ref)
}

// validPhone accepts UK numbers as people write them: digits, spaces, one
// leading +, brackets and dashes, 10 to 13 digits.
func validPhone(phone string) bool {
	digits := 0
	for i, r := range phone {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '(' || r == ')':
		case r == '+' && i == 0:
		default:
			return false
		}
	}
	return digits >= 10 && digits <= 13
}

var outcomes = []string{models.OutcomeNoChange, models.OutcomePlanUpdated, models.OutcomeReferred}

func (h *Handler) reviewForm(c *gin.Context) {
	patient := patientOf(c)
	form := views.NewForm()
	today := time.Now().In(models.UK)
	form.Values["reviewed-on-day"], form.Values["reviewed-on-month"], form.Values["reviewed-on-year"] =
		strconv.Itoa(today.Day()), strconv.Itoa(int(today.Month())), strconv.Itoa(today.Year())
	render(c, http.StatusOK, views.ReviewPage(h.page(c, "Record a review", form), patient))
}

func (h *Handler) recordReview(c *gin.Context) {
	patient := patientOf(c)
	form := views.NewForm()
	reviewedOn, reviewedOK := dateField(c, form, "reviewed-on", "Review date", false)
	if reviewedOK && reviewedOn.After(time.Now()) {
		form.Add("reviewed-on-day", "Review date must be today or in the past")
	}
	outcome := formValue(c, form, "outcome")
	if !slices.Contains(outcomes, outcome) {
		form.Add("outcome-"+models.OutcomeNoChange, "Select the outcome of the review")
	}
	notes := formValue(c, form, "notes")
	optionalText(form, "notes", notes, "Notes", 2000)
	nextOn, nextOK := dateField(c, form, "next-review", "Next review date", false)
	if nextOK && !nextOn.After(time.Now()) {
		form.Add("next-review-day", "Next review date must be in the future")
	} else if nextOK && nextOn.After(time.Now().AddDate(2, 0, 0)) {
		form.Add("next-review-day", "Next review date must be within 2 years")
	}
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.ReviewPage(h.page(c, "Record a review", form), patient))
		return
	}
	review := models.Review{ReviewedOn: reviewedOn, Outcome: outcome, Notes: notes, NextReviewOn: nextOn}
	if err := h.store.RecordReview(actor(c), patient, review); err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, "Review recorded. Next review: "+views.FormatDate(nextOn))
	redirect(c, "/patients/"+patient.Ref)
}

var relationships = []string{"Parent", "Guardian", "Partner", "Son or daughter", "Other family member", "Friend", "Paid carer", "School staff"}

func (h *Handler) carerForm(c *gin.Context) {
	patient := patientOf(c)
	form := views.NewForm()
	form.Values["permission"] = models.PermissionView
	render(c, http.StatusOK, views.LinkCarerPage(h.page(c, "Link a carer", form), patient, relationships))
}

// linkCarer links an existing carer account by username, or invites a new
// carer, who gets their own activation letter.
func (h *Handler) linkCarer(c *gin.Context) {
	patient := patientOf(c)
	form := views.NewForm()
	who := formValue(c, form, "who")
	relationship := formValue(c, form, "relationship")
	if !slices.Contains(relationships, relationship) {
		form.Add("relationship", "Select how the carer is related to "+patient.GivenName)
	}
	permission := formValue(c, form, "permission")
	if permission != models.PermissionView && permission != models.PermissionAct {
		form.Add("permission-view", "Select what the carer can do")
	}
	username := formValue(c, form, "username")
	name := formValue(c, form, "carer-name")
	switch who {
	case "existing":
		requireText(form, "username", username, "Enter the carer's username", "Username", 64)
	case "new":
		requireText(form, "carer-name", name, "Enter the carer's full name", "Full name", 200)
	default:
		form.Add("who-existing", "Select whether the carer already has an account")
	}
	if !form.HasErrors() {
		if who == "existing" {
			_, err := h.store.LinkCarer(actor(c), patient, username, relationship, permission)
			switch {
			case errors.Is(err, models.ErrNotFound):
				form.Add("username", "There is no carer account with that username")
			case errors.Is(err, models.ErrAlreadyLinked):
				form.Add("username", "That carer is already linked to "+patient.GivenName)
			case err != nil:
				h.serverError(c, err)
				return
			default:
				h.flash(c, username+" linked as a carer for "+patient.FullName())
				redirect(c, "/patients/"+patient.Ref)
				return
			}
		} else {
			link, code, err := h.store.InviteCarer(actor(c), patient, name, relationship, permission)
			if err != nil {
				h.serverError(c, err)
				return
			}
			h.holdLetterCode(c, carerLetterKey(link.ID), code)
			h.flash(c, name+" linked as a carer for "+patient.FullName()+". Print their activation letter now")
			redirect(c, fmt.Sprintf("/patients/%s/carers/%d/letter", patient.Ref, link.ID))
			return
		}
	}
	render(c, http.StatusUnprocessableEntity, views.LinkCarerPage(h.page(c, "Link a carer", form), patient, relationships))
}

// staffCarer finds the carer link in the URL among the patient's.
func (h *Handler) staffCarer(c *gin.Context) (*models.Patient, *models.CarerEntry, bool) {
	patient := patientOf(c)
	id, ok := h.idParam(c, "link")
	if !ok {
		return nil, nil, false
	}
	link, err := h.store.CarerLinkFor(patient.ID, id)
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
	code, err := h.store.NewCarerCode(actor(c), patient, link)
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
	if h.lookupFailed(c, h.store.RevokeCarer(actor(c), patient, link.ID)) {
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
