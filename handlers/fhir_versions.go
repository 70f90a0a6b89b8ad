package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"healthpassport/models"
	"healthpassport/models/fhirmap"

	"github.com/gin-gonic/gin"
)

// found is a resource a client may see, as one of its finders found it:
// the versions the server keeps, newest first, and the patient whose
// record it is, for the audit log (nil for none).
type found struct {
	versions  []fhirmap.Versioned
	patientID *uint
}

// finder looks up a resource, by its id, among the client's; for one it
// cannot answer with, it answers the client itself (404 audited, 410 or
// 500) and reports false.
type finder func(c *gin.Context, id string) (found, bool)

// serveResource routes the read, history and version read of a resource
// type: current finds its current version, all every version kept (the
// same, for a type whose past versions are not kept).
func serveResource(api *gin.RouterGroup, h *Handler, resourceType string, current, all finder) {
	guard := []gin.HandlerFunc{requireScope(resourceType), allowParams()}
	api.GET("/"+resourceType+"/:id", append(guard, h.readResource(resourceType, current))...)
	api.GET("/"+resourceType+"/:id/_history", append(guard, h.resourceHistory(resourceType, all))...)
	api.GET("/"+resourceType+"/:id/_history/:vid", append(guard, h.readVersion(resourceType, all))...)
}

func (h *Handler) readResource(resourceType string, current finder) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Param("id")
		resource, ok := current(c, id)
		if ok && h.auditRead(c, models.AuditAPIRead, resource.patientID, resourceType, id) {
			answerVersion(c, resource.versions[0])
		}
	}
}

func (h *Handler) resourceHistory(resourceType string, all finder) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Param("id")
		resource, ok := all(c, id)
		if ok && h.auditRead(c, models.AuditAPIRead, resource.patientID, resourceType, id+"/_history") {
			fhirResource(c, http.StatusOK, fhirmap.History(h.publicAddress+fhirBase, h.publicAddress+c.Request.URL.RequestURI(), resource.versions))
		}
	}
}

// readVersion answers one version the server keeps; any other, a draft
// of a care plan included, is not found.
func (h *Handler) readVersion(resourceType string, all finder) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, vid := c.Param("id"), c.Param("vid")
		resource, ok := all(c, id)
		if !ok {
			return
		}
		i := slices.IndexFunc(resource.versions, func(v fhirmap.Versioned) bool { return v.Version().VersionID == vid })
		if i < 0 {
			h.notFoundForClient(c, resourceType, id+"/_history/"+vid)
			return
		}
		if h.auditRead(c, models.AuditAPIRead, resource.patientID, resourceType, id+"/_history/"+vid) {
			answerVersion(c, resource.versions[i])
		}
	}
}

// answerVersion answers a version of a resource with its ETag and
// Last-Modified, or, if the client's copy is that version, 304 Not
// Modified with no body.
func answerVersion(c *gin.Context, resource fhirmap.Versioned) {
	meta := resource.Version()
	etag := fhirmap.WeakETag(meta.VersionID)
	lastModified, err := time.Parse(time.RFC3339, meta.LastUpdated)
	if err != nil {
		apiServerError(c, err)
		return
	}
	c.Header("ETag", etag)
	c.Header("Last-Modified", lastModified.UTC().Format(http.TimeFormat))
	if notModified(c.Request.Header, etag, lastModified) {
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		return
	}
	fhirResource(c, http.StatusOK, resource)
}

// notModified reports whether a conditional read's copy is current: an
// If-None-Match naming the ETag (weakly compared) or *, or, with no
// If-None-Match, an If-Modified-Since no earlier than the last change, as
// RFC 9110 orders them.
func notModified(header http.Header, etag string, lastModified time.Time) bool {
	if values := header.Values("If-None-Match"); len(values) > 0 {
		for _, value := range values {
			for tag := range strings.SplitSeq(value, ",") {
				if tag = strings.TrimSpace(tag); tag == "*" || strings.TrimPrefix(tag, "W/") == strings.TrimPrefix(etag, "W/") {
					return true
				}
			}
		}
		return false
	}
	since, err := http.ParseTime(header.Get("If-Modified-Since"))
	return err == nil && !lastModified.After(since)
}

// lookedUp answers a look-up that failed: 404, audited, for a record the
// client may not see or that does not exist, 500 for anything else.
func (h *Handler) lookedUp(c *gin.Context, resourceType, id string, err error) bool {
	if errors.Is(err, models.ErrNotFound) {
		h.notFoundForClient(c, resourceType, id)
		return false
	}
	if err != nil {
		apiServerError(c, err)
		return false
	}
	return true
}

// onlyCurrent is a finder's one version.
func onlyCurrent(resource fhirmap.Versioned, patientID *uint) found {
	return found{versions: []fhirmap.Versioned{resource}, patientID: patientID}
}

func (h *Handler) findPatient(c *gin.Context, id string) (found, bool) {
	patient, err := h.store.PatientFor(c.Request.Context(), principalOf(c), id)
	if !h.lookedUp(c, "Patient", id, err) {
		return found{}, false
	}
	return onlyCurrent(fhirmap.FromPatient(*patient), &patient.ID), true
}

func (h *Handler) findCondition(c *gin.Context, id string) (found, bool) {
	planID, ok := parseID(id)
	if !ok {
		h.notFoundForClient(c, "Condition", id)
		return found{}, false
	}
	diagnosis, err := h.store.DiagnosisFor(c.Request.Context(), principalOf(c), planID)
	if !h.lookedUp(c, "Condition", id, err) {
		return found{}, false
	}
	return onlyCurrent(fhirmap.FromDiagnosis(*diagnosis), &diagnosis.PatientID), true
}

func (h *Handler) findObservation(c *gin.Context, id string) (found, bool) {
	readingID, ok := parseID(id)
	if !ok {
		h.notFoundForClient(c, "Observation", id)
		return found{}, false
	}
	reading, err := h.store.ReadingFor(c.Request.Context(), principalOf(c), readingID)
	if !h.lookedUp(c, "Observation", id, err) {
		return found{}, false
	}
	return onlyCurrent(fhirmap.FromReading(*reading), &reading.PatientID), true
}
