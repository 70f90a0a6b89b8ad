package handlers

import (
	"net/http"
	"slices"
	"strings"

	"healthpassport/models"
	"healthpassport/models/fhirmap"

	"github.com/gin-gonic/gin"
)

func (h *Handler) searchCarePlans(c *gin.Context) {
	page, ok := readPage(c)
	if !ok {
		return
	}
	includes, ok := readIncludes(c, includeParam, fhirmap.SearchIncludes["CarePlan"])
	if !ok {
		return
	}
	active := true
	if status, given := c.GetQuery("status"); given {
		codes := strings.Split(status, ",")
		for _, code := range codes {
			if !slices.Contains(fhirmap.CarePlanStatuses, code) {
				outcome(c, http.StatusBadRequest, "value", "Give status as one or more of "+strings.Join(fhirmap.CarePlanStatuses, ", ")+", separated by commas.")
				return
			}
		}
		active = slices.Contains(codes, "active")
	}
	patient, ok := h.searchedPatient(c, "CarePlan")
	if !ok {
		return
	}
	var plans []models.PublishedPlan
	if active {
		var err error
		if plans, err = h.store.PublishedPlansOf(c.Request.Context(), principalOf(c), patient, oneMore(page)); err != nil {
			apiServerError(c, err)
			return
		}
	}
	answerPatientRecordPage(c, h, page, plans, func(p models.PublishedPlan) uint { return p.ID }, fhirmap.FromPlan, includes, patient)
}

// findCarePlan finds a plan's latest published version. Only published
// versions are versions of the resource: drafts are never shared.
func (h *Handler) findCarePlan(c *gin.Context, id string) (found, bool) {
	planID, ok := parseID(id)
	if !ok {
		h.notFoundForClient(c, "CarePlan", id)
		return found{}, false
	}
	plan, err := h.store.PublishedPlanFor(c.Request.Context(), principalOf(c), planID, 0)
	if !h.lookedUp(c, "CarePlan", id, err) {
		return found{}, false
	}
	return onlyCurrent(fhirmap.FromPlan(*plan), &plan.PatientID), true
}

// publishedVersions finds every published version of a plan, newest
// first, and answers 404 for a plan the client may not see or that has
// none.
func (h *Handler) publishedVersions(c *gin.Context, resourceType, id, planText string) ([]models.PublishedPlan, bool) {
	planID, ok := parseID(planText)
	if !ok {
		h.notFoundForClient(c, resourceType, id)
		return nil, false
	}
	versions, err := h.store.PublishedVersionsOf(c.Request.Context(), principalOf(c), planID)
	if err == nil && len(versions) == 0 {
		err = models.ErrNotFound
	}
	return versions, h.lookedUp(c, resourceType, id, err)
}

// findCarePlanVersions finds every published version of a plan.
func (h *Handler) findCarePlanVersions(c *gin.Context, id string) (found, bool) {
	versions, ok := h.publishedVersions(c, "CarePlan", id, id)
	if !ok {
		return found{}, false
	}
	plans := found{patientID: &versions[0].PatientID}
	for _, version := range versions {
		plans.versions = append(plans.versions, fhirmap.FromPlan(version))
	}
	return plans, true
}

// statementsPerPlan makes a MedicationStatement's paging key from its
// plan's id and its place among the plan's medicines, which are fewer.
const statementsPerPlan = 100

// medicationStatement is one medicine of a published plan, with its place.
type medicationStatement struct {
	plan models.PublishedPlan
	n    int // counting from 1
	fhirmap.MedicationStatement
}

func (s medicationStatement) key() uint { return s.plan.ID*statementsPerPlan + uint(s.n) }

func (h *Handler) searchMedicationStatements(c *gin.Context) {
	page, ok := readPage(c)
	if !ok {
		return
	}
	patient, ok := h.searchedPatient(c, "MedicationStatement")
	if !ok {
		return
	}
	// A patient has a plan for each of a few conditions: their medicines
	// are read whole and paged here.
	plans, err := h.store.PublishedPlansOf(c.Request.Context(), principalOf(c), patient, models.Page{})
	if err != nil {
		apiServerError(c, err)
		return
	}
	var statements []medicationStatement
	for _, plan := range plans {
		for i, statement := range fhirmap.FromMedicines(plan) {
			if entry := (medicationStatement{plan: plan, n: i + 1, MedicationStatement: statement}); entry.key() > page.After {
				statements = append(statements, entry)
			}
		}
	}
	answerPage(c, h.publicAddress, page, statements, medicationStatement.key,
		func(s medicationStatement) fhirmap.MedicationStatement { return s.MedicationStatement })
}

// findMedicationStatement finds the nth medicine of a plan's latest
// published version.
func (h *Handler) findMedicationStatement(c *gin.Context, id string) (found, bool) {
	planText, nText, _ := strings.Cut(id, "-")
	planID, planOK := parseID(planText)
	n, nOK := parseNumber(nText)
	if !planOK || !nOK {
		h.notFoundForClient(c, "MedicationStatement", id)
		return found{}, false
	}
	plan, err := h.store.PublishedPlanFor(c.Request.Context(), principalOf(c), planID, 0)
	if err == nil && n > len(plan.Content.Medicines) {
		err = models.ErrNotFound
	}
	if !h.lookedUp(c, "MedicationStatement", id, err) {
		return found{}, false
	}
	return onlyCurrent(fhirmap.FromMedicines(*plan)[n-1], &plan.PatientID), true
}

// findMedicationStatementVersions finds the nth medicine of each published
// version of its plan that has one: a statement's versions are its plan's.
func (h *Handler) findMedicationStatementVersions(c *gin.Context, id string) (found, bool) {
	planText, nText, _ := strings.Cut(id, "-")
	n, ok := parseNumber(nText)
	if !ok {
		h.notFoundForClient(c, "MedicationStatement", id)
		return found{}, false
	}
	versions, ok := h.publishedVersions(c, "MedicationStatement", id, planText)
	if !ok {
		return found{}, false
	}
	statements := found{patientID: &versions[0].PatientID}
	for _, version := range versions {
		if n <= len(version.Content.Medicines) {
			statements.versions = append(statements.versions, fhirmap.FromMedicines(version)[n-1])
		}
	}
	if len(statements.versions) == 0 {
		h.notFoundForClient(c, "MedicationStatement", id)
		return found{}, false
	}
	return statements, true
}
