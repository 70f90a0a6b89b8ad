package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// An administrator registers the addresses their practices' systems hear
// of changes at, and looks after them: the signing secret, shown once and
// changed at will, the attempts at each delivery, replays, and switching
// an endpoint back on after it failed.

const (
	webhooksPath      = "/admin/webhooks"
	sessionSecret     = "webhook-secret"
	webhookFormEvents = "events"
)

func webhookPath(endpoint *models.WebhookEndpoint) string {
	return webhooksPath + "/" + strconv.FormatUint(uint64(endpoint.ID), 10)
}

// loadWebhook finds the endpoint in the path among those of the practices
// the administrator looks after, and refuses, with an audit entry, any
// other.
func (h *Handler) loadWebhook(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	endpoint, err := h.store.WebhookAt(c.Request.Context(), organisationIDs(principalOf(c).AdministeredPractices()), id)
	handOn(h, c, theWebhook, endpoint, err, models.AuditEntry{TargetType: "webhook", TargetID: c.Param("id")})
}

func webhookOf(c *gin.Context) *models.WebhookEndpoint {
	return theWebhook.loaded(c)
}

func (h *Handler) webhooks(c *gin.Context) {
	practices := principalOf(c).AdministeredPractices()
	endpoints, err := h.store.WebhooksAt(c.Request.Context(), organisationIDs(practices))
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, http.StatusOK, views.WebhooksPage(h.page(c, "Webhooks", nil), endpoints))
}

func (h *Handler) newWebhookForm(c *gin.Context) {
	practices := principalOf(c).AdministeredPractices()
	h.showWebhookForm(c, http.StatusOK, views.NewForm(), practices)
}

func (h *Handler) showWebhookForm(c *gin.Context, status int, form *views.Form, practices []models.Organisation) {
	demo, err := h.store.IsDemo(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	render(c, status, views.NewWebhookPage(h.page(c, "Register a webhook endpoint", form), practices, demo))
}

func (h *Handler) registerWebhook(c *gin.Context) {
	practices := principalOf(c).AdministeredPractices()
	demo, err := h.store.IsDemo(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	form := views.NewForm()
	entry := models.WebhookEntry{URL: formValue(c, form, models.FieldWebhookURL), Description: formValue(c, form, models.FieldWebhookDescription),
		PracticeID: formValue(c, form, models.FieldWebhookPractice), Events: eventsValue(c, form)}
	endpoint, errs := models.CheckWebhookEndpoint(entry, practices, demo)
	addErrors(form, errs)
	if form.HasErrors() {
		h.showWebhookForm(c, http.StatusUnprocessableEntity, form, practices)
		return
	}
	registered, err := h.store.RegisterWebhook(c.Request.Context(), actor(c), endpoint)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.holdSecret(c, registered)
	h.flash(c, "Endpoint registered. Copy its signing secret now")
	redirect(c, webhookPath(registered))
}

// eventsValue reads the ticked events, keeping them on the form so a form
// shown again keeps them ticked. Only the check says which are known.
func eventsValue(c *gin.Context, form *views.Form) []string {
	var events []string
	for _, value := range c.PostFormArray(webhookFormEvents) {
		if clean, readable := cleanText(value); readable {
			events = append(events, clean)
		}
	}
	form.Values[webhookFormEvents] = strings.Join(events, " ")
	return events
}

// holdSecret marks in the session that the endpoint's page is to show its
// new secret, once: it is never shown again. The session holds the
// endpoint's id only, never the secret, which stays encrypted in the
// database until the page reads it.
func (h *Handler) holdSecret(c *gin.Context, endpoint *models.WebhookEndpoint) {
	h.sessions.Put(c.Request.Context(), sessionSecret, strconv.FormatUint(uint64(endpoint.ID), 10))
}

// takeSecret is the endpoint's secret if the session says to show it now.
func (h *Handler) takeSecret(c *gin.Context, endpoint *models.WebhookEndpoint) (string, error) {
	ctx := c.Request.Context()
	if h.sessions.GetString(ctx, sessionSecret) != strconv.FormatUint(uint64(endpoint.ID), 10) {
		return "", nil
	}
	h.sessions.Remove(ctx, sessionSecret)
	secret, _, err := h.store.WebhookSecrets(endpoint)
	return secret, err
}

func (h *Handler) webhook(c *gin.Context) {
	endpoint := webhookOf(c)
	nav := views.DeliveryList(webhookPath(endpoint)).Asked(c.Query)
	deliveries, err := h.store.WebhookDeliveries(c.Request.Context(), endpoint, nav.Filter.Selected, nav.Page)
	if err != nil {
		h.serverError(c, err)
		return
	}
	nav.Pagination = deliveries.Pagination
	attempts, err := h.store.WebhookAttempts(c.Request.Context(), deliveries.Rows)
	if err != nil {
		h.serverError(c, err)
		return
	}
	secret, err := h.takeSecret(c, endpoint)
	if err != nil {
		h.serverError(c, err)
		return
	}
	page := h.page(c, "Webhook endpoint", nil)
	render(c, http.StatusOK, views.WebhookPage(page, views.WebhookDetails{Endpoint: endpoint, Secret: secret,
		Deliveries: deliveries.Rows, List: nav, Attempts: attempts}))
}

func (h *Handler) rotateWebhookSecret(c *gin.Context) {
	endpoint := webhookOf(c)
	_, err := h.store.RotateWebhookSecret(c.Request.Context(), actor(c), endpoint)
	switch {
	case errors.Is(err, models.ErrSecretChanged):
		h.flash(c, "Someone else changed the signing secret just now. Ask them for it, or change it again")
	case err != nil:
		h.serverError(c, err)
		return
	default:
		h.holdSecret(c, endpoint)
		h.flash(c, "Signing secret changed. The old one signs deliveries too for 24 hours")
	}
	redirect(c, webhookPath(endpoint))
}

func (h *Handler) enableWebhook(c *gin.Context) {
	endpoint := webhookOf(c)
	if endpoint.PausedAt != nil {
		h.flash(c, "The endpoint is paused. Resume it to send it events again")
		redirect(c, webhookPath(endpoint))
		return
	}
	if err := h.store.EnableWebhook(c.Request.Context(), actor(c), endpoint); err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, "Endpoint switched back on. Send failed deliveries again from the list below")
	redirect(c, webhookPath(endpoint))
}

func (h *Handler) replayWebhook(c *gin.Context) {
	endpoint := webhookOf(c)
	deliveryID, ok := h.idParam(c, "delivery")
	if !ok {
		return
	}
	if endpoint.DisabledAt != nil {
		h.flash(c, "Switch the endpoint back on before sending deliveries again")
		redirect(c, views.DeliveryList(webhookPath(endpoint)).Asked(c.Query).Here())
		return
	}
	err := h.store.ReplayWebhook(c.Request.Context(), actor(c), endpoint, deliveryID)
	switch {
	case errors.Is(err, models.ErrNotFound):
		h.notFound(c)
		return
	case errors.Is(err, models.ErrDeliveryWaiting):
		h.flash(c, fmt.Sprintf("Delivery %d is already waiting to be sent", deliveryID))
	case err != nil:
		h.serverError(c, err)
		return
	default:
		h.flash(c, fmt.Sprintf("Delivery %d will be sent again in a moment", deliveryID))
	}
	redirect(c, views.DeliveryList(webhookPath(endpoint)).Asked(c.Query).Here())
}

func (h *Handler) pauseWebhook(c *gin.Context) {
	endpoint := webhookOf(c)
	switch err := h.store.PauseWebhook(c.Request.Context(), actor(c), endpoint); {
	case errors.Is(err, models.ErrWebhookPaused):
		h.flash(c, "The endpoint was already paused")
	case err != nil:
		h.serverError(c, err)
		return
	default:
		h.flash(c, "Endpoint paused. No events are sent to it until you resume it")
	}
	redirect(c, webhookPath(endpoint))
}

func (h *Handler) resumeWebhook(c *gin.Context) {
	endpoint := webhookOf(c)
	switch err := h.store.ResumeWebhook(c.Request.Context(), actor(c), endpoint); {
	case errors.Is(err, models.ErrWebhookNotPaused):
		h.flash(c, "The endpoint was not paused")
	case err != nil:
		h.serverError(c, err)
		return
	default:
		h.flash(c, "Endpoint resumed. Events from now on are sent to it")
	}
	redirect(c, webhookPath(endpoint))
}

func (h *Handler) confirmDeleteWebhook(c *gin.Context) {
	endpoint := webhookOf(c)
	render(c, http.StatusOK, views.DeleteWebhookPage(h.page(c, "Delete this webhook endpoint", nil), endpoint))
}

func (h *Handler) deleteWebhook(c *gin.Context) {
	endpoint := webhookOf(c)
	switch err := h.store.DeleteWebhook(c.Request.Context(), actor(c), endpoint); {
	case errors.Is(err, models.ErrNotFound):
		h.flash(c, "The endpoint was already deleted")
	case err != nil:
		h.serverError(c, err)
		return
	default:
		h.flash(c, "Endpoint deleted: "+endpoint.URL)
	}
	redirect(c, webhooksPath)
}
