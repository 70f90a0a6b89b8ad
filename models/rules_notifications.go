package models

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Channels a person can choose to hear from the clinic by: all but none
// are GOV.UK Notify's own names for them.
const (
	ChannelNone   = "none"
	ChannelSMS    = "sms"
	ChannelEmail  = "email"
	ChannelLetter = "letter"
)

// Kinds of message. None says more than that there is something new: the
// person signs in to see what.
const (
	MessageActivationReminder = "activation-reminder"
	MessageReviewDue          = "review-due"
	MessageReviewOverdue      = "review-overdue"
	MessagePrescriptionReady  = "prescription-ready"
	MessageRedReading         = "red-reading"
	MessageShareExpiring      = "share-expiring"
	MessageSecurityCode       = "security-code"
)

// MessageKindNames are the kinds of message as the clinic's pages name them.
var MessageKindNames = map[string]string{
	MessageActivationReminder: "Reminder to set up an account",
	MessageReviewDue:          "Review due soon",
	MessageReviewOverdue:      "Review overdue",
	MessagePrescriptionReady:  "Prescription ready to collect",
	MessageRedReading:         "Something new in the passport of someone they care for",
	MessageShareExpiring:      "Shared emergency page ending soon",
	MessageSecurityCode:       "Security code to check a phone number or email address",
}

// Message statuses, from queued to delivered or printed.
const (
	MessageQueued    = "queued"    // waiting to be sent, perhaps until quiet hours end
	MessageOutbox    = "outbox"    // kept here only: no Notify key is set, as in the demo
	MessageSent      = "sent"      // accepted by Notify
	MessageDelivered = "delivered" // Notify says it arrived
	MessageFailed    = "failed"    // refused, or Notify could not deliver it
	MessageToPrint   = "to-print"  // a letter for the clinic to print and post
	MessagePrinted   = "printed"
)

// MessageStatusNames are the statuses in plain English.
var MessageStatusNames = map[string]string{
	MessageQueued:    "Waiting to send",
	MessageOutbox:    "Not sent: kept in the outbox (no GOV.UK Notify key is set)",
	MessageSent:      "Sent",
	MessageDelivered: "Delivered",
	MessageFailed:    "Failed",
	MessageToPrint:   "Letter to print",
	MessagePrinted:   "Letter printed",
}

// Quiet hours, in UK time: a person who asks for quiet hours is sent
// nothing from QuietFrom until QuietUntil the next morning, unless a nurse
// marks the message urgent.
const (
	QuietFrom  = 21
	QuietUntil = 8
)

// SendTime is when a message made at now may be sent: at once, or, in
// quiet hours, at QuietUntil in the UK the next morning. The hour is read
// in UK time, so the quiet hours stay at the same time of day when the
// clocks change.
func SendTime(now time.Time, quietHours, urgent bool) time.Time {
	if !quietHours || urgent {
		return now
	}
	local := now.In(UK)
	hour := local.Hour()
	if hour >= QuietUntil && hour < QuietFrom {
		return now
	}
	day := local
	if hour >= QuietFrom {
		day = local.AddDate(0, 0, 1)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), QuietUntil, 0, 0, 0, UK).UTC()
}

// Reader is someone who may be told about a patient: the patient, or a
// carer linked to them.
type Reader struct {
	UserID     uint
	Role       Role
	Permission string // a carer's; empty for the patient
	Name       string
	Preference NotificationPreference `gorm:"-"`
}

// Told picks, in order, who is told about a kind of message: red readings
// only reach carers who may act, since the patient recorded it; shares and
// prescriptions only those who may act on them; reviews everyone linked.
// The person who caused it (except) is never told of their own act.
func Told(kind string, readers []Reader, except uint) []Reader {
	var told []Reader
	for _, reader := range readers {
		if reader.UserID == except {
			continue
		}
		mayAct := reader.Role == RolePatient || reader.Permission == PermissionAct
		switch kind {
		case MessageRedReading:
			if reader.Role != RoleCarer || !mayAct {
				continue
			}
		case MessagePrescriptionReady, MessageShareExpiring:
			if !mayAct {
				continue
			}
		}
		told = append(told, reader)
	}
	return told
}

// Delivery is where a person has chosen to get messages, if they have and
// it can be used: a number or address they have shown is theirs with a
// code, or a postal address.
func (p NotificationPreference) Delivery() (channel, destination string, ok bool) {
	switch p.Channel {
	case ChannelSMS:
		return ChannelSMS, p.Phone, p.Phone != "" && p.PhoneVerifiedAt != nil
	case ChannelEmail:
		return ChannelEmail, p.Email, p.Email != "" && p.EmailVerifiedAt != nil
	case ChannelLetter:
		return ChannelLetter, letterDestination(p.Address, p.Postcode), p.Address != "" && p.Postcode != ""
	}
	return "", "", false
}

// letterDestination keeps an address as the letter shows it: its lines,
// then the postcode.
func letterDestination(address, postcode string) string {
	if address == "" {
		return ""
	}
	return address + "\n" + postcode
}

// SignInContact is where a code to sign in may be sent: only to a number
// or address the person has shown is theirs with a security code. The
// channel they chose for messages comes first, then a mobile number, then
// an email address.
func (p NotificationPreference) SignInContact() (channel, destination string, ok bool) {
	phone := p.Phone != "" && p.PhoneVerifiedAt != nil
	email := p.Email != "" && p.EmailVerifiedAt != nil
	switch {
	case email && p.Channel == ChannelEmail:
		return ChannelEmail, p.Email, true
	case phone:
		return ChannelSMS, p.Phone, true
	case email:
		return ChannelEmail, p.Email, true
	}
	return "", "", false
}

// NeedsCode reports whether the chosen channel waits for a security code
// before it is used.
func (p NotificationPreference) NeedsCode() bool {
	return (p.Channel == ChannelSMS && p.PhoneVerifiedAt == nil) || (p.Channel == ChannelEmail && p.EmailVerifiedAt == nil)
}

// MaskDestination shows enough of where a message went for staff to tell
// messages apart, and no more: the last three digits of a number, the
// first letter and the domain of an email address, the first half of a
// postcode.
func MaskDestination(channel, destination string) string {
	switch channel {
	case ChannelSMS:
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, destination)
		if len(digits) < 3 {
			return "Mobile number"
		}
		return "Mobile ending " + digits[len(digits)-3:]
	case ChannelEmail:
		local, domain, found := strings.Cut(destination, "@")
		if !found || local == "" {
			return "Email address"
		}
		first, _ := utf8.DecodeRuneInString(local)
		return string(first) + "…@" + domain
	case ChannelLetter:
		lines := strings.Split(destination, "\n")
		postcode := strings.Fields(lines[len(lines)-1])
		if destination == "" || len(lines) < 2 || len(postcode) == 0 {
			return "Letter to print for the clinic to hand over"
		}
		return "Letter to postcode " + postcode[0] + " …"
	}
	return ""
}

// MessageText is what a message says. It names no condition, reading or
// medicine: only that there is something to see, and where. about is the
// first name of the patient, for messages to their carers; empty for the
// patient's own.
func MessageText(kind, about, address string) string {
	whose := "your passport"
	if about != "" {
		whose = about + "'s passport"
	}
	switch kind {
	case MessageActivationReminder:
		return "Your clinic has made a Health Passport for you. Set up your account at " + address +
			"/activate with the code in the letter from your clinic. If you do not have the letter, ask your clinic for a new code."
	case MessageReviewDue:
		return "It is nearly time for a review at your clinic. There is something new in " + whose + ": sign in at " + address + " to see it."
	case MessageReviewOverdue:
		return "A review at your clinic is due. There is something new in " + whose + ": sign in at " + address + " to see it, and contact your clinic to book."
	case MessagePrescriptionReady:
		return "There is something new in " + whose + ": a repeat prescription is ready to collect. Sign in at " + address + " to see it."
	case MessageRedReading:
		return "There is something new in " + whose + ". Sign in at " + address + " to see it."
	case MessageShareExpiring:
		return "There is something new in " + whose + ": a shared emergency page ends in 7 days. Sign in at " + address + " to share it again if you need to."
	}
	return "There is something new in " + whose + ". Sign in at " + address + " to see it."
}

// SecurityCodeText is the message that carries a security code.
func SecurityCodeText(code string) string {
	return "Your Health Passport security code is " + code + ". It expires in 15 minutes. If you did not ask for it, you can ignore this message."
}

// SignInCodeText is the message that carries a code to sign in.
func SignInCodeText(code string) string {
	return "Your Health Passport code to sign in is " + code + ". It expires in 10 minutes. Do not give it to anyone. " +
		"If you did not ask for it, someone may be trying to sign in as you: you can ignore this message."
}

// PreferencesEntry is what the preferences form sends.
type PreferencesEntry struct {
	Channel, Phone, Email, Address, Postcode, QuietHours string
}

// Limits of a postal address, as Notify posts letters: up to six lines
// before the postcode.
const (
	maxAddressLines    = 6
	maxAddressLineChar = 80
)

var postcodePattern = regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$`)

// CheckPreferences reads a person's choice of how to hear from the clinic.
// Only the details the chosen channel needs are required and kept; the
// others are kept as they were entered, so switching back needs no typing.
func CheckPreferences(entry PreferencesEntry) (NotificationPreference, FieldErrors) {
	var errs FieldErrors
	pref := NotificationPreference{Channel: entry.Channel, Phone: entry.Phone, Email: strings.ToLower(entry.Email),
		Address: strings.TrimSpace(entry.Address), Postcode: strings.ToUpper(strings.Join(strings.Fields(entry.Postcode), " "))}
	switch entry.Channel {
	case ChannelNone, ChannelSMS, ChannelEmail, ChannelLetter:
	default:
		errs.Add("channel-"+ChannelSMS, "Select how you would like to hear from your clinic")
	}
	if entry.Channel == ChannelSMS && entry.Phone == "" {
		errs.Add("phone", "Enter a mobile phone number")
	} else if entry.Phone != "" && !ValidMobile(entry.Phone) {
		errs.Add("phone", "Enter a UK mobile phone number, like 07700 900 982")
	}
	if entry.Channel == ChannelEmail && entry.Email == "" {
		errs.Add("email", "Enter an email address")
	} else if entry.Email != "" && !ValidEmail(entry.Email) {
		errs.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	if entry.Channel == ChannelLetter && pref.Address == "" {
		errs.Add("address", "Enter your address")
	} else if pref.Address != "" {
		lines := nonEmptyLines(strings.Split(strings.ReplaceAll(pref.Address, "\r", ""), "\n"))
		for _, line := range lines {
			if utf8.RuneCountInString(line) > maxAddressLineChar {
				errs.Add("address", "Each line of your address must be 80 characters or fewer")
			}
		}
		switch {
		case len(lines) < 2:
			errs.Add("address", "Enter your address on 2 lines or more, like your house and street, then your town")
		case len(lines) > maxAddressLines:
			errs.Add("address", "Your address must be 6 lines or fewer, not counting the postcode")
		}
		pref.Address = strings.Join(lines, "\n")
	}
	if entry.Channel == ChannelLetter && pref.Postcode == "" {
		errs.Add("postcode", "Enter your postcode")
	} else if pref.Postcode != "" && !postcodePattern.MatchString(pref.Postcode) {
		errs.Add("postcode", "Enter a real postcode, like LS1 4AP")
	}
	switch entry.QuietHours {
	case "yes":
		pref.QuietHours = true
	case "no":
	default:
		errs.Add("quiet-hours-yes", "Select whether we may send messages at night")
	}
	return pref, errs
}

// nonEmptyLines trims each line and drops the blank ones.
func nonEmptyLines(lines []string) []string {
	var kept []string
	for _, line := range lines {
		if line = strings.TrimSpace(line); line != "" {
			kept = append(kept, line)
		}
	}
	return kept
}

// ValidMobile accepts a UK mobile number, which is what can take an SMS:
// 07 and nine more digits, or +44 7 and nine more, spaced as people like.
func ValidMobile(phone string) bool {
	if !ValidPhone(phone) {
		return false
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phone)
	return (strings.HasPrefix(digits, "07") && len(digits) == 11) || (strings.HasPrefix(digits, "447") && len(digits) == 12 && strings.HasPrefix(strings.TrimSpace(phone), "+"))
}
