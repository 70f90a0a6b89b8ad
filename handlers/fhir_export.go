package handlers

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"healthpassport/models"
	"healthpassport/models/fhirmap"

	"github.com/gin-gonic/gin"
)

// FHIR Bulk Data Access: a client kicks off an export, polls its status
// address, then fetches the NDJSON files of each resource type with the
// same token.
const (
	exportStatusPath = fhirBase + "/bulk-status/"
	exportFilesPath  = fhirBase + "/bulk-files/"
	fhirNDJSON       = "application/fhir+ndjson"
	typeParam        = "_type"
	typeFilterParam  = "_typeFilter"
	sinceParam       = "_since"
	outputFormat     = "_outputFormat"
	// exportPollAfter is how long a client is asked to wait between polls.
	exportPollAfter = "5"
)

// kickOffExport queues an export of the kind asked for and answers with
// the address to poll.
func (h *Handler) kickOffExport(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !preferAsync(c.GetHeader("Prefer")) {
			outcome(c, http.StatusBadRequest, "required", "Ask for a bulk export with the header Prefer: respond-async.")
			return
		}
		if format := c.Query(outputFormat); format != "" && !slices.Contains([]string{fhirNDJSON, "application/ndjson", "ndjson"}, format) {
			outcome(c, http.StatusBadRequest, "not-supported", "Exports are written as "+fhirNDJSON+" only.")
			return
		}
		principal := principalOf(c)
		request := models.ExportRequest{Kind: kind, Request: h.publicAddress + c.Request.URL.RequestURI()}
		var ok bool
		if request.Types, ok = exportTypes(c, principal, h.store.ExportTypes()); !ok {
			return
		}
		if request.TypeFilters, ok = typeFilters(c, principal, request.Types); !ok {
			return
		}
		if since := c.Query(sinceParam); since != "" {
			instant, err := time.Parse(time.RFC3339, since)
			if err != nil {
				outcome(c, http.StatusBadRequest, "value", "Give _since as an instant with a time zone, like 2026-01-31T12:00:00Z.")
				return
			}
			instant = instant.UTC()
			request.Since = &instant
		}
		if kind == models.ExportGroup {
			practice, err := h.store.PracticeForClient(c.Request.Context(), principal, c.Param("id"))
			if errors.Is(err, models.ErrNotFound) {
				h.notFoundForClient(c, "Group", c.Param("id"))
				return
			}
			if err != nil {
				apiServerError(c, err)
				return
			}
			request.Practice = practice
		}
		export, err := h.store.StartExport(c.Request.Context(), principal, clientActor(c), request)
		if err != nil {
			apiServerError(c, err)
			return
		}
		c.Header("Content-Location", h.publicAddress+exportStatusPath+export.Ref)
		fhirResource(c, http.StatusAccepted, fhirmap.Information("The export has started: poll the address in Content-Location."))
	}
}

// preferAsync reports whether a Prefer header asks for respond-async.
func preferAsync(prefer string) bool {
	for part := range strings.SplitSeq(prefer, ",") {
		if strings.EqualFold(strings.TrimSpace(part), "respond-async") {
			return true
		}
	}
	return false
}

// exportTypes reads _type, comma-separated and perhaps repeated, in the
// order the store writes types; without it, every type the client may
// read. A type the API does not export is refused with 400, one the
// token does not grant with 403.
func exportTypes(c *gin.Context, principal *models.Principal, exportable []string) ([]string, bool) {
	var asked []string
	for _, value := range c.QueryArray(typeParam) {
		for name := range strings.SplitSeq(value, ",") {
			asked = append(asked, strings.TrimSpace(name))
		}
	}
	for _, name := range asked {
		if !slices.Contains(exportable, name) {
			outcome(c, http.StatusBadRequest, "not-supported", fmt.Sprintf("%q cannot be exported: choose from %s.", name, strings.Join(exportable, ", ")))
			return nil, false
		}
		if !principal.MayRead(name) {
			outcome(c, http.StatusForbidden, "forbidden", "The access token does not grant "+models.ReadScope(name)+".")
			return nil, false
		}
	}
	var types []string
	for _, name := range exportable {
		if (len(asked) == 0 && principal.MayRead(name)) || slices.Contains(asked, name) {
			types = append(types, name)
		}
	}
	if len(types) == 0 {
		outcome(c, http.StatusForbidden, "forbidden", "The access token grants reading none of the types exported: "+strings.Join(exportable, ", ")+".")
		return nil, false
	}
	return types, true
}

// typeFilters reads _typeFilter, perhaps repeated, each a comma-separated
// list of searches such as "Observation?category=vital-signs". A search
// the export cannot run is refused with 400, one of a type the token does
// not grant with 403, and one of a type not exported with 400.
func typeFilters(c *gin.Context, principal *models.Principal, types []string) ([]string, bool) {
	var filters []string
	for _, value := range c.QueryArray(typeFilterParam) {
		for _, filter := range splitSearches(value) {
			resourceType, err := fhirmap.CheckTypeFilter(filter)
			if err != nil {
				outcome(c, http.StatusBadRequest, "not-supported", err.Error()+".")
				return nil, false
			}
			if !principal.MayRead(resourceType) {
				outcome(c, http.StatusForbidden, "forbidden", "The access token does not grant "+models.ReadScope(resourceType)+".")
				return nil, false
			}
			if !slices.Contains(types, resourceType) {
				outcome(c, http.StatusBadRequest, "not-supported", fmt.Sprintf("_typeFilter %q filters a type the export does not write: %s.", filter, strings.Join(types, ", ")))
				return nil, false
			}
			filters = append(filters, filter)
		}
	}
	return filters, true
}

// searchStart is how each search of a _typeFilter list begins.
var searchStart = regexp.MustCompile(`^[A-Z][A-Za-z]*\?`)

// splitSearches splits a _typeFilter list at the commas that begin another
// search, leaving those that separate a parameter's values, as in
// "CarePlan?status=active,completed".
func splitSearches(list string) []string {
	var searches []string
	for part := range strings.SplitSeq(list, ",") {
		if len(searches) > 0 && !searchStart.MatchString(part) {
			searches[len(searches)-1] += "," + part
			continue
		}
		searches = append(searches, part)
	}
	return searches
}

// exportManifest is what a finished export's status address answers.
type exportManifest struct {
	TransactionTime     string           `json:"transactionTime"`
	Request             string           `json:"request"`
	RequiresAccessToken bool             `json:"requiresAccessToken"`
	Output              []exportOutput   `json:"output"`
	Error               []exportOutput   `json:"error"`
	Extension           *exportExtension `json:"extension,omitempty"`
}

type exportOutput struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Count int64  `json:"count"`
}

// exportExtension says until when the files can be fetched.
type exportExtension struct {
	ExpiresAt string `json:"expiresAt"`
}

// loadExport finds the export in the path among the client's own; any
// other, or one expired or cancelled, is not found.
func (h *Handler) loadExport(c *gin.Context) (*models.BulkExport, bool) {
	export, err := h.store.ExportFor(c.Request.Context(), principalOf(c), c.Param("export"))
	if errors.Is(err, models.ErrNotFound) {
		h.notFoundForClient(c, "BulkExport", c.Param("export"))
		return nil, false
	}
	if err != nil {
		apiServerError(c, err)
		return nil, false
	}
	return export, true
}

func (h *Handler) exportStatus(c *gin.Context) {
	export, ok := h.loadExport(c)
	if !ok {
		return
	}
	c.Header("Expires", export.ExpiresAt.Format(http.TimeFormat))
	switch export.Status {
	case models.ExportQueued, models.ExportRunning:
		progress := export.Progress
		if progress == "" {
			progress = "Waiting to start"
		}
		c.Header("X-Progress", progress)
		c.Header("Retry-After", exportPollAfter)
		c.Status(http.StatusAccepted)
	case models.ExportFailed:
		outcome(c, http.StatusInternalServerError, "exception", export.Failure)
	default:
		manifest := exportManifest{TransactionTime: export.TransactionTime.UTC().Format(time.RFC3339Nano), Request: export.Request,
			RequiresAccessToken: true, Output: []exportOutput{}, Error: []exportOutput{},
			Extension: &exportExtension{ExpiresAt: export.ExpiresAt.UTC().Format(time.RFC3339)}}
		for _, file := range export.Files {
			manifest.Output = append(manifest.Output, exportOutput{Type: file.ResourceType, Count: file.Count,
				URL: h.publicAddress + exportFilesPath + file.Name})
		}
		c.JSON(http.StatusOK, manifest)
	}
}

func (h *Handler) cancelExport(c *gin.Context) {
	err := h.store.CancelExport(c.Request.Context(), principalOf(c), clientActor(c), c.Param("export"))
	if errors.Is(err, models.ErrNotFound) {
		h.notFoundForClient(c, "BulkExport", c.Param("export"))
		return
	}
	if err != nil {
		apiServerError(c, err)
		return
	}
	fhirResource(c, http.StatusAccepted, fhirmap.Information("The export is cancelled and its files removed."))
}

// exportFile streams one file of a finished export to the client that
// asked for it, once the download is in the audit log.
func (h *Handler) exportFile(c *gin.Context) {
	if accept := c.GetHeader("Accept"); accept != "" && !acceptsNDJSON(accept) {
		outcome(c, http.StatusNotAcceptable, "not-supported", "Export files are "+fhirNDJSON+".")
		return
	}
	export, ok := h.loadExport(c)
	if !ok {
		return
	}
	fileName := c.Param("file")
	file, err := h.store.OpenExportFile(export, fileName)
	if errors.Is(err, models.ErrNotFound) {
		h.notFoundForClient(c, "BulkExport", export.Ref+"/"+c.Param("file"))
		return
	}
	if err != nil {
		apiServerError(c, err)
		return
	}
	defer file.Close()
	client := principalOf(c).Client
	if err := h.store.Audit(c.Request.Context(), clientActor(c), models.AuditEntry{Action: models.AuditExportDownloaded, TargetType: "BulkExport",
		TargetID: export.Ref + "/" + fileName, Detail: fmt.Sprintf("%s (client %s): %s", client.Name, client.ClientID, fileName)}); err != nil {
		apiServerError(c, fmt.Errorf("writing audit log for %s: %w", models.AuditExportDownloaded, err))
		return
	}
	c.Header("Content-Type", fhirNDJSON)
	c.Status(http.StatusOK)
	if _, err := io.Copy(c.Writer, file); err != nil {
		// The answer has begun: the client sees a short file and fetches again.
		c.Error(err)
	}
}

func acceptsNDJSON(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && slices.Contains([]string{"*/*", "application/*", "application/ndjson", fhirNDJSON}, mediaType) {
			return true
		}
	}
	return false
}
