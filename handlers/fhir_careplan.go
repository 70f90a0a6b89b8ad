package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"healthpassport/models"
	"healthpassport/models/fhirmap"

	"github.com/gin-gonic/gin"
)

// carePlanStatuses are the codes of FHIR's request-status, which a CarePlan
// search by status takes. A published plan is active; drafts, the only
// other state a plan has, are not shared.
var carePlanStatuses = []string{"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}

// recordID reads the id of a record named in an API path, or answers
// 404, audited, for one that cannot be an id.
func (h *Handler) recordID(c *gin.Context, resourceType, name string) (uint, bool) {
	id, ok := parseID(c.Param(name))
	if !ok {
		h.notFoundForClient(c, resourceType, c.Param(name))
	}
	return id, ok
}

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
			if !slices.Contains(carePlanStatuses, code) {
				outcome(c, http.StatusBadRequest, "value", "Give status as one or more of "+strings.Join(carePlanStatuses, ", ")+", separated by commas.")
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

// readCarePlan answers a plan's latest published version, or, for vread,
// the version the path names. Only published versions are versions of the
// resource: a draft's number finds nothing.
func (h *Handler) readCarePlan(c *gin.Context) {
	planID, ok := h.recordID(c, "CarePlan", "id")
	if !ok {
		return
	}
	number := 0
	if vid := c.Param("vid"); vid != "" {
		n, ok := parseNumber(vid)
		if !ok {
			h.notFoundForClient(c, "CarePlan", c.Param("id")+"/_history/"+vid)
			return
		}
		number = n
	}
	plan, err := h.store.PublishedPlanFor(c.Request.Context(), principalOf(c), planID, number)
	if errors.Is(err, models.ErrNotFound) {
		h.notFoundForClient(c, "CarePlan", strings.TrimPrefix(c.Request.URL.Path, fhirBase+"/CarePlan/"))
		return
	}
	if err != nil {
		apiServerError(c, err)
		return
	}
	if h.auditRead(c, models.AuditAPIRead, &plan.PatientID, "CarePlan", fhirmap.CarePlanID(plan.ID)) {
		resource := fhirmap.FromPlan(*plan)
		c.Header("ETag", fhirmap.WeakETag(resource.Meta.VersionID))
		c.Header("Last-Modified", plan.Version.CreatedAt.UTC().Format(http.TimeFormat))
		fhirResource(c, http.StatusOK, resource)
	}
}

// carePlanHistory answers every published version of a plan, newest
// first.
func (h *Handler) carePlanHistory(c *gin.Context) {
	planID, ok := h.recordID(c, "CarePlan", "id")
	if !ok {
		return
	}
	versions, err := h.store.PublishedVersionsOf(c.Request.Context(), principalOf(c), planID)
	if err != nil {
		apiServerError(c, err)
		return
	}
	if len(versions) == 0 {
		h.notFoundForClient(c, "CarePlan", c.Param("id"))
		return
	}
	if !h.auditRead(c, models.AuditAPIRead, &versions[0].PatientID, "CarePlan", fhirmap.CarePlanID(planID)+"/_history") {
		return
	}
	resources := make([]fhirmap.CarePlan, len(versions))
	for i, version := range versions {
		resources[i] = fhirmap.FromPlan(version)
	}
	fhirResource(c, http.StatusOK, fhirmap.History(h.publicAddress+fhirBase, h.publicAddress+c.Request.URL.RequestURI(), resources))
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

func (h *Handler) readMedicationStatement(c *gin.Context) {
	id := c.Param("id")
	planText, nText, _ := strings.Cut(id, "-")
	planID, planOK := parseID(planText)
	n, nOK := parseNumber(nText)
	if !planOK || !nOK {
		h.notFoundForClient(c, "MedicationStatement", id)
		return
	}
	plan, err := h.store.PublishedPlanFor(c.Request.Context(), principalOf(c), planID, 0)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		apiServerError(c, err)
		return
	}
	if err != nil || n > len(plan.Content.Medicines) {
		h.notFoundForClient(c, "MedicationStatement", id)
		return
	}
	if h.auditRead(c, models.AuditAPIRead, &plan.PatientID, "MedicationStatement", id) {
		fhirResource(c, http.StatusOK, fhirmap.FromMedicines(*plan)[n-1])
	}
}
