package handlers

import (
	"errors"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// A requestValue is what middleware works out once for a request and hands
// on to its handlers: who is asking, or the record a route group loaded.
// Its key carries the value's type, so that what is kept and what is read
// cannot disagree.
type requestValue[T any] struct{ key string }

// Values kept for a request, each by the middleware named beside it.
var (
	thePrincipal    = requestValue[*models.Principal]{"principal"}              // loadUser, or authenticateClient for the API
	theUser         = requestValue[*models.User]{"user"}                        // loadUser
	theVisitor      = requestValue[string]{"visitor"}                           // visitorToken
	thePatient      = requestValue[*models.Patient]{"patient"}                  // loadPatient
	theVoice        = requestValue[views.Voice]{"voice"}                        // speakToReader
	theStaffMember  = requestValue[*models.StaffMember]{"staff-member"}         // loadStaffMember
	theClient       = requestValue[*models.RegisteredClient]{"api-client"}      // loadClient
	theOrganisation = requestValue[*models.OrganisationSummary]{"organisation"} // loadOrganisation
	theTemplate     = requestValue[*models.ConditionTemplate]{"template"}       // loadTemplate
	theWebhook      = requestValue[*models.WebhookEndpoint]{"webhook"}          // loadWebhook
)

func (v requestValue[T]) keep(c *gin.Context, value T) { c.Set(v.key, value) }

// of is the value kept for this request; ok is false when none was.
func (v requestValue[T]) of(c *gin.Context) (value T, ok bool) {
	kept, found := c.Get(v.key)
	if !found {
		return value, false
	}
	return kept.(T), true
}

// loaded is the value a route group's middleware kept before any handler
// ran. A handler reading a value its route does not load is a mistake in
// the route table, which the route walk finds.
func (v requestValue[T]) loaded(c *gin.Context) T {
	value, ok := v.of(c)
	if !ok {
		panic("no " + v.key + " is loaded for " + c.FullPath())
	}
	return value
}

// handOn keeps the record a route group's middleware found and goes on to
// the handler, or refuses, with an audit entry, when the principal may not
// see it.
func handOn[T any](h *Handler, c *gin.Context, value requestValue[T], record T, err error, refused models.AuditEntry) {
	switch {
	case errors.Is(err, models.ErrNotFound):
		h.forbidden(c, refused)
	case err != nil:
		h.serverError(c, err)
	default:
		value.keep(c, record)
		c.Next()
	}
}
