package handlers

import (
	"net/http"
	"strconv"
	"time"

	"healthpassport/models"

	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

const auditPageSize = 50

func (h *Handler) admin(c *gin.Context) {
	organisations, err := h.store.OrganisationsOf(currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	scope, err := h.store.PracticesOf(currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	ids := make([]uint, 0, len(scope)+len(organisations))
	for _, o := range append(scope, organisations...) {
		ids = append(ids, o.ID)
	}
	events, err := h.store.AuditEventsFor(ids, auditPageSize)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.AdminPage(h.page(c, "Overview", nil), organisations, events))
}

// dashboard shows a commissioner outcomes for the filters in the address.
// Filters the form does not offer are refused with 422 and the form shown
// again, with the figures for everyone.
func (h *Handler) dashboard(c *gin.Context) {
	ctx, staffID := c.Request.Context(), currentUser(c).ID
	practices, err := h.store.PracticesOf(staffID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	form := views.NewForm()
	for _, field := range []string{"practice", "condition", "age", "period"} {
		form.Values[field] = c.Query(field)
	}
	filter, errs := models.OutcomeFilterRule(form.Values["practice"], form.Values["condition"], form.Values["age"], form.Values["period"], practices)
	status := http.StatusOK
	if len(errs) > 0 {
		addErrors(form, errs)
		filter, status = models.OutcomeFilter{}, http.StatusUnprocessableEntity
	}
	form.Values["period"] = strconv.Itoa(filter.Period())
	now := time.Now()
	outcomes, err := h.store.Outcomes(ctx, staffID, filter, now)
	if err != nil {
		h.serverError(c, err)
		return
	}
	uptake, err := h.store.Uptake(ctx, staffID, filter, now)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, status, views.DashboardPage(h.page(c, "Dashboard", form), views.NewDashboard(filter, practices, outcomes, uptake)))
}
