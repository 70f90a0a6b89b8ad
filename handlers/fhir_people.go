package handlers

import (
	"healthpassport/models"
	"healthpassport/models/fhirmap"

	"github.com/gin-gonic/gin"
)

func (h *Handler) searchRelatedPeople(c *gin.Context) {
	page, ok := readPage(c)
	if !ok {
		return
	}
	patient, ok := h.searchedPatient(c, "RelatedPerson")
	if !ok {
		return
	}
	carers, err := h.store.CarersLinkedTo(c.Request.Context(), principalOf(c), patient, oneMore(page))
	if err != nil {
		apiServerError(c, err)
		return
	}
	answerPage(c, h.publicAddress, page, carers, func(carer models.Carer) uint { return carer.ID }, fhirmap.FromCarer)
}
