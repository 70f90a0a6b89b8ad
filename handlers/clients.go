package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"healthpassport/models"
	"healthpassport/models/keysets"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// An administrator registers the systems that read their practices'
// records through the FHIR API, and withdraws their access.

// clientPractices are the practices among the organisations an
// administrator looks after: a client acts for one practice.
func clientPractices(principal *models.Principal) []models.Organisation {
	var practices []models.Organisation
	for _, o := range principal.Administered {
		if o.Kind == models.OrganisationPractice {
			practices = append(practices, o)
		}
	}
	return practices
}

func (h *Handler) clients(c *gin.Context) {
	organisations := principalOf(c).Administered
	nav := views.ClientList.Asked(c.Query)
	clients, err := h.store.APIClientsAt(c.Request.Context(), organisationIDs(organisations), nav.Filter.Selected, nav.Page)
	if err != nil {
		h.serverError(c, err)
		return
	}
	nav.Pagination = clients.Pagination
	render(c, http.StatusOK, views.ClientsPage(h.page(c, "Connected systems", nil), clients.Rows, nav))
}

func (h *Handler) registerClientForm(c *gin.Context) {
	practices := clientPractices(principalOf(c))
	render(c, http.StatusOK, views.RegisterClientPage(h.page(c, "Register a system", nil), practices))
}

func (h *Handler) registerClient(c *gin.Context) {
	practices := clientPractices(principalOf(c))
	demo, err := h.store.IsDemo(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	form := views.NewForm()
	var scopes []string
	for _, scope := range c.PostFormArray("scopes") {
		if clean, readable := cleanText(scope); readable {
			scopes = append(scopes, clean)
		} else {
			form.Add("scopes", "Choose what the system may read from the list")
		}
	}
	form.Values["scopes"] = strings.Join(scopes, " ")
	client, errs := models.CheckAPIClient(models.APIClientEntry{Name: formValue(c, form, "name"), Organisation: formValue(c, form, "organisation"),
		Scopes: scopes, PublicKeys: formValue(c, form, "keys"), KeysURL: formValue(c, form, "keys_url")}, practices, demo)
	addErrors(form, errs)
	fetchPublishedKeys(c, form, &client, demo)
	if !form.HasErrors() {
		registered, err := h.store.RegisterAPIClient(c.Request.Context(), actor(c), client)
		if err != nil {
			h.serverError(c, err)
			return
		}
		h.flash(c, registered.Name+" is registered. Give its supplier the client id "+registered.ClientID)
		redirect(c, fmt.Sprintf("/clients/%d", registered.ID))
		return
	}
	render(c, http.StatusUnprocessableEntity, views.RegisterClientPage(h.page(c, "Register a system", form), practices))
}

// fetchPublishedKeys fetches, for a client whose keys are given by their
// address, the key set there and how long it may be kept, or puts on the
// form why it could not be fetched.
func fetchPublishedKeys(c *gin.Context, form *views.Form, client *models.NewAPIClient, demo bool) {
	if form.HasErrors() || client.KeysURL == "" {
		return
	}
	fetched, err := keysets.Fetch(c.Request.Context(), client.KeysURL, demo)
	if err != nil {
		form.Add("keys_url", "The key set could not be fetched from this address: "+err.Error())
		return
	}
	client.PublicKeys, client.KeysLifetime = fetched.Keys, fetched.Lifetime
}

// loadClient finds the client named in the path among those of the
// organisations the administrator looks after, and refuses, with an audit
// entry, any other.
func (h *Handler) loadClient(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	client, err := h.store.APIClientAt(c.Request.Context(), principalOf(c).AdministeredIDs(), id)
	handOn(h, c, theClient, client, err, models.AuditEntry{TargetType: "api-client", TargetID: c.Param("id")})
}

func clientOf(c *gin.Context) *models.RegisteredClient {
	return theClient.loaded(c)
}

func (h *Handler) client(c *gin.Context) {
	client := clientOf(c)
	render(c, http.StatusOK, views.ClientPage(h.page(c, client.Name, nil), client, h.publicAddress+tokenPath))
}

func (h *Handler) confirmRevokeClient(c *gin.Context) {
	client := clientOf(c)
	render(c, http.StatusOK, views.RevokeClientPage(h.page(c, "Withdraw "+client.Name+"'s access", nil), client))
}

func (h *Handler) revokeClient(c *gin.Context) {
	client := clientOf(c)
	err := h.store.RevokeAPIClientAt(c.Request.Context(), actor(c), principalOf(c).AdministeredIDs(), client)
	switch {
	case errors.Is(err, models.ErrNotFound):
		h.flash(c, client.Name+"'s access was already withdrawn")
	case err != nil:
		h.serverError(c, err)
		return
	default:
		h.flash(c, client.Name+"'s access is withdrawn: it can no longer read any records")
	}
	redirect(c, fmt.Sprintf("/clients/%d", client.ID))
}

// changeKeysForm asks for a system's new keys, so that a supplier whose
// keys change keeps its client id: the address they are published at, or
// the key set pasted in. It starts from the keys the system has.
func (h *Handler) changeKeysForm(c *gin.Context) {
	client := clientOf(c)
	if client.RevokedAt != nil {
		h.flash(c, client.Name+"'s access was withdrawn: register it again to connect it")
		redirect(c, fmt.Sprintf("/clients/%d", client.ID))
		return
	}
	form := views.NewForm()
	if client.KeysURL != "" {
		form.Values["keys_url"] = client.KeysURL
	} else {
		form.Values["keys"] = client.PublicKeys
	}
	render(c, http.StatusOK, views.ChangeClientKeysPage(h.page(c, "Change "+client.Name+"'s keys", form), client))
}

func (h *Handler) changeKeys(c *gin.Context) {
	client := clientOf(c)
	demo, err := h.store.IsDemo(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	form := views.NewForm()
	keys, errs := models.CheckAPIClientKeys(formValue(c, form, "keys"), formValue(c, form, "keys_url"), demo)
	addErrors(form, errs)
	fetchPublishedKeys(c, form, &keys, demo)
	if form.HasErrors() {
		render(c, http.StatusUnprocessableEntity, views.ChangeClientKeysPage(h.page(c, "Change "+client.Name+"'s keys", form), client))
		return
	}
	err = h.store.UpdateAPIClientKeysAt(c.Request.Context(), actor(c), principalOf(c).AdministeredIDs(), client, keys)
	switch {
	case errors.Is(err, models.ErrNotFound):
		h.flash(c, client.Name+"'s access was withdrawn: register it again to connect it")
	case err != nil:
		h.serverError(c, err)
		return
	default:
		h.flash(c, client.Name+"'s keys are changed: it keeps its client id")
	}
	redirect(c, fmt.Sprintf("/clients/%d", client.ID))
}
