package handlers

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

// formValue reads a posted field, trims it and keeps it on the form so a
// form shown again shows what was typed.
func formValue(c *gin.Context, form *views.Form, field string) string {
	value := strings.TrimSpace(c.PostForm(field))
	form.Values[field] = value
	return value
}

// requireText checks a required text field's presence and length.
func requireText(form *views.Form, field, value, missing, label string, max int) {
	switch {
	case value == "":
		form.Add(field, missing)
	case utf8.RuneCountInString(value) > max:
		form.Add(field, label+" must be "+strconv.Itoa(max)+" characters or fewer")
	case strings.ContainsAny(value, "<>"):
		form.Add(field, label+" must not include < or >")
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
