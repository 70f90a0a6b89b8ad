package handlers

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

const auditPageSize = 50

func (h *Handler) admin(c *gin.Context) {
	organisations, err := h.store.OrganisationsOf(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	scope, err := h.store.PracticesOf(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	ids := make([]uint, 0, len(scope)+len(organisations))
	for _, o := range append(scope, organisations...) {
		ids = append(ids, o.ID)
	}
	events, err := h.store.AuditEventsFor(c.Request.Context(), ids, auditPageSize)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.AdminPage(h.page(c, "Overview", nil), organisations, events))
}

// outcomeView is whose outcomes a page shows and how: a commissioner's
// dashboard of their ICB under disclosure control, or practice staff's own
// practices counted exactly.
type outcomeView struct {
	title string
	path  string
	exact bool
}

var (
	commissionerOutcomes = outcomeView{title: "Dashboard", path: "/dashboard"}
	practiceOutcomes     = outcomeView{title: "Outcomes", path: "/outcomes", exact: true}
)

// readOutcomeFilter reads the filters in the address. Filters the form
// does not offer are refused with 422 and the figures for everyone.
func (h *Handler) readOutcomeFilter(c *gin.Context) (models.OutcomeFilter, []models.Organisation, *views.Form, int, error) {
	practices, err := h.store.PracticesOf(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		return models.OutcomeFilter{}, nil, nil, 0, err
	}
	form := views.NewForm()
	for _, field := range []string{"practice", "condition", "age", "period", "by"} {
		form.Values[field] = c.Query(field)
	}
	filter, errs := models.OutcomeFilterRule(form.Values["practice"], form.Values["condition"], form.Values["age"], form.Values["period"],
		form.Values["by"], practices)
	status := http.StatusOK
	if len(errs) > 0 {
		addErrors(form, errs)
		filter, status = models.OutcomeFilter{}, http.StatusUnprocessableEntity
	}
	form.Values["period"], form.Values["by"] = strconv.Itoa(filter.Period()), filter.Grouping()
	return filter, practices, form, status, nil
}

// outcomeDashboard measures the filter as at now, for the view.
func (h *Handler) outcomeDashboard(c *gin.Context, view outcomeView, filter models.OutcomeFilter, practices []models.Organisation, now time.Time) (views.Dashboard, error) {
	ctx, staffID := c.Request.Context(), currentUser(c).ID
	outcomes, err := h.store.Outcomes(ctx, staffID, filter, now)
	if err != nil {
		return views.Dashboard{}, err
	}
	uptake, err := h.store.Uptake(ctx, staffID, filter, now)
	if err != nil {
		return views.Dashboard{}, err
	}
	d := views.NewDashboard(filter, practices, outcomes, uptake, view.exact, view.path)
	// How fresh the figures are is said against today, whichever month a
	// report measures.
	d.Freshness = views.FiguresUpTo(outcomes, time.Now())
	return d, nil
}

// filteredDashboard measures the filters in the address for the view, as
// at now. It answers with a server error, and reports false, when the
// figures cannot be read.
func (h *Handler) filteredDashboard(c *gin.Context, view outcomeView) (d views.Dashboard, form *views.Form, status int, ok bool) {
	filter, practices, form, status, err := h.readOutcomeFilter(c)
	if err == nil {
		d, err = h.outcomeDashboard(c, view, filter, practices, time.Now())
	}
	if err != nil {
		h.serverError(c, err)
		return d, form, status, false
	}
	return d, form, status, true
}

// outcomes shows every measure for the filters in the address.
func (h *Handler) outcomes(view outcomeView) gin.HandlerFunc {
	return func(c *gin.Context) {
		if d, form, status, ok := h.filteredDashboard(c, view); ok {
			render(c, status, views.DashboardPage(h.page(c, view.title, form), d))
		}
	}
}

// outcomesCSV sends one measure's table, as the page shows it for the
// same filters, as a spreadsheet.
func (h *Handler) outcomesCSV(view outcomeView) gin.HandlerFunc {
	return func(c *gin.Context) {
		d, form, status, ok := h.filteredDashboard(c, view)
		if !ok {
			return
		}
		if form.HasErrors() {
			render(c, status, views.DashboardPage(h.page(c, view.title, form), d))
			return
		}
		table, found := d.Measure(c.Query("measure"))
		if !found {
			h.notFound(c)
			return
		}
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="`+table.Key+`.csv"`)
		out := views.NewSpreadsheetWriter(c.Writer)
		for _, record := range table.CSV() {
			out.Row(record...)
		}
		if err := out.Flush(); err != nil {
			slog.Error("sending a measure's spreadsheet", "error", err, "request_id", c.GetHeader("X-Request-Id"))
		}
	}
}

// outcomesReport shows the monthly report for the month in the address,
// the last whole month when none is given.
func (h *Handler) outcomesReport(view outcomeView) gin.HandlerFunc {
	return func(c *gin.Context) {
		filter, practices, form, status, err := h.readOutcomeFilter(c)
		if err != nil {
			h.serverError(c, err)
			return
		}
		now := time.Now()
		form.Values["month"] = c.Query("month")
		month, errs := models.ReportMonthRule(form.Values["month"], now)
		if len(errs) > 0 {
			addErrors(form, errs)
			status = http.StatusUnprocessableEntity
		}
		form.Values["month"] = month.Format("2006-01")
		filter.Months, filter.By = 12, models.ByMonth
		d, err := h.outcomeDashboard(c, view, filter, practices, month)
		if err != nil {
			h.serverError(c, err)
			return
		}
		title := view.title + " report for " + views.PeriodLabel(month, models.ByMonth)
		render(c, status, views.ReportPage(h.page(c, title, form), views.NewReport(d, month, practices)))
	}
}
