package handlers

import (
	"net/http"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// principalOf is who is asking, loaded once by loadUser; nil for anonymous
// visitors.
func principalOf(c *gin.Context) *models.Principal {
	principal, _ := thePrincipal.of(c)
	return principal
}

// patientOf is the patient the path names, loaded for the principal by the
// route group's loadPatient before any handler runs.
func patientOf(c *gin.Context) *models.Patient {
	return thePatient.loaded(c)
}

// passportPageNames are the pages under a passport's address, which no
// passport's reference can be: references are 16 characters long.
var passportPageNames = map[string]bool{"readings": true, "emergency": true, "print": true, "shares": true,
	"prescriptions": true, "seen": true, "data": true}

// loadPatient finds the patient named in the path among those the
// principal may see, and refuses, with an audit entry, anyone else's: every
// route with a patient in its path sits behind it.
func (h *Handler) loadPatient(c *gin.Context) {
	ref := c.Param("ref")
	if passportPageNames[ref] {
		// "/passport/readings" is an address typed without its passport,
		// not someone else's record: there is no such page.
		h.notFound(c)
		c.Abort()
		return
	}
	principal := principalOf(c)
	patient, err := h.store.PatientFor(c.Request.Context(), principal, ref)
	targetType := "passport"
	if principal.User.Role.IsStaff() {
		targetType = "patient"
	}
	handOn(h, c, thePatient, patient, err, models.AuditEntry{TargetType: targetType, TargetID: ref})
}

// speakToReader makes the pages of a passport speak to the patient, or to a
// carer about them. What a carer reads is audited before they see it; a
// person's own passport is theirs to read unrecorded.
func (h *Handler) speakToReader(c *gin.Context) {
	principal, patient := principalOf(c), patientOf(c)
	if principal.User.Role == models.RoleCarer {
		theVoice.keep(c, views.CarerVoice(views.NameForCarer(*patient, principal.CaredFor)))
		if c.Request.Method == http.MethodGet && !h.auditAccess(c, models.AuditEntry{Action: models.AuditPassportViewed,
			PatientID: &patient.ID, OnBehalfOf: &patient.ID, TargetType: "passport", TargetID: patient.Ref, Detail: c.Request.URL.Path}) {
			c.Abort()
			return
		}
	}
	c.Next()
}

// requireAct refuses, with an audit entry, readers who may only view the
// passport: carers with "view only" permission.
func (h *Handler) requireAct(c *gin.Context) {
	patient := patientOf(c)
	if !principalOf(c).CanAct(patient.ID) {
		h.forbidden(c, models.AuditEntry{TargetType: "passport", TargetID: patient.Ref})
		return
	}
	c.Next()
}

// canAct reports whether the person reading the passport may also act on it.
func canAct(c *gin.Context) bool { return principalOf(c).CanAct(patientOf(c).ID) }
