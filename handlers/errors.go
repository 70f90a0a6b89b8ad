package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

func (h *Handler) notFound(c *gin.Context) {
	render(c, http.StatusNotFound, views.ErrorPage(h.page(c, "Page not found", nil), "Page not found",
		[]string{"If you typed the web address, check it is correct.", "If you pasted the web address, check you copied the entire address."}))
}

// lookupFailed answers a failed lookup of a record named in the request:
// 404 if there is no such record, 500 for anything else. It reports whether
// there was an error to answer.
func (h *Handler) lookupFailed(c *gin.Context, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, models.ErrNotFound):
		h.notFound(c)
		c.Abort()
	default:
		h.serverError(c, err)
	}
	return true
}

// forbidden refuses a page, writing the refusal to the audit log. A
// refusal that cannot be logged is not answered as a plain refusal: it
// gets the error page, so that it does not pass unseen.
func (h *Handler) forbidden(c *gin.Context, entry models.AuditEntry) {
	entry.Action = models.AuditAccessRefused
	if entry.Detail == "" {
		entry.Detail = c.Request.Method + " " + c.Request.URL.Path
	}
	if !h.auditAccess(c, entry) {
		return
	}
	render(c, http.StatusForbidden, views.ErrorPage(h.page(c, "You cannot see this page", nil), "You cannot see this page",
		[]string{"Your account does not give you access to this page.", "If you think you should be able to see it, contact your clinic."}))
	c.Abort()
}

var serviceProblem = []string{"Try again later.", "If you need help with your health now, call 111. In an emergency, call 999."}

// SessionError answers when the session store fails, before any page
// handler runs.
func SessionError(w http.ResponseWriter, r *http.Request, err error) {
	slog.Error("session store", "error", err, "request_id", r.Header.Get("X-Request-Id"))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	title := "Sorry, there is a problem with the service"
	views.ErrorPage(views.Page{Title: title, Path: r.URL.Path}, title, serviceProblem).Render(r.Context(), w)
}

// serverError logs what went wrong and tells the person without detail.
// A change refused because the patient's practice is closed reaches here
// from whichever page tried it, and is answered as what it is.
func (h *Handler) serverError(c *gin.Context, err error) {
	if errors.Is(err, models.ErrPracticeClosed) {
		h.practiceClosed(c)
		return
	}
	slog.Error("request failed", "error", err, "path", c.Request.URL.Path, "request_id", c.GetHeader("X-Request-Id"))
	render(c, http.StatusInternalServerError, views.ErrorPage(h.page(c, "Sorry, there is a problem with the service", nil),
		"Sorry, there is a problem with the service", serviceProblem))
	c.Abort()
}

// practiceClosed answers a change to the record of a patient whose
// practice is closed: the record is kept to read, and nothing changes.
func (h *Handler) practiceClosed(c *gin.Context) {
	title := "This practice is closed"
	render(c, http.StatusConflict, views.ErrorPage(h.page(c, title, nil), title,
		[]string{"Records of a closed practice can be read but not changed, so nothing was saved.",
			"An administrator can move the patient to an open practice. Then their record can be changed again."}))
	c.Abort()
}

// busy answers when the service cannot check a password for now, because
// as many are being checked as its memory allows.
func (h *Handler) busy(c *gin.Context) {
	c.Header("Retry-After", "5")
	title := "Sorry, the service is busy"
	render(c, http.StatusServiceUnavailable, views.ErrorPage(h.page(c, title, nil), title,
		[]string{"A lot of people are signing in at the moment. Wait a few seconds and try again.",
			"If you need help with your health now, call 111. In an emergency, call 999."}))
	c.Abort()
}

// Recover turns a panic into the NHS error page.
func (h *Handler) Recover(c *gin.Context, recovered any) {
	h.serverError(c, fmt.Errorf("panic: %v", recovered))
}
