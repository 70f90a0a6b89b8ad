package handlers

import (
	"net/http"

	clinicalsafety "healthpassport/docs/clinical-safety"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// hazardLogBlocks is the hazard log built into the program, read once.
var hazardLogBlocks = views.ParseMarkdown(clinicalsafety.HazardLog)

// hazardLog shows the hazard log to administrators and clinical safety
// officers, read-only.
func (h *Handler) hazardLog(c *gin.Context) {
	render(c, http.StatusOK, views.HazardLogPage(h.page(c, "Hazard log", nil), hazardLogBlocks))
}
