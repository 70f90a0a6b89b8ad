package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

const requestHistory = 20

// prescriptionChoices are the medicines a person can ask for: those on the
// newest version of each of their plans.
func (h *Handler) prescriptionChoices(c *gin.Context, patient *models.Patient) ([]views.MedicineChoice, error) {
	passport, err := h.store.LoadPassport(c.Request.Context(), principalOf(c), patient)
	if err != nil {
		return nil, err
	}
	var choices []views.MedicineChoice
	for _, plan := range passport.Plans {
		for _, m := range plan.Content.Medicines {
			choices = append(choices, views.MedicineChoice{Value: fmt.Sprintf("%d:%s", plan.Plan.ID, m.Name), PlanID: plan.Plan.ID, Medicine: m})
		}
	}
	return choices, nil
}

func (h *Handler) prescriptions(c *gin.Context) {
	patient := patientOf(c)
	choices, err := h.prescriptionChoices(c, patient)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.showPrescriptions(c, http.StatusOK, patient, canAct(c), choices, nil)
}

func (h *Handler) showPrescriptions(c *gin.Context, status int, patient *models.Patient, canAct bool, choices []views.MedicineChoice, form *views.Form) {
	requests, err := h.store.PrescriptionRequestsOf(c.Request.Context(), principalOf(c), patient, requestHistory)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, status, views.PrescriptionsPage(h.page(c, "Repeat prescriptions", form), passportBase(patient), canAct, choices, requests))
}

func (h *Handler) requestPrescription(c *gin.Context) {
	patient := patientOf(c)
	choices, err := h.prescriptionChoices(c, patient)
	if err != nil {
		h.serverError(c, err)
		return
	}
	form := views.NewForm()
	value := formValue(c, form, "medicine")
	var chosen *views.MedicineChoice
	for i := range choices {
		if choices[i].Value == value {
			chosen = &choices[i]
		}
	}
	if chosen == nil {
		form.Add("medicine-0", selectMedicine(voiceOf(c)))
		h.showPrescriptions(c, http.StatusUnprocessableEntity, patient, canAct(c), choices, form)
		return
	}
	_, err = h.store.RequestPrescription(c.Request.Context(), principalOf(c), actor(c), patient, chosen.PlanID, chosen.Medicine)
	if errors.Is(err, models.ErrAlreadyRequested) {
		form.Add("medicine-0", "You have already asked for "+chosen.Medicine.Name+". You can ask again when that request is finished")
		h.showPrescriptions(c, http.StatusConflict, patient, canAct(c), choices, form)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, "Repeat prescription asked for: "+chosen.Medicine.Name)
	redirect(c, passportBase(patient)+"/prescriptions")
}

func selectMedicine(v views.Voice) string {
	if v.ForCarer() {
		return "Select the medicine " + v.Name + " needs"
	}
	return "Select the medicine you need"
}
