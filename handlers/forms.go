package handlers

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

const (
	msgUnreadable         = "This answer had hidden characters that cannot be used. We have taken them out: check it and try again"
	msgUnreadablePassword = "Your password must not include hidden characters. Type it again"
)

// formValue reads a posted field, trims it and keeps it on the form so a
// form shown again shows what was typed. Every posted field is read through
// it or passwordValue, so that bytes no person types never reach the
// database: the field is refused and shown again without them.
func formValue(c *gin.Context, form *views.Form, field string) string {
	value, readable := cleanText(c.PostForm(field))
	value = strings.TrimSpace(value)
	form.Values[field] = value
	if !readable {
		form.Add(field, msgUnreadable)
	}
	return value
}

// passwordValue reads a password exactly as typed, and never keeps it on
// the form. A password with characters no person types is refused, and
// read as empty.
func passwordValue(c *gin.Context, form *views.Form, field string) string {
	password := c.PostForm(field)
	if _, readable := cleanText(password); !readable {
		form.Add(field, msgUnreadablePassword)
		return ""
	}
	return password
}

// cleanText takes out of typed text what no keyboard types and what
// PostgreSQL refuses: invalid UTF-8 and control characters other than tab
// and line breaks. Windows line breaks become plain newlines. It reports
// whether anything had to be taken out.
func cleanText(raw string) (string, bool) {
	text := strings.ReplaceAll(raw, "\r\n", "\n")
	var clean strings.Builder
	readable := true
	for len(text) > 0 {
		r, size := utf8.DecodeRuneInString(text)
		text = text[size:]
		if (r == utf8.RuneError && size == 1) || (unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t') {
			readable = false
			continue
		}
		clean.WriteRune(r)
	}
	return clean.String(), readable
}

// parseID reads a record id as the database holds it: a positive whole
// number that fits in 63 bits.
func parseID(s string) (uint, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return uint(id), err == nil && id > 0
}

// idParam reads the id of a record named in the URL. An id that cannot be
// one names no page, so it answers 404.
func (h *Handler) idParam(c *gin.Context, name string) (uint, bool) {
	id, ok := parseID(c.Param(name))
	if !ok {
		h.notFound(c)
		c.Abort()
	}
	return id, ok
}

// requireText checks a required text field's presence and length. Any
// printable character is allowed: notes say "<150" and "peak flow >80%",
// and pages escape what they show.
func requireText(form *views.Form, field, value, missing, label string, max int) {
	switch {
	case value == "":
		form.Add(field, missing)
	case utf8.RuneCountInString(value) > max:
		form.Add(field, label+" must be "+strconv.Itoa(max)+" characters or fewer")
	}
}

// dateField reads a day, month and year input (name-day, name-month,
// name-year) as the NHS date input pattern asks. label is how messages name
// the date, such as "Date of birth".
func dateField(c *gin.Context, form *views.Form, name, label string, mustBePast bool) (time.Time, bool) {
	parts := map[string]string{}
	for _, part := range []string{"day", "month", "year"} {
		parts[part] = formValue(c, form, name+"-"+part)
	}
	if parts["day"] == "" && parts["month"] == "" && parts["year"] == "" {
		form.Add(name+"-day", "Enter "+strings.ToLower(label[:1])+label[1:])
		return time.Time{}, false
	}
	for _, part := range []string{"day", "month", "year"} {
		if parts[part] == "" {
			form.Add(name+"-"+part, label+" must include a "+part)
			return time.Time{}, false
		}
	}
	day, errDay := strconv.Atoi(parts["day"])
	month, errMonth := strconv.Atoi(parts["month"])
	year, errYear := strconv.Atoi(parts["year"])
	if errDay != nil || errMonth != nil || errYear != nil || len(parts["year"]) != 4 {
		form.Add(name+"-day", label+" must be a real date")
		return time.Time{}, false
	}
	date := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if date.Day() != day || int(date.Month()) != month || date.Year() != year {
		form.Add(name+"-day", label+" must be a real date")
		return time.Time{}, false
	}
	if mustBePast && !date.Before(time.Now()) {
		form.Add(name+"-day", label+" must be in the past")
		return time.Time{}, false
	}
	if year < 1900 {
		form.Add(name+"-year", label+" must be after 1900")
		return time.Time{}, false
	}
	return date, true
}
