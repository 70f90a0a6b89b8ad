package handlers

import (
	"errors"
	"net/http"
	"time"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

const caseloadPageSize = 25

// caseload searches the nurse's patients. Without JavaScript the search is
// a plain GET form, so results can be bookmarked; with it, htmx asks for the
// results alone as the nurse types.
func (h *Handler) caseload(c *gin.Context) {
	page, _ := parseNumber(c.Query("page")) // none, or no page number, is the first page
	query := models.CaseloadQuery{Search: truncateRunes(c.Query("q"), 100), Filter: c.Query("filter"), Sort: c.Query("sort"), Page: page}
	result, err := h.store.Caseload(c.Request.Context(), principalOf(c), query, caseloadPageSize)
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Header("Vary", "HX-Request, HX-Target")
	if c.GetHeader("HX-Request") == "true" && c.GetHeader("HX-Target") == "div#caseload-results" {
		render(c, http.StatusOK, views.CaseloadResults(query, result, true))
		return
	}
	render(c, http.StatusOK, views.CaseloadPage(h.page(c, "Caseload", nil), query, result))
}

func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func (h *Handler) registerForm(c *gin.Context) {
	practices, err := h.store.PracticesOf(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.RegisterPatientPage(h.page(c, "Register a patient", nil), practices, nil))
}

func (h *Handler) register(c *gin.Context) {
	user := currentUser(c)
	practices, err := h.store.PracticesOf(c.Request.Context(), user.ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	form := views.NewForm()
	var registered *models.Patient // the record that already has the NHS number, when the nurse may see it
	newPatient, errs := models.CheckNewPatient(models.PatientEntry{NHSNumber: formValue(c, form, "nhs-number"),
		GivenName: formValue(c, form, "given-name"), FamilyName: formValue(c, form, "family-name"),
		DateOfBirth: dateValue(c, form, "date-of-birth"), Address: readAddress(c, form, models.PatientAddressPrefix),
		Practice: formValue(c, form, "practice")}, practices, time.Now())
	addErrors(form, errs)
	if !form.HasErrors() {
		patient, code, err := h.store.RegisterPatient(c.Request.Context(), actor(c), newPatient)
		switch {
		case errors.Is(err, models.ErrNHSNumberRegistered):
			registered, err = h.store.RegisteredHere(c.Request.Context(), principalOf(c), newPatient.NHSNumber)
			switch {
			case errors.Is(err, models.ErrNotFound):
				registered = nil
				form.Add("nhs-number", "A patient with this NHS number is registered at another practice")
			case err != nil:
				h.serverError(c, err)
				return
			default:
				form.Add("nhs-number", registered.FullName()+" is already registered with this NHS number")
			}
		case err != nil:
			h.serverError(c, err)
			return
		default:
			h.holdLetterCode(c, patient.Ref, code)
			redirect(c, "/patients/"+patient.Ref+"/activation-letter")
			return
		}
	}
	render(c, http.StatusUnprocessableEntity, views.RegisterPatientPage(h.page(c, "Register a patient", form), practices, registered))
}

func (h *Handler) activationLetter(c *gin.Context) {
	patient := patientOf(c)
	h.showLetter(c, patient, patient.FullName(), false, patient.Ref, "/patients/"+patient.Ref+"/activation-code",
		models.AuditEntry{TargetType: "activation-letter", TargetID: patient.Ref})
}

// showLetter shows an activation letter, with a newly made code once: the
// code is held in the session under key only until this page has shown it.
// forCarer comes from the record the letter is for, a carer link or the
// patient's own, never from the names, which a carer and patient may share.
func (h *Handler) showLetter(c *gin.Context, patient *models.Patient, recipient string, forCarer bool, key, newCodeURL string, viewed models.AuditEntry) {
	practice, err := h.store.Organisation(c.Request.Context(), patient.PracticeID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	letter := views.Letter{Patient: patient, Practice: *practice, Address: h.publicAddress + "/activate", Recipient: recipient, ForCarer: forCarer,
		Code: h.takeLetterCode(c, key), NewCodeURL: newCodeURL, Date: time.Now()}
	viewed.Action, viewed.PatientID = models.AuditPatientViewed, &patient.ID
	if !h.auditAccess(c, viewed) {
		return
	}
	render(c, http.StatusOK, views.ActivationLetterPage(h.page(c, "Activation letter for "+recipient, nil), letter))
}

func (h *Handler) newActivationCode(c *gin.Context) {
	patient := patientOf(c)
	code, err := h.store.IssueActivationCode(c.Request.Context(), principalOf(c), actor(c), patient)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.holdLetterCode(c, patient.Ref, code)
	redirect(c, "/patients/"+patient.Ref+"/activation-letter")
}
