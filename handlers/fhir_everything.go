package handlers

import (
	"errors"

	"healthpassport/models"
	"healthpassport/models/fhirmap"

	"github.com/gin-gonic/gin"
)

// everythingEntry is one resource of a patient's $everything, with its
// place in the whole, which pages it.
type everythingEntry struct {
	n        uint // counting from 1
	resource fhirmap.Resource
}

// patientEverything answers Patient/ID/$everything: the patient, their
// practice, conditions, care plans, medicines, observations and carers,
// each type only if the client's scopes let it read that type, a page at a
// time in that order.
func (h *Handler) patientEverything(c *gin.Context) {
	page, ok := readPage(c)
	if !ok {
		return
	}
	ctx, principal := c.Request.Context(), principalOf(c)
	patient, err := h.store.PatientFor(ctx, principal, c.Param("id"))
	if errors.Is(err, models.ErrNotFound) {
		h.notFoundForClient(c, "Patient", c.Param("id"))
		return
	}
	if err != nil {
		apiServerError(c, err)
		return
	}
	resources, err := h.everythingOf(c, patient)
	if err != nil {
		apiServerError(c, err)
		return
	}
	if !h.auditRead(c, models.AuditAPIRead, &patient.ID, "Patient", patient.Ref+"/$everything") {
		return
	}
	var entries []everythingEntry
	for i, resource := range resources {
		if entry := (everythingEntry{n: uint(i + 1), resource: resource}); entry.n > page.After {
			entries = append(entries, entry)
		}
	}
	answerPage(c, h.publicAddress, page, entries, func(e everythingEntry) uint { return e.n },
		func(e everythingEntry) fhirmap.Resource { return e.resource })
}

// everythingOf lists every resource of a patient's the client may read.
// A patient has a few plans and carers and, at most, some thousands of
// readings: the whole is read and paged here.
func (h *Handler) everythingOf(c *gin.Context, patient *models.Patient) ([]fhirmap.Resource, error) {
	ctx, principal := c.Request.Context(), principalOf(c)
	resources := []fhirmap.Resource{fhirmap.FromPatient(*patient)}
	if principal.MayRead("Organization") && patient.Practice != nil {
		resources = append(resources, fhirmap.FromOrganisation(*patient.Practice))
	}
	if principal.MayRead("Condition") {
		diagnoses, err := h.store.DiagnosesOf(ctx, principal, patient, models.Page{})
		if err != nil {
			return nil, err
		}
		for _, diagnosis := range diagnoses {
			resources = append(resources, fhirmap.FromDiagnosis(diagnosis))
		}
	}
	if principal.MayRead("CarePlan") || principal.MayRead("MedicationStatement") {
		plans, err := h.store.PublishedPlansOf(ctx, principal, patient, models.Page{})
		if err != nil {
			return nil, err
		}
		for _, plan := range plans {
			if principal.MayRead("CarePlan") {
				resources = append(resources, fhirmap.FromPlan(plan))
			}
			if principal.MayRead("MedicationStatement") {
				for _, statement := range fhirmap.FromMedicines(plan) {
					resources = append(resources, statement)
				}
			}
		}
	}
	for _, revinclude := range []string{"Observation:subject", "RelatedPerson:patient"} {
		if principal.MayRead(includedType(revincludeParam, revinclude)) {
			pointing, err := h.pointingAt(c, revinclude, patient)
			if err != nil {
				return nil, err
			}
			resources = append(resources, pointing...)
		}
	}
	return resources, nil
}
