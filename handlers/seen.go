package handlers

import (
	"net/http"

	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

const passportHistoryPageSize = 20

// passportSeen shows a patient, or a carer who acts for them, who has seen
// the passport and what was changed, newest first, a page at a time.
func (h *Handler) passportSeen(c *gin.Context) {
	patient, principal := patientOf(c), principalOf(c)
	before, _ := parseID(c.Query("before")) // none, or not one of ours, is the first page
	events, more, err := h.store.PassportHistory(c.Request.Context(), principal, patient, before, passportHistoryPageSize)
	if err != nil {
		h.serverError(c, err)
		return
	}
	title := "Who has seen " + voiceOf(c).Whose() + " passport"
	render(c, http.StatusOK, views.PassportSeenPage(h.page(c, title, nil),
		views.PassportSeen{Patient: patient, Events: events, More: more}))
}
