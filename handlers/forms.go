package handlers

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"healthpassport/models"
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

// parseID reads every record id, version number and paging key that comes
// in an address, a query or a form, as the database holds it: a positive
// whole number that fits the columns, which are all bigint (63 bits), in
// ASCII digits with no sign, spaces or leading zeros, so each record has
// one spelling. Anything else is no id: it gives 0 and false, and never
// reaches a query.
func parseID(s string) (uint, bool) {
	if s == "" || len(s) > len("9223372036854775807") || s[0] == '0' ||
		strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		return 0, false
	}
	id, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		return 0, false
	}
	return uint(id), true
}

// parseNumber is parseID for a version number, which is an int.
func parseNumber(s string) (int, bool) {
	n, ok := parseID(s)
	return int(n), ok
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

// dateValue reads a day, month and year input (name-day, name-month,
// name-year), the NHS date input pattern.
func dateValue(c *gin.Context, form *views.Form, name string) models.DateInput {
	return models.DateInput{Day: formValue(c, form, name+"-day"), Month: formValue(c, form, name+"-month"),
		Year: formValue(c, form, name+"-year")}
}

// addErrors puts a rule's problems on the form, after any the form's own
// reading found.
func addErrors(form *views.Form, errs models.FieldErrors) {
	for _, e := range errs {
		form.Add(e.Field, e.Message)
	}
}
