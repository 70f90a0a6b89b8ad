package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// readAuditSearch reads the audit log's search from the address, keeping
// it on the form to show again.
func (h *Handler) readAuditSearch(c *gin.Context, organisations []models.Organisation) (models.AuditFilter, *views.Form) {
	form := views.NewForm()
	query := func(field string) string {
		value, readable := cleanText(c.Query(field))
		form.Values[field] = value
		if !readable {
			form.Add(field, msgUnreadable)
		}
		return value
	}
	date := func(name string) models.DateInput {
		return models.DateInput{Day: query(name + "-day"), Month: query(name + "-month"), Year: query(name + "-year")}
	}
	filter, errs := models.CheckAuditSearch(models.AuditSearch{NHSNumber: query("nhs-number"), Staff: query("staff"),
		Action: query("action"), Organisation: query("organisation"), From: date("from"), To: date("to")}, organisations)
	addErrors(form, errs)
	return filter, form
}

// auditLog searches the audit log of the administrator's organisations.
// Looking is itself audited, with what was searched for.
func (h *Handler) auditLog(c *gin.Context) {
	organisations := principalOf(c).Administered
	filter, form := h.readAuditSearch(c, organisations)
	log := views.AuditLog{Organisations: organisations, Actions: models.AuditActions(), Query: c.Request.URL.RawQuery}
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.AuditLogPage(h.page(c, "Audit log", form), log))
		return
	}
	before, _ := parseID(c.Query("before")) // none, or not one of ours, is the first page
	if !h.auditAccess(c, models.AuditEntry{Action: models.AuditLogSearched, TargetType: "audit-log", Detail: c.Request.URL.RawQuery}) {
		return
	}
	var err error
	log.Entries, log.More, err = h.store.SearchAuditLog(c.Request.Context(), organisationIDs(organisations), filter, before, auditPageSize)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.AuditLogPage(h.page(c, "Audit log", form), log))
}

// exportAuditLog sends every entry the search finds as CSV, oldest first.
func (h *Handler) exportAuditLog(c *gin.Context) {
	organisations := principalOf(c).Administered
	filter, form := h.readAuditSearch(c, organisations)
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.AuditLogPage(h.page(c, "Audit log", form),
			views.AuditLog{Organisations: organisations, Actions: models.AuditActions()}))
		return
	}
	if !h.auditAccess(c, models.AuditEntry{Action: models.AuditLogExported, TargetType: "audit-log", Detail: c.Request.URL.RawQuery}) {
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="audit-log.csv"`)
	out := views.NewSpreadsheetWriter(c.Writer)
	out.Header("Entry", "When (UK time)", "What happened", "Who", "Patient record", "Target", "Details", "IP address", "Request")
	err := h.store.EachAuditEntry(c.Request.Context(), organisationIDs(organisations), filter, func(e models.AuditActivity) error {
		patient := ""
		if e.PatientID != nil {
			patient = strconv.FormatUint(uint64(*e.PatientID), 10)
		}
		// Names, targets and details come from people: a share's recipient,
		// a client's name. Only the entry and patient numbers are ours.
		return out.Row(views.FigureCell(strconv.FormatUint(uint64(e.ID), 10)), views.TextCell(views.FormatDateTime(e.At)),
			views.TextCell(models.AuditWording(e.Action)), views.TextCell(e.Who()), views.FigureCell(patient),
			views.TextCell(e.TargetType+" "+e.TargetID), views.TextCell(e.Detail), views.TextCell(e.IPAddress), views.TextCell(e.RequestID))
	})
	if flushErr := out.Flush(); err == nil {
		err = flushErr
	}
	if err != nil {
		// The answer has begun, so it cannot become an error page: it is
		// cut short, and the log says why.
		slog.Error("exporting the audit log", "error", err, "request_id", c.GetHeader("X-Request-Id"))
	}
}

// checkAuditLog runs the tamper-evidence check and says what it found.
func (h *Handler) checkAuditLog(c *gin.Context) {
	checked, err := h.store.VerifyAuditLog(c.Request.Context())
	var broken *models.AuditChainBroken
	var missing *models.AuditEntriesMissing
	var unknownKey *models.AuditKeyUnknown
	switch {
	case errors.As(err, &broken), errors.As(err, &missing), errors.As(err, &unknownKey):
		h.flash(c, "The audit log has been changed: "+err.Error()+". Report this to your information governance lead")
	case err != nil:
		h.serverError(c, err)
		return
	default:
		h.flash(c, "The audit log has not been changed: all "+strconv.Itoa(checked)+" entries match")
	}
	h.audit(c, models.AuditEntry{Action: models.AuditLogChecked, TargetType: "audit-log", Detail: strconv.Itoa(checked) + " entries"})
	redirect(c, "/audit")
}
