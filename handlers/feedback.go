package handlers

import (
	"errors"
	"net/http"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

func (h *Handler) feedbackForm(c *gin.Context) {
	h.showFeedback(c, http.StatusOK, nil)
}

func (h *Handler) showFeedback(c *gin.Context, status int, form *views.Form) {
	last, err := h.store.LastFeedback(c.Request.Context(), currentUser(c).ID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		h.serverError(c, err)
		return
	}
	if errors.Is(err, models.ErrNotFound) {
		last = nil
	}
	render(c, status, views.FeedbackPage(h.page(c, "Tell us what you think", form), last))
}

func (h *Handler) giveFeedback(c *gin.Context) {
	form := views.NewForm()
	score := formValue(c, form, "score")
	comment := formValue(c, form, "comment")
	satisfaction, errs := models.CheckFeedback(score, comment)
	addErrors(form, errs)
	if form.HasErrors() {
		h.showFeedback(c, http.StatusUnprocessableEntity, form)
		return
	}
	err := h.store.GiveFeedback(c.Request.Context(), currentUser(c).ID, satisfaction, comment)
	if errors.Is(err, models.ErrFeedbackTooSoon) {
		h.showFeedback(c, http.StatusConflict, nil)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, "Thank you for your feedback")
	redirect(c, "/feedback")
}

func (h *Handler) help(c *gin.Context) {
	render(c, http.StatusOK, views.HelpPage(h.page(c, "Help", nil)))
}

func (h *Handler) accessibility(c *gin.Context) {
	render(c, http.StatusOK, views.AccessibilityPage(h.page(c, "Accessibility statement", nil)))
}
