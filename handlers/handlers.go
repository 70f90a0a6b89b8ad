// Package handlers answers Health Passport's web requests: one file per
// area, plain functions over the store, every page rendered with views.
package handlers

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"healthpassport/handlers/nhslogin"
	"healthpassport/models"
	"healthpassport/models/store"
	"healthpassport/views"

	"github.com/a-h/templ"
	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"
)

// Session limits. Patients and carers often use shared kiosks, so they are
// signed out sooner than staff on clinic computers.
const (
	ReaderIdleTimeout = 15 * time.Minute
	StaffIdleTimeout  = 30 * time.Minute
	SessionLifetime   = 12 * time.Hour
)

// Handler holds what every request needs.
type Handler struct {
	store         *store.Store
	sessions      *scs.SessionManager
	signer        signer
	publicAddress string
	nhsLogin      *nhslogin.Client // nil unless NHS login is offered
}

// New makes the handlers. signingKey signs what the service keeps in
// browsers' cookies; publicAddress is where people reach the service, as
// printed on activation letters.
func New(st *store.Store, sessions *scs.SessionManager, signingKey []byte, publicAddress string) *Handler {
	return &Handler{store: st, sessions: sessions, signer: signer{key: signingKey}, publicAddress: publicAddress}
}

// PublicRoutes are the only pages anyone may use without signing in: signing
// in and out, setting up an account, help, and opening a share with its
// code. Every other route needs a signed-in person (see denyByDefault), and
// its group says which roles.
var PublicRoutes = map[string]bool{
	"GET /": true, "GET /help": true, "GET /accessibility": true,
	"GET /sign-in": true, "POST /sign-in": true,
	"GET /sign-in/code": true, "POST /sign-in/code": true,
	"GET /sign-in/code/enter": true, "POST /sign-in/code/enter": true,
	"POST /sign-in/nhs-login": true, "GET " + NHSLoginCallbackPath: true,
	"POST /sign-out": true, "GET /signed-out": true,
	"GET /activate": true, "POST /activate": true,
	"GET /activate/account": true, "POST /activate/account": true,
	"GET /activate/staff": true, "POST /activate/staff": true,
	"GET /activate/staff/account": true, "POST /activate/staff/account": true,
	"GET /shared": true, "POST /shared": true, "GET /shared/view": true, "POST /shared/leave": true,
}

// denyByDefault sends anyone not signed in to sign in, unless the route is
// one of the public ones: a route added without thinking of access is
// closed, not open. An address that is no route goes on to "page not found".
func (h *Handler) denyByDefault(c *gin.Context) {
	if c.FullPath() == "" || PublicRoutes[c.Request.Method+" "+c.FullPath()] || currentUser(c) != nil {
		c.Next()
		return
	}
	redirect(c, "/sign-in")
	c.Abort()
}

// Routes registers every page. Each group states who may use it.
func (h *Handler) Routes(r *gin.Engine) {
	r.Use(noStore, h.loadUser, h.denyByDefault, h.checkCSRF, h.submitOnce)
	r.NoRoute(h.notFound)

	r.GET("/", h.start)
	r.GET("/sign-in", h.signInForm)
	r.POST("/sign-in", h.signIn)
	r.GET("/sign-in/code", h.signInCodeForm)
	r.POST("/sign-in/code", h.askForSignInCode)
	r.GET("/sign-in/code/enter", h.enterSignInCodeForm)
	r.POST("/sign-in/code/enter", h.signInWithCode)
	h.nhsLoginRoutes(r)
	r.POST("/sign-out", h.signOut)
	r.GET("/signed-out", h.signedOut)
	r.GET("/session/warning", h.idleWarning)
	r.POST("/session/extend", h.extendSession)
	r.GET("/activate", h.activateForm)
	r.POST("/activate", h.activate)
	r.GET("/activate/account", h.chooseAccountForm)
	r.POST("/activate/account", h.chooseAccount)
	r.GET("/activate/staff", h.staffActivateForm)
	r.POST("/activate/staff", h.staffActivate)
	r.GET("/activate/staff/account", h.chooseStaffAccountForm)
	r.POST("/activate/staff/account", h.chooseStaffAccount)
	r.GET("/help", h.help)
	r.GET("/accessibility", h.accessibility)
	r.GET("/account", h.account)
	r.GET("/account/password", h.passwordForm)
	r.POST("/account/password", h.changePassword)
	r.GET("/account/password/new", h.newPasswordForm)
	r.POST("/account/password/new", h.setNewPassword)
	r.GET("/account/devices", h.devices)
	r.POST("/account/devices/others/sign-out", h.signOutDevice)
	r.POST("/account/devices/:id/sign-out", h.signOutDevice)
	readersOnly := h.requireRole(models.RolePatient, models.RoleCarer)
	r.GET("/account/messages", readersOnly, h.messagePreferences)
	r.POST("/account/messages", readersOnly, h.saveMessagePreferences)
	r.GET("/account/messages/code", readersOnly, h.securityCodeForm)
	r.POST("/account/messages/code", readersOnly, h.checkSecurityCode)
	r.POST("/account/messages/code/new", readersOnly, h.sendNewSecurityCode)
	r.GET("/feedback", h.requireRole(models.RolePatient, models.RoleCarer), h.feedbackForm)
	r.POST("/feedback", h.requireRole(models.RolePatient, models.RoleCarer), h.giveFeedback)
	r.GET("/shared", h.sharedForm)
	r.POST("/shared", h.openShared)
	r.GET("/shared/view", h.sharedView)
	r.POST("/shared/leave", h.leaveShared)

	// A passport's pages load its patient for the reader once; acting on
	// it takes a patient or a carer with "view and act" permission.
	readers := r.Group("/passport/:ref", h.requireRole(models.RolePatient, models.RoleCarer), h.loadPatient, h.speakToReader)
	readers.GET("", h.passport)
	readers.GET("/readings", h.readings)
	readers.GET("/readings/:reading", h.readingResult)
	readers.GET("/emergency", h.emergency)
	readers.GET("/emergency/print", h.emergencyPrint)
	readers.GET("/print", h.passportPrint)
	readers.GET("/shares", h.shares)
	readers.GET("/prescriptions", h.prescriptions)
	actors := readers.Group("", h.requireAct)
	actors.GET("/seen", h.passportSeen)
	actors.GET("/readings/peak-flow", h.peakFlowForm)
	actors.POST("/readings/peak-flow", h.recordPeakFlow)
	actors.GET("/readings/symptoms", h.symptomsForm)
	actors.POST("/readings/symptoms", h.recordSymptoms)
	actors.POST("/shares", h.createShare)
	actors.GET("/shares/:share", h.shareCode)
	actors.GET("/shares/:share/revoke", h.confirmRevokeShare)
	actors.POST("/shares/:share/revoke", h.revokeShare)
	actors.POST("/prescriptions", h.requestPrescription)
	actors.GET("/data", h.passportData)
	actors.GET("/data/download", h.downloadPassportData)
	r.GET("/passport", h.requireRole(models.RolePatient), h.ownPassport)
	r.GET("/emergency", h.requireRole(models.RolePatient), h.ownEmergency)
	r.GET("/people", h.requireRole(models.RoleCarer), h.people)

	nurses := r.Group("/", h.requireRole(models.RoleNurse))
	nurses.GET("/caseload", h.caseload)
	nurses.GET("/patients/new", h.registerForm)
	nurses.POST("/patients/new", h.register)
	// A patient's record loads the patient among the nurse's practices once.
	record := nurses.Group("/patients/:ref", h.loadPatient)
	record.GET("", h.patientRecord)
	record.GET("/activation-letter", h.activationLetter)
	record.POST("/activation-code", h.newActivationCode)
	record.POST("/unlock", h.unlockPatient)
	record.GET("/details", h.editDetails)
	record.POST("/details", h.saveDetails)
	record.GET("/reviews/new", h.reviewForm)
	record.POST("/reviews", h.recordReview)
	record.GET("/carers/new", h.carerForm)
	record.POST("/carers", h.linkCarer)
	record.GET("/carers/:link/letter", h.carerLetter)
	record.POST("/carers/:link/activation-code", h.newCarerCode)
	record.GET("/carers/:link/revoke", h.confirmRevokeCarer)
	record.POST("/carers/:link/revoke", h.revokeCarer)
	record.GET("/plans/new", h.newPlan)
	record.POST("/plans", h.createPlan)
	record.GET("/plans/:plan", h.planHistory)
	record.GET("/plans/:plan/edit", h.editPlan)
	record.POST("/plans/:plan", h.savePlan)
	record.GET("/plans/:plan/compare", h.comparePlan)
	nurses.GET("/queues/prescriptions", h.prescriptionQueue)
	nurses.POST("/queues/prescriptions/:id", h.decidePrescription)
	nurses.GET("/queues/alerts", h.alertQueue)
	nurses.POST("/queues/alerts/:id", h.acknowledgeAlert)
	nurses.GET("/letters", h.letters)
	nurses.GET("/letters/print", h.printLetters)
	nurses.GET("/letters/:id", h.letter)
	nurses.POST("/letters/:id/printed", h.markLetterPrinted)

	r.GET("/admin", h.requireRole(models.RoleAdmin), h.admin)
	r.GET("/messages", h.requireRole(models.RoleAdmin), h.messages)
	auditors := r.Group("/audit", h.requireRole(models.RoleAdmin))
	auditors.GET("", h.auditLog)
	auditors.GET("/export", h.exportAuditLog)
	auditors.POST("/check", h.checkAuditLog)
	// A member of staff's pages load them among the administrator's
	// organisations once.
	administrators := r.Group("/staff", h.requireRole(models.RoleAdmin))
	administrators.GET("", h.staff)
	administrators.GET("/new", h.inviteStaffForm)
	administrators.POST("/new", h.inviteStaff)
	member := administrators.Group("/:id", h.loadStaffMember)
	member.GET("", h.staffMember)
	member.POST("/access", h.changeStaffAccess)
	member.GET("/disable", h.confirmDisableStaff)
	member.POST("/disable", h.disableStaff)
	member.GET("/activation-letter", h.staffLetter)
	member.POST("/activation-code", h.newStaffCode)
	member.POST("/devices/:device/sign-out", h.signOutStaffDevice)
	member.POST("/devices/sign-out", h.signOutStaffEverywhere)
	member.POST("/unlock", h.unlockStaff)
	// An organisation's pages load it among the administrator's once.
	organisations := r.Group("/organisations", h.requireRole(models.RoleAdmin))
	organisations.GET("", h.organisations)
	organisations.GET("/new", h.newOrganisationForm)
	organisations.POST("/new", h.createOrganisation)
	organisation := organisations.Group("/:id", h.loadOrganisation)
	organisation.GET("", h.organisation)
	organisation.POST("/name", h.renameOrganisation)
	organisation.POST("/contact", h.setClinicContact)
	organisation.GET("/close", h.confirmCloseOrganisation)
	organisation.POST("/close", h.closeOrganisation)
	organisation.POST("/move", h.movePatients)

	// Condition templates are governed by the clinical safety officer,
	// who alone approves and retires a version; administrators make local
	// variants. Both may read every version.
	r.GET(views.HazardLogPath, h.requireRole(models.RoleAdmin, models.RoleSafetyOfficer), h.hazardLog)
	governance := r.Group("/templates", h.requireRole(models.RoleAdmin, models.RoleSafetyOfficer))
	governance.GET("", h.templates)
	governance.GET("/compare", h.compareTemplates)
	version := governance.Group("/:template", h.loadTemplate)
	version.GET("", h.templateVersion)
	version.GET("/preview", h.previewTemplate)
	version.GET("/variant", h.requireRole(models.RoleAdmin), h.variantForm)
	version.POST("/variant", h.requireRole(models.RoleAdmin), h.makeVariant)
	version.POST("/approve", h.requireRole(models.RoleSafetyOfficer), h.approveTemplate)
	version.GET("/retire", h.requireRole(models.RoleSafetyOfficer), h.confirmRetireTemplate)
	version.POST("/retire", h.requireRole(models.RoleSafetyOfficer), h.retireTemplate)
	commissioners := r.Group("/", h.requireRole(models.RoleCommissioner))
	commissioners.GET("/dashboard", h.outcomes(commissionerOutcomes))
	commissioners.GET("/dashboard.csv", h.outcomesCSV(commissionerOutcomes))
	commissioners.GET("/dashboard/report", h.outcomesReport(commissionerOutcomes))
	practiceStaff := r.Group("/", h.requireRole(models.RoleNurse, models.RoleAdmin))
	practiceStaff.GET("/outcomes", h.outcomes(practiceOutcomes))
	practiceStaff.GET("/outcomes.csv", h.outcomesCSV(practiceOutcomes))
	practiceStaff.GET("/outcomes/report", h.outcomesReport(practiceOutcomes))
	// Systems connected to the FHIR API, loaded among the administrator's
	// organisations once.
	clients := r.Group("/clients", h.requireRole(models.RoleAdmin))
	clients.GET("", h.clients)
	clients.GET("/new", h.registerClientForm)
	clients.POST("/new", h.registerClient)
	client := clients.Group("/:id", h.loadClient)
	client.GET("", h.client)
	client.GET("/revoke", h.confirmRevokeClient)
	client.POST("/revoke", h.revokeClient)
	client.GET("/keys", h.changeKeysForm)
	client.POST("/keys", h.changeKeys)
	// Webhook endpoints, beside the connected systems; an endpoint's pages
	// load it among the administrator's practices once.
	webhooks := r.Group(webhooksPath, h.requireRole(models.RoleAdmin))
	webhooks.GET("", h.webhooks)
	webhooks.GET("/new", h.newWebhookForm)
	webhooks.POST("/new", h.registerWebhook)
	endpoint := webhooks.Group("/:id", h.loadWebhook)
	endpoint.GET("", h.webhook)
	endpoint.POST("/secret", h.rotateWebhookSecret)
	endpoint.POST("/enable", h.enableWebhook)
	endpoint.POST("/pause", h.pauseWebhook)
	endpoint.POST("/resume", h.resumeWebhook)
	endpoint.GET("/delete", h.confirmDeleteWebhook)
	endpoint.POST("/delete", h.deleteWebhook)
	endpoint.POST("/deliveries/:delivery/replay", h.replayWebhook)
}

// homePath is where each role lands after signing in.
func homePath(role models.Role) string {
	switch role {
	case models.RolePatient:
		return "/passport"
	case models.RoleCarer:
		return "/people"
	case models.RoleNurse:
		return "/caseload"
	case models.RoleAdmin:
		return "/admin"
	case models.RoleCommissioner:
		return "/dashboard"
	case models.RoleSafetyOfficer:
		return "/templates"
	}
	return "/"
}

// page is the layout's view of the current request.
func (h *Handler) page(c *gin.Context, title string, form *views.Form) views.Page {
	page := views.Page{Title: title, User: currentUser(c), CSRF: h.csrfToken(c), Path: c.Request.URL.Path, Form: form, Voice: voiceOf(c),
		OffersNHSLogin: h.nhsLogin != nil}
	if page.User != nil {
		page.IdleTimeout = idleTimeout(page.User.Role)
		page.Flash = h.sessions.PopString(c.Request.Context(), sessionFlash)
	}
	if principal := principalOf(c); principal != nil && principal.User.Role == models.RoleNurse {
		var err error
		page.Prescriptions, page.Alerts, err = h.store.QueueCounts(c.Request.Context(), principal)
		if err != nil {
			slog.Error("counting queues", "error", err, "request_id", c.GetHeader("X-Request-Id"))
		}
	}
	return page
}

// render sends a page whole, with its length: rendered straight to the
// connection, a page longer than net/http's buffer went out in chunks, over
// several system calls.
func render(c *gin.Context, status int, component templ.Component) {
	page := pageBuffers.Get().(*bytes.Buffer)
	defer releasePageBuffer(page)
	if err := component.Render(c.Request.Context(), page); err != nil {
		slog.Error("rendering page", "error", err, "request_id", c.GetHeader("X-Request-Id"))
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Content-Length", strconv.Itoa(page.Len()))
	c.Status(status)
	c.Writer.Write(page.Bytes())
}

// pageBuffers spares each page the allocations of growing a buffer.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledPage is the largest buffer kept for the next page: the rare
// huge page, such as a long audit log, should not hold its memory for ever.
const maxPooledPage = 1 << 20

func releasePageBuffer(page *bytes.Buffer) {
	if page.Cap() > maxPooledPage {
		return
	}
	page.Reset()
	pageBuffers.Put(page)
}

// sessionFlash holds the message of the last save until a page shows it.
const sessionFlash = "flash"

// flash keeps a message about what a save did, for the next page the
// signed-in person sees to show once.
func (h *Handler) flash(c *gin.Context, message string) {
	if currentUser(c) != nil {
		h.sessions.Put(c.Request.Context(), sessionFlash, message)
	}
}

// redirect answers a form post with a GET of the next page.
func redirect(c *gin.Context, path string) {
	c.Redirect(http.StatusSeeOther, path)
}

// actor is the person making the request, as the audit log records them.
func actor(c *gin.Context) models.Actor {
	a := models.Actor{IPAddress: c.ClientIP(), RequestID: c.GetHeader("X-Request-Id")}
	if user := currentUser(c); user != nil {
		a.UserID, a.Role = user.ID, user.Role
	}
	return a
}

// audit writes an entry about what people do with their own account and
// records. If it cannot be written, the log says so and the page goes on.
func (h *Handler) audit(c *gin.Context, entry models.AuditEntry) {
	if err := h.store.Audit(c.Request.Context(), actor(c), entry); err != nil {
		slog.Error("writing audit log", "error", err, "action", entry.Action, "request_id", c.GetHeader("X-Request-Id"))
	}
}

// auditAccess writes an entry that must exist before the page is
// answered: a refusal, or someone reading a record that is not their own.
// If it cannot be written, the person gets the error page instead of the
// record, and it reports false.
func (h *Handler) auditAccess(c *gin.Context, entry models.AuditEntry) bool {
	if err := h.store.Audit(c.Request.Context(), actor(c), entry); err != nil {
		h.serverError(c, fmt.Errorf("writing audit log for %s: %w", entry.Action, err))
		return false
	}
	return true
}

func (h *Handler) start(c *gin.Context) {
	if user := currentUser(c); user != nil {
		c.Redirect(http.StatusFound, homePath(user.Role))
		return
	}
	render(c, http.StatusOK, views.StartPage(h.page(c, "Health Passport", nil)))
}
