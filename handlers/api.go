package handlers

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"

	"healthpassport/models"
	"healthpassport/models/fhirmap"

	"github.com/gin-gonic/gin"
)

// The FHIR API serves machine clients on an engine of its own: no session,
// no anti-forgery token, no forms. A client authenticates with SMART
// Backend Services and sends its access token as a bearer token.
const (
	tokenPath    = "/oauth/token"
	fhirBase     = "/fhir"
	fhirJSON     = "application/fhir+json"
	searchLimit  = 1000 // the most entries one page of a search holds
	lastUpdated  = "_lastUpdated"
	formatParam  = "_format"
	patientParam = "patient"
)

// PublicAPIRoutes are the only API routes a client may use without an
// access token: what the server offers, and where to get a token. Every
// other route authenticates the client first (see denyByDefault).
var PublicAPIRoutes = map[string]bool{
	"GET /.well-known/smart-configuration": true, "POST " + tokenPath: true, "GET " + fhirBase + "/metadata": true,
}

// APIRoutes registers the FHIR API and its token endpoint.
func (h *Handler) APIRoutes(r *gin.Engine) {
	r.Use(noStore, h.authenticateUnlessPublic)
	r.NoRoute(func(c *gin.Context) {
		outcome(c, http.StatusNotFound, "not-found", "There is no such resource type or interaction.")
	})
	// An interaction the API does not offer on an address it serves, such
	// as an update or delete, is 405, with the methods it does take in
	// Allow.
	r.HandleMethodNotAllowed = true
	r.NoMethod(func(c *gin.Context) {
		outcome(c, http.StatusMethodNotAllowed, "not-supported", "The API only reads: "+c.Request.Method+" is not supported here.")
	})
	r.GET("/.well-known/smart-configuration", h.smartConfiguration)
	r.POST(tokenPath, h.issueToken)

	fhir := r.Group(fhirBase, acceptJSON)
	fhir.GET("/metadata", h.capabilities)
	api := fhir.Group("")
	api.GET("/Patient", requireScope("Patient"), typeSearchParams("Patient"), h.searchPatients)
	serveResource(api, h, "Patient", h.findPatient, h.findPatient)
	api.GET("/Patient/:id/$everything", requireScope("Patient"), allowParams(pagingParams...), h.patientEverything)
	api.GET("/Condition", requireScope("Condition"), searchParams(patientParam), h.searchConditions)
	serveResource(api, h, "Condition", h.findCondition, h.findCondition)
	api.GET("/Observation", requireScope("Observation"), typeSearchParams("Observation"), h.searchObservations)
	serveResource(api, h, "Observation", h.findObservation, h.findObservation)
	api.GET("/CarePlan", requireScope("CarePlan"), searchParams(patientParam, "status", includeParam), h.searchCarePlans)
	serveResource(api, h, "CarePlan", h.findCarePlan, h.findCarePlanVersions)
	api.GET("/MedicationStatement", requireScope("MedicationStatement"), searchParams(patientParam), h.searchMedicationStatements)
	serveResource(api, h, "MedicationStatement", h.findMedicationStatement, h.findMedicationStatementVersions)
	api.GET("/RelatedPerson", requireScope("RelatedPerson"), searchParams(patientParam, includeParam), h.searchRelatedPeople)
	serveResource(api, h, "RelatedPerson", h.findRelatedPerson, h.findRelatedPerson)
	serveResource(api, h, "Practitioner", h.findPractitioner, h.findPractitioner)
	serveResource(api, h, "Organization", h.findOrganization, h.findOrganization)
	serveResource(api, h, "Group", h.findGroup, h.findGroup)
	api.POST("/:type/_search", searchByPost(r))

	// Bulk export: the status and files are outside the JSON-only group,
	// since a file is NDJSON.
	kickOff := r.Group(fhirBase, acceptJSON, allowParams(typeParam, typeFilterParam, sinceParam, outputFormat))
	kickOff.GET("/$export", h.kickOffExport(models.ExportSystem))
	kickOff.GET("/Patient/$export", h.kickOffExport(models.ExportPatient))
	kickOff.GET("/Group/:id/$export", h.kickOffExport(models.ExportGroup))
	exports := r.Group(fhirBase)
	exports.GET("/bulk-status/:export", acceptJSON, h.exportStatus)
	exports.DELETE("/bulk-status/:export", h.cancelExport)
	exports.GET("/bulk-files/:export/:file", h.exportFile)
}

// authenticateUnlessPublic asks every API route but the public ones for a
// client's access token: a route added without thinking of access is
// closed, not open.
func (h *Handler) authenticateUnlessPublic(c *gin.Context) {
	if c.FullPath() == "" || PublicAPIRoutes[c.Request.Method+" "+c.FullPath()] {
		c.Next()
		return
	}
	h.authenticateClient(c)
}

func (h *Handler) smartConfiguration(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{
		"token_endpoint":                                   h.publicAddress + tokenPath,
		"token_endpoint_auth_methods_supported":            []string{"private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": models.AssertionAlgorithms,
		"grant_types_supported":                            []string{"client_credentials"},
		"scopes_supported":                                 models.SupportedScopes(),
		"capabilities":                                     []string{"client-confidential-asymmetric", "permission-v1", "permission-v2"},
	})
}

// issueToken is the client_credentials grant of SMART Backend Services.
func (h *Handler) issueToken(c *gin.Context) {
	if c.PostForm("grant_type") != "client_credentials" {
		c.JSON(http.StatusBadRequest, gin.H{"error": "unsupported_grant_type", "error_description": "grant_type must be client_credentials"})
		return
	}
	if c.PostForm("client_assertion_type") != models.ClientAssertionType {
		c.JSON(http.StatusBadRequest, gin.H{"error": "invalid_request", "error_description": "client_assertion_type must be " + models.ClientAssertionType})
		return
	}
	grant, err := h.store.IssueAccessToken(c.Request.Context(), c.PostForm("client_assertion"), h.publicAddress+tokenPath, c.PostForm("scope"))
	var refusal *models.TokenRefusal
	switch {
	case errors.As(err, &refusal):
		status := http.StatusBadRequest
		if errors.Is(err, models.ErrInvalidClient) {
			status = http.StatusUnauthorized
		}
		c.JSON(status, gin.H{"error": refusal.Code.Error(), "error_description": refusal.Reason})
	case err != nil:
		slog.Error("issuing an access token", "error", err, "request_id", c.GetHeader("X-Request-Id"))
		c.JSON(http.StatusInternalServerError, gin.H{"error": "server_error"})
	default:
		c.JSON(http.StatusOK, gin.H{"access_token": grant.Token, "token_type": "bearer",
			"expires_in": int(grant.ExpiresIn.Seconds()), "scope": strings.Join(grant.Scopes, " ")})
	}
}

// outcome answers with an OperationOutcome and stops the request.
func outcome(c *gin.Context, status int, code, diagnostics string) {
	fhirResource(c, status, fhirmap.Outcome(code, diagnostics))
	c.Abort()
}

func fhirResource(c *gin.Context, status int, resource any) {
	c.Render(status, fhirRender{resource})
}

// fhirRender writes a resource as FHIR's JSON media type.
type fhirRender struct{ resource any }

func (r fhirRender) Render(w http.ResponseWriter) error {
	r.WriteContentType(w)
	return json.NewEncoder(w).Encode(r.resource)
}

func (r fhirRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", fhirJSON+"; charset=utf-8")
}

// acceptJSON refuses, with 406, a client that asks for a format other than
// JSON: the API speaks no XML.
func acceptJSON(c *gin.Context) {
	if format := c.Query(formatParam); format != "" && !slices.Contains([]string{"json", "application/json", fhirJSON}, format) {
		outcome(c, http.StatusNotAcceptable, "not-supported", "Only JSON is served: ask for "+fhirJSON+".")
		return
	}
	if accept := c.GetHeader("Accept"); accept != "" && !acceptsJSON(accept) {
		outcome(c, http.StatusNotAcceptable, "not-supported", "Only JSON is served: ask for "+fhirJSON+".")
		return
	}
	c.Next()
}

func acceptsJSON(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && slices.Contains([]string{"*/*", "application/*", "application/json", fhirJSON}, mediaType) {
			return true
		}
	}
	return false
}

func (h *Handler) capabilities(c *gin.Context) {
	fhirResource(c, http.StatusOK, fhirmap.Capabilities(h.publicAddress+fhirBase, models.APIResourceTypes))
}

// authenticateClient loads the client whose bearer token the request
// carries.
func (h *Handler) authenticateClient(c *gin.Context) {
	token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || token == "" {
		c.Header("WWW-Authenticate", `Bearer realm="fhir"`)
		outcome(c, http.StatusUnauthorized, "login", "Send an access token from "+tokenPath+" as a bearer token.")
		return
	}
	principal, err := h.store.APIPrincipal(c.Request.Context(), token)
	if errors.Is(err, models.ErrNotFound) {
		c.Header("WWW-Authenticate", `Bearer realm="fhir", error="invalid_token"`)
		outcome(c, http.StatusUnauthorized, "login", "The access token has expired or been withdrawn: get a new one.")
		return
	}
	if err != nil {
		apiServerError(c, err)
		return
	}
	thePrincipal.keep(c, principal)
	c.Next()
}

func apiServerError(c *gin.Context, err error) {
	slog.Error("API request failed", "error", err, "path", c.Request.URL.Path, "request_id", c.GetHeader("X-Request-Id"))
	outcome(c, http.StatusInternalServerError, "exception", "Sorry, there is a problem with the service. Try again later.")
}

// requireScope refuses a client whose token does not grant reading and
// searching the resource type.
func requireScope(resourceType string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !principalOf(c).MayRead(resourceType) {
			outcome(c, http.StatusForbidden, "forbidden", "The access token does not grant "+models.ReadScope(resourceType)+".")
			return
		}
		c.Next()
	}
}

// allowParams refuses search parameters the API does not support, rather
// than ignore them and answer with more than was asked for.
func allowParams(names ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		for name := range c.Request.URL.Query() {
			if name != formatParam && !slices.Contains(names, name) {
				outcome(c, http.StatusBadRequest, "not-supported", fmt.Sprintf("The search parameter %q is not supported here.", name))
				return
			}
		}
		c.Next()
	}
}

// clientActor is the client as the audit log records it.
func clientActor(c *gin.Context) models.Actor {
	return models.Actor{Role: models.RoleAPIClient, IPAddress: c.ClientIP(), RequestID: c.GetHeader("X-Request-Id")}
}

// auditRead records, before answering, that the client read a patient's
// record; if the entry cannot be written the client gets an error instead.
func (h *Handler) auditRead(c *gin.Context, action string, patientID *uint, resourceType, id string) bool {
	client := principalOf(c).Client
	err := h.store.Audit(c.Request.Context(), clientActor(c), models.AuditEntry{Action: action, PatientID: patientID, TargetType: resourceType, TargetID: id,
		Detail: fmt.Sprintf("%s (client %s): %s", client.Name, client.ClientID, c.Request.URL.RequestURI())})
	if err != nil {
		apiServerError(c, fmt.Errorf("writing audit log for %s: %w", action, err))
		return false
	}
	return true
}

// notFoundForClient answers a read of a record the client may not see, or
// that does not exist, alike, and records the refusal.
func (h *Handler) notFoundForClient(c *gin.Context, resourceType, id string) {
	if h.auditRead(c, models.AuditAccessRefused, nil, resourceType, id) {
		outcome(c, http.StatusNotFound, "not-found", resourceType+"/"+id+" is not known.")
	}
}

// searchedPatient is the patient a patient= (or, where taken, subject=)
// search names, among the client's; a patient the client may not see finds
// nothing.
func (h *Handler) searchedPatient(c *gin.Context, resourceType string) (*models.Patient, bool) {
	ref := strings.TrimPrefix(cmp.Or(c.Query(patientParam), c.Query(subjectParam)), "Patient/")
	if ref == "" {
		outcome(c, http.StatusBadRequest, "required", "Search "+resourceType+" by patient, like "+resourceType+"?patient=Patient/ID.")
		return nil, false
	}
	patient, err := h.store.PatientFor(c.Request.Context(), principalOf(c), ref)
	if errors.Is(err, models.ErrNotFound) {
		h.notFoundForClient(c, "Patient", ref)
		return nil, false
	}
	if err != nil {
		apiServerError(c, err)
		return nil, false
	}
	return patient, h.auditRead(c, models.AuditAPIRead, &patient.ID, resourceType, "patient="+patient.Ref)
}

func (h *Handler) searchConditions(c *gin.Context) {
	page, ok := readPage(c)
	if !ok {
		return
	}
	patient, ok := h.searchedPatient(c, "Condition")
	if !ok {
		return
	}
	diagnoses, err := h.store.DiagnosesOf(c.Request.Context(), principalOf(c), patient, oneMore(page))
	if err != nil {
		apiServerError(c, err)
		return
	}
	answerPage(c, h.publicAddress, page, diagnoses, func(d models.Diagnosis) uint { return d.ID }, fhirmap.FromDiagnosis)
}
