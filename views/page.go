// Package views renders Health Passport's pages with the NHS design system.
// One component per thing a person sees; pages compose them.
package views

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"healthpassport/models"
)

// Page is what the layout needs to know about every page.
type Page struct {
	Title string
	User  *models.User
	CSRF  string
	Path  string
	Form  *Form

	// Voice is how a reader page speaks of the person whose passport it is.
	Voice Voice

	// Flash says what the person's last save did, shown once.
	Flash string

	// KeptMessage is, in the demo without a Notify key only, the message
	// that would have been sent to the person, shown in a marked panel.
	KeptMessage *models.Notification

	// What waits in a nurse's queues, shown in the navigation.
	Prescriptions int64
	Alerts        int64

	// Refresh, when set, reloads the page when JavaScript is off, as a meta
	// refresh would say it: "30; url=/somewhere". With JavaScript on, pages
	// never reload by themselves.
	Refresh string

	// IdleTimeout is how long the signed-in person may be idle before
	// they are signed out; the page warns them a minute before.
	IdleTimeout time.Duration

	// OffersNHSLogin says people can sign in with NHS login.
	OffersNHSLogin bool
}

// IdleWarningAfter is when, in seconds after the page loads, to warn that
// the session is about to end.
func (p Page) IdleWarningAfter() string {
	return strconv.Itoa(int((p.IdleTimeout - IdleWarning).Seconds()))
}

// IdleWarning is how long before the end of an idle session the warning
// comes.
const IdleWarning = time.Minute

// WarningURL is the page that warns, without JavaScript, that the session
// is about to end, and comes back here if the person stays.
func (p Page) WarningURL() string {
	return "/session/warning?return=" + url.QueryEscape(p.Path)
}

// FullTitle follows the NHS pattern: page, service, NHS; with "Error: "
// first when the page shows a form with errors. The start page is the
// service itself, so it is not named twice.
func (p Page) FullTitle() string {
	title := p.Title + " - " + serviceName + " - NHS"
	if p.Title == serviceName {
		title = serviceName + " - NHS"
	}
	if p.Form != nil && p.Form.HasErrors() {
		title = "Error: " + title
	}
	return title
}

// NavItem is one link of the header navigation.
type NavItem struct {
	Label string
	Href  string
}

const serviceName = "Health Passport"

// Navigation lists where each role goes most.
// HazardLogPath is where administrators and clinical safety officers read
// the hazard log.
const HazardLogPath = "/admin/hazard-log"

func (p Page) Navigation() []NavItem {
	if p.User == nil {
		return nil
	}
	switch p.User.Role {
	case models.RoleNurse:
		return []NavItem{{"Caseload", "/caseload"}, {"Register a patient", "/patients/new"},
			{fmt.Sprintf("Prescriptions (%d)", p.Prescriptions), "/queues/prescriptions"},
			{fmt.Sprintf("Red-zone alerts (%d)", p.Alerts), "/queues/alerts"}, {"Letters to print", "/letters"}}
	case models.RolePatient:
		return []NavItem{{"My passport", "/passport"}, {"Emergency steps", "/emergency"}}
	case models.RoleCarer:
		return []NavItem{{"People you care for", "/people"}}
	case models.RoleAdmin:
		return []NavItem{{"Overview", "/admin"}, {"Organisations", "/organisations"}, {"Staff", "/staff"}, {"Templates", "/templates"}, {"Connected systems", "/clients"}, {"Webhooks", "/admin/webhooks"}, {"Audit log", "/audit"}, {"Messages", "/messages"}, {"Outcomes", "/outcomes"}}
	case models.RoleSafetyOfficer:
		return []NavItem{{"Condition templates", "/templates"}, {"Hazard log", HazardLogPath}}
	case models.RoleCommissioner:
		return []NavItem{{"Dashboard", "/dashboard"}}
	}
	return nil
}

// Current reports whether a navigation link is for the page shown: the
// link with the longest address that leads to it, so that a page under
// /admin/webhooks is the Webhooks link's and not the Overview's.
func (p Page) Current(item NavItem) bool {
	if !leadsTo(item.Href, p.Path) {
		return false
	}
	for _, other := range p.Navigation() {
		if len(other.Href) > len(item.Href) && leadsTo(other.Href, p.Path) {
			return false
		}
	}
	return true
}

func leadsTo(href, path string) bool { return path == href || strings.HasPrefix(path, href+"/") }

// Form holds what someone typed and what was wrong with it, so a form shown
// again keeps their input.
type Form struct {
	Values map[string]string
	Errors []FieldError
}

// FieldError is one problem, tied to the id of the field it is about.
type FieldError struct {
	Field   string
	Message string
}

func NewForm() *Form { return &Form{Values: map[string]string{}} }

func (f *Form) Value(field string) string {
	if f == nil {
		return ""
	}
	return f.Values[field]
}

// Add records a problem with a field; the first problem per field wins.
func (f *Form) Add(field, message string) {
	if f.Error(field) == "" {
		f.Errors = append(f.Errors, FieldError{field, message})
	}
}

func (f *Form) Error(field string) string {
	if f == nil {
		return ""
	}
	for _, e := range f.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// OrderErrors puts the problems in the order of fields, the order the
// fields have on the page, so the error summary reads down the page as
// the person does. Problems with fields not in the list keep their order
// and come last.
func (f *Form) OrderErrors(fields []string) {
	if f == nil {
		return
	}
	position := make(map[string]int, len(fields))
	for i, field := range fields {
		position[field] = i
	}
	rank := func(e FieldError) int {
		if i, ok := position[e.Field]; ok {
			return i
		}
		return len(fields)
	}
	slices.SortStableFunc(f.Errors, func(a, b FieldError) int { return rank(a) - rank(b) })
}

func (f *Form) HasErrors() bool { return f != nil && len(f.Errors) > 0 }

// FormatDate writes the day in the UK as the NHS style guide asks:
// 3 March 2026.
func FormatDate(t time.Time) string { return t.In(models.UK).Format("2 January 2006") }

// FormatDateTime writes a moment in UK time, summer time included, as the
// NHS style guide asks: 3 March 2026 at 9am, 3 March 2026 at 2:30pm.
func FormatDateTime(t time.Time) string {
	uk := t.In(models.UK)
	return uk.Format("2 January 2006") + " at " + clock(uk)
}

// FormatShortDateTime is FormatDateTime with the month in three letters, as
// the NHS style allows in tables, where a long month name can push a column
// past a small phone's screen.
func FormatShortDateTime(t time.Time) string {
	uk := t.In(models.UK)
	return uk.Format("2 Jan 2006") + " at " + clock(uk)
}

// clock is the time of day as the NHS writes it: 9am, 3:04pm.
func clock(uk time.Time) string {
	if uk.Minute() == 0 {
		return uk.Format("3pm")
	}
	return uk.Format("3:04pm")
}

// FormatDatePtr writes an optional date, or "Not set".
func FormatDatePtr(t *time.Time) string {
	if t == nil {
		return "Not set"
	}
	return FormatDate(*t)
}

// inSentence writes a condition's name as it reads inside a sentence, in
// sentence case: "check in about asthma symptoms".
func inSentence(name string) string {
	if name == "" {
		return name
	}
	first, size := utf8.DecodeRuneInString(name)
	return string(unicode.ToLower(first)) + name[size:]
}

func splitLines(text string) []string {
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

func nowUTC() time.Time { return time.Now().UTC() }
