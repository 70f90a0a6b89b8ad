package handlers

import (
	"net/http"

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

func (h *Handler) dashboard(c *gin.Context) {
	rows, err := h.store.Uptake(currentUser(c).ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.DashboardPage(h.page(c, "Dashboard", nil), rows))
}
