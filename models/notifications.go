package models

import (
	"errors"
	"strings"
	"time"
)

// NotificationPreference is how a person has chosen to hear from the
// clinic. Without one they are sent nothing: messages are opt in.
type NotificationPreference struct {
	UserID          uint `gorm:"primaryKey;autoIncrement:false"`
	Channel         string
	Phone           string
	PhoneVerifiedAt *time.Time
	Email           string
	EmailVerifiedAt *time.Time
	Address         string // lines of a postal address, one a line, without the postcode
	Postcode        string
	QuietHours      bool
	UpdatedAt       time.Time
}

// ContactVerification is the security code last sent to check that a
// number or address is the person's. Only a hash of the code is kept.
type ContactVerification struct {
	UserID      uint `gorm:"primaryKey;autoIncrement:false"`
	Channel     string
	Destination string
	CodeHash    string
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// NotificationEvent is something people are told about, once: its key
// names it, and a second attempt to tell of it finds the key taken.
type NotificationEvent struct {
	ID        uint
	Key       string
	CreatedAt time.Time
}

// Notification is one message to one person: by SMS, email or letter,
// sent through GOV.UK Notify, kept in the outbox when no Notify key is
// set, or printed by the clinic.
type Notification struct {
	ID             uint
	Key            string
	UserID         *uint // nil for a reminder to the contact details on a record
	PatientID      *uint
	OrganisationID *uint // the practice whose staff may see it
	Kind           string
	Channel        string
	Destination    string // a number, an email address, or a postal address a line at a time
	RecipientName  string
	Body           string
	Urgent         bool
	SendAfter      time.Time
	Status         string
	NotifyID       string
	Failure        string
	SentAt         *time.Time
	PrintedAt      *time.Time
	PrintedByID    *uint
	CreatedAt      time.Time
}

// Masked is where the message goes, as staff see it.
func (n Notification) Masked() string { return MaskDestination(n.Channel, n.Destination) }

// AddressLines are a letter's address, a line each, ending with the
// postcode; empty for a letter the clinic addresses by hand.
func (n Notification) AddressLines() []string {
	if n.Channel != ChannelLetter || n.Destination == "" {
		return nil
	}
	return strings.Split(n.Destination, "\n")
}

// SecurityCodeLifetime is how long a security code works.
const SecurityCodeLifetime = 15 * time.Minute

var (
	// ErrTooManyCodes means too many security codes were sent lately.
	ErrTooManyCodes = errors.New("too many security codes sent")
	// ErrWrongCode means the security code is not the one sent, or it
	// has expired, or none was sent.
	ErrWrongCode = errors.New("wrong or expired security code")
	// ErrNothingToCheck means the chosen channel needs no code.
	ErrNothingToCheck = errors.New("nothing waits for a security code")
)

// Reminder timings.
const (
	ReviewDueNotice   = 14 // days before a review is due
	ShareEndingNotice = 7  // days before a share ends
)

// ActivationReminderDays are how many days after a code was issued, still
// unused, its patient is reminded.
var ActivationReminderDays = []int{7, 21}
