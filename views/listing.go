package views

import (
	"net/url"
	"strconv"

	"healthpassport/models"

	"github.com/a-h/templ"
)

// ListNav is what a paged list shows around its rows: its filter, how many
// rows there are, and links to the pages either side.
type ListNav struct {
	Path string // the list's address
	models.Pagination
	// One and Many name a row: "request" and "requests".
	One, Many string
	Filter    ListFilter
}

// ListFilter narrows a list to the rows of one kind. Name is the address's
// field; the first option, with an empty value, is the whole list.
type ListFilter struct {
	Name, Label string
	Options     []FilterOption
	Selected    string
}

// FilterOption is one choice of a list's filter.
type FilterOption struct{ Value, Label string }

// Chosen is the option the address asks for, or the whole list when it asks
// for one the filter does not offer: a filter is chosen from a list, so
// anything else is an old or mistyped link, not a mistake to correct.
func (f ListFilter) Chosen(value string) string {
	for _, option := range f.Options {
		if option.Value == value {
			return value
		}
	}
	return ""
}

// Asked is the list as its address asks for it, read through query: the
// filter's choice and the page. A page that is not a number is the first.
func (n ListNav) Asked(query func(string) string) ListNav {
	n.Filter.Selected = n.Filter.Chosen(query(n.Filter.Name))
	n.Page, _ = strconv.Atoi(query("page"))
	return n
}

// PageURL is the address of another page of the list, with its filter.
func (n ListNav) PageURL(page int) templ.SafeURL {
	return templ.SafeURL(n.Path + n.query(page))
}

// Here is the address of the page shown, to come back to after acting on
// one of its rows.
func (n ListNav) Here() string { return n.Path + n.query(n.Page) }

// ActionURL is the address of a form acting on one row of the page, which
// carries the page's place in the list so that an error shows the same
// page again, and success comes back to it.
func (n ListNav) ActionURL(path string) templ.SafeURL { return templ.SafeURL(path + n.query(n.Page)) }

func (n ListNav) query(page int) string {
	query := url.Values{}
	if n.Filter.Selected != "" {
		query.Set(n.Filter.Name, n.Filter.Selected)
	}
	if page > 1 {
		query.Set("page", strconv.Itoa(page))
	}
	if len(query) == 0 {
		return ""
	}
	return "?" + query.Encode()
}

// Empty reports whether the whole list, unfiltered, has no rows: the page
// then says so in its own words.
func (n ListNav) Empty() bool { return n.Total == 0 && n.Filter.Selected == "" }

// Count says how many rows the list has and, when there is more than one
// page, which of them this page shows.
func (n ListNav) Count() string {
	if n.Total == 0 {
		if n.Filter.Selected == "" {
			return "" // the page says so in its own words
		}
		return "No " + n.Many + " match what you chose to show"
	}
	noun := n.Many
	if n.Total == 1 {
		noun = n.One
	}
	total := formatCount(n.Total)
	if n.Pages <= 1 {
		return total + " " + noun
	}
	first := n.Offset(models.ListPageSize) + 1
	last := min(int64(first+models.ListPageSize-1), n.Total)
	return "Showing " + formatCount(int64(first)) + " to " + formatCount(last) + " of " + total + " " + noun
}

// formatCount writes a count with commas between thousands, as the NHS
// style guide asks: 1,250.
func formatCount(n int64) string {
	digits := strconv.FormatInt(n, 10)
	for i := len(digits) - 3; i > 0 && digits[i-1] != '-'; i -= 3 {
		digits = digits[:i] + "," + digits[i:]
	}
	return digits
}

// The paged lists, each with what its rows are called and its filter.
var (
	PrescriptionQueueList = ListNav{Path: "/queues/prescriptions", One: "request", Many: "requests",
		Filter: ListFilter{Name: "status", Label: "Show", Options: []FilterOption{
			{"", "All requests"},
			{models.RequestRequested, "Waiting for a decision"},
			{models.RequestApproved, "Approved, not ready yet"}}}}
	AlertQueueList = ListNav{Path: "/queues/alerts", One: "alert", Many: "alerts",
		Filter: ListFilter{Name: "reading", Label: "Show", Options: []FilterOption{
			{"", "All alerts"},
			{models.ReadingPeakFlow, "From peak flow readings"},
			{models.ReadingSymptoms, "From symptoms"}}}}
	LetterList = ListNav{Path: "/letters", One: "letter", Many: "letters",
		Filter: ListFilter{Name: "status", Label: "Show", Options: []FilterOption{
			{"", "Waiting, then printed in the last 30 days"},
			{models.MessageToPrint, "Waiting to be printed"},
			{models.MessagePrinted, "Printed in the last 30 days"}}}}
	MessageList = ListNav{Path: "/messages", One: "message", Many: "messages",
		Filter: ListFilter{Name: "channel", Label: "Sent by", Options: []FilterOption{
			{"", "Any way"},
			{models.ChannelSMS, "Text message"},
			{models.ChannelEmail, "Email"},
			{models.ChannelLetter, "Letter"}}}}
	StaffList = ListNav{Path: "/staff", One: "member of staff", Many: "members of staff",
		Filter: ListFilter{Name: "role", Label: "Role", Options: staffRoleOptions()}}
	ClientList = ListNav{Path: "/clients", One: "system", Many: "systems",
		Filter: ListFilter{Name: "state", Label: "Show", Options: []FilterOption{
			{"", "All systems"},
			{models.ClientActive, "Connected"},
			{models.ClientRevoked, "Revoked"}}}}
)

// DeliveryList is the deliveries to one webhook endpoint.
func DeliveryList(endpointPath string) ListNav {
	return ListNav{Path: endpointPath, One: "delivery", Many: "deliveries",
		Filter: ListFilter{Name: "status", Label: "Show", Options: []FilterOption{
			{"", "All deliveries"},
			{models.DeliveryFailed, "Failed"},
			{models.DeliveryPending, "Waiting to be sent"},
			{models.DeliveryDelivered, "Delivered"}}}}
}

func staffRoleOptions() []FilterOption {
	options := []FilterOption{{"", "Every role"}}
	for _, role := range models.StaffRoles {
		options = append(options, FilterOption{string(role), capitalise(models.RoleName(role)) + "s"})
	}
	return options
}
