// Package models is Health Passport's domain: its records, the clinical
// rules over them as pure functions, zones, disclosure control, NHS numbers
// and UK time. It reads and writes nothing: the queries are in package
// store, the background jobs in package jobs.
package models

import (
	"errors"
	"time"
)

// ErrNotFound means the record does not exist or the person asking may not see it.
var ErrNotFound = errors.New("not found")

// Role is what a signed-in person may do.
type Role string

const (
	RolePatient      Role = "patient"
	RoleCarer        Role = "carer"
	RoleNurse        Role = "nurse"
	RoleAdmin        Role = "admin"
	RoleCommissioner Role = "commissioner"
	// RoleSafetyOfficer is the clinical safety officer, who answers for
	// the clinical content the service shows.
	RoleSafetyOfficer Role = "safety-officer"
)

// IsStaff reports whether the role belongs to clinic or ICB staff.
func (r Role) IsStaff() bool {
	return r == RoleNurse || r == RoleAdmin || r == RoleCommissioner || r == RoleSafetyOfficer
}

// Organisation kinds: an integrated care board, the GP practices it
// commissions, and its clinics that are not GP practices.
const (
	OrganisationICB      = "icb"
	OrganisationPractice = "practice"
	OrganisationClinic   = "clinic"
)

type Organisation struct {
	ID        uint
	Kind      string
	Name      string
	ODSCode   string
	ParentID  *uint
	CreatedAt time.Time
	// ClosedAt is when a practice or clinic closed: its records can be
	// read but not changed, and its patients moved to an open one.
	ClosedAt *time.Time
	// Phone and Address are how patients reach the practice or clinic,
	// printed on its letters.
	Phone   string
	Address PostalAddress `gorm:"embedded;embeddedPrefix:address_"`
	// RecordVersion counts the changes to what the FHIR API shows of the
	// organisation as an Organization, and CohortVersion those to its
	// patients as a Group; triggers keep both (0047), with the moment of
	// the last change, empty until the first.
	RecordVersion   int64      `gorm:"->"`
	RecordChangedAt *time.Time `gorm:"->"`
	CohortVersion   int64      `gorm:"->"`
	CohortChangedAt *time.Time `gorm:"->"`
}

type User struct {
	ID           uint
	Username     string
	PasswordHash string
	Role         Role
	DisplayName  string
	Email        string // a member of staff's work email, unique among staff
	PatientID    *uint
	Patient      *Patient // loaded only with the signed-in principal
	Disabled     bool
	LastActiveOn *time.Time // the last UK day they used the service
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// RecordVersion counts the changes to what the FHIR API shows of a
	// member of staff as a Practitioner; triggers keep it (0047).
	RecordVersion int64 `gorm:"->"`
}

// Membership places a staff member at an organisation.
type Membership struct {
	ID             uint
	UserID         uint
	OrganisationID uint
}

type Patient struct {
	ID                 uint
	Ref                string
	NHSNumber          string
	GivenName          string
	FamilyName         string
	PreferredName      string
	DateOfBirth        time.Time
	PracticeID         uint
	Practice           *Organisation // loaded only where a page shows it
	Phone              string
	Email              string
	Address            PostalAddress `gorm:"embedded;embeddedPrefix:address_"` // where letters are posted
	CommunicationNeeds string
	Allergies          string
	LastReviewOn       *time.Time
	NextReviewOn       *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
	// PassportVersion numbers the state of the patient's plans and
	// contacts: triggers count every change to them, and nothing here
	// ever writes it, so a row read earlier cannot set it back.
	PassportVersion int64 `gorm:"->"`
	// RecordVersion counts the changes to what the FHIR API shows of the
	// patient; triggers keep it (0047), as PassportVersion.
	RecordVersion int64 `gorm:"->"`
}

// FullName is the name as it appears on letters and records.
func (p Patient) FullName() string { return p.GivenName + " " + p.FamilyName }

// ActivationCode lets a patient or carer create their account once. Only a
// hash of the code is kept: the clinic sees the code once, on the letter.
type ActivationCode struct {
	ID          uint
	PatientID   uint
	UserID      *uint // set for a carer's code: the account it sets up
	CodeHash    string
	CreatedByID uint
	ExpiresAt   time.Time
	UsedAt      *time.Time
	CreatedAt   time.Time
}

// Carer permissions.
const (
	PermissionView = "view"
	PermissionAct  = "act"
)

type CarerLink struct {
	ID           uint
	CarerID      uint
	PatientID    uint
	Relationship string
	Permission   string
	RevokedAt    *time.Time
	CreatedAt    time.Time
	// RecordVersion counts the changes to what the FHIR API shows of the
	// link as a RelatedPerson, the carer's name included; triggers keep it
	// (0047), with the moment of the last change, empty until the first.
	RecordVersion   int64      `gorm:"->"`
	RecordChangedAt *time.Time `gorm:"->"`
}

// Contact kinds.
const (
	ContactEmergency = "emergency"
	ContactClinic    = "clinic"
)

type Contact struct {
	ID           uint
	PatientID    uint
	Kind         string
	Name         string
	Relationship string
	Phone        string
	Position     int
}

// ActionPlan is one condition's plan for one patient. Its content lives in
// immutable versions; the patient sees the latest one.
type ActionPlan struct {
	ID            uint
	PatientID     uint
	ConditionName string
	SnomedCode    string
	TemplateID    *uint
	CreatedAt     time.Time
}

type PlanVersion struct {
	ID        uint
	PlanID    uint
	Number    int
	AuthorID  uint
	Content   string // JSON of PlanContent
	State     string // VersionDraft or VersionPublished
	CreatedAt time.Time
}

// AuditEvent is one line of the append-only audit log.
type AuditEvent struct {
	ID uint
	AuditRecord
	// KeyID names the audit key whose HMAC is Hash (audit-event-v2); it is
	// empty on entries written before the log was keyed, whose Hash is the
	// plain SHA-256 of AuditEventHash.
	KeyID string
	Hash  string // chains this entry to the one before
	// PendingID is the waiting entry this one was chained from, if it
	// waited (PendingAuditEvent); it is not part of what Hash covers.
	PendingID *uint
}

// AuditRecord is what an audit entry says happened: when, who, acting for
// whom, what to which record, and from where. Chained and waiting entries
// record the same, in columns of the same names.
type AuditRecord struct {
	At         time.Time
	ActorID    *uint
	ActorRole  string
	Action     string
	PatientID  *uint
	OnBehalfOf *uint
	TargetType string
	TargetID   string
	IPAddress  string
	RequestID  string
	Detail     string
}

// PendingAuditEvent is an audit entry that stands on its own (a record
// read, a sign-in, a refusal), kept at once without taking the chain's
// turn, and signed on its own until it is folded into the chain a moment
// later. It is never changed, and leaves only as it is chained.
type PendingAuditEvent struct {
	ID uint
	AuditRecord
	KeyID string // the audit key whose HMAC is MAC (audit-pending-v1)
	MAC   string
}

func (PendingAuditEvent) TableName() string { return "audit_pending" }

// Event is the entry as the chain will hold it, not yet numbered or
// chained.
func (p PendingAuditEvent) Event() AuditEvent {
	return AuditEvent{AuditRecord: p.AuditRecord}
}

// AuditChain is the one row that holds the newest entry of the audit log's
// hash chain. Writers lock it to take their turn.
type AuditChain struct {
	ID          uint
	LastEventID uint
	LastHash    string
	// UnkeyedUntil is the newest entry written before the log was keyed:
	// no later entry may be unkeyed.
	UnkeyedUntil uint
}

// Session is a row of the scs session store.
type Session struct {
	Token  string `gorm:"primaryKey"`
	Data   []byte
	Expiry time.Time
}

// Setting holds facts about the database itself, such as the mode it was
// created in.
type Setting struct {
	Key   string `gorm:"primaryKey"`
	Value string
	// SecretKeyID names the key a secret value is sealed with; it is
	// empty for values that are not secret.
	SecretKeyID string
}

// ConditionTemplate is a standard or local plan for a condition, stored as
// data. It must be approved locally before clinical use.
type ConditionTemplate struct {
	ID         uint
	Key        string
	Version    int
	Name       string
	SnomedCode string
	Content    string // JSON of TemplateContent
	Approved   bool
	ApprovedBy string
	ApprovedAt *time.Time
	// What the clinical safety officer stated on approving the version,
	// and where the local safety case records it.
	SafetyStatement string
	SafetyCaseRef   string
	ApprovedByID    *uint // nil when approved from the command line
	// A retired version starts no new plan, and plans made from it are
	// marked for review.
	RetiredBy   string
	RetiredByID *uint
	RetiredAt   *time.Time
	// A local variant: the version it was made from and the administrator
	// who made it. Both are nil for a standard template.
	BasedOnID   *uint
	CreatedByID *uint
	CreatedAt   time.Time
}

// Review outcomes.
const (
	OutcomeNoChange    = "no-change"
	OutcomePlanUpdated = "plan-updated"
	OutcomeReferred    = "referred"
)

type Review struct {
	ID           uint
	PatientID    uint
	ReviewedOn   time.Time
	Outcome      string
	Notes        string
	NextReviewOn time.Time
	AuthorID     uint
	// The patient's answers about unplanned care and, for asthma, the
	// Royal College of Physicians' three questions, as the nurse asked.
	UnplannedCare string
	RCPScore      *int `gorm:"column:rcp_score"`
	CreatedAt     time.Time
}

// Reading kinds.
const (
	ReadingPeakFlow = "peak-flow"
	ReadingSymptoms = "symptoms"
)

type Reading struct {
	ID           uint
	PatientID    uint
	PlanID       *uint
	Kind         string
	PeakFlow     *int
	Answers      string
	Zone         string
	RecordedByID uint
	// A check-in's answers about unplanned care and, for asthma, the
	// Royal College of Physicians' three questions; empty and nil for a
	// peak flow reading.
	UnplannedCare string
	RCPScore      *int `gorm:"column:rcp_score"`
	CreatedAt     time.Time
}

// Alert statuses.
const (
	AlertOpen         = "open"
	AlertAcknowledged = "acknowledged"
)

// Alert asks a nurse to look at a person's red-zone readings of one day.
// A patient has at most one open alert a day: later red readings that day
// count on it, and ReadingID moves to the latest of them.
type Alert struct {
	ID               uint
	PatientID        uint
	ReadingID        uint
	RaisedOn         string // the day of the readings in the UK, 2006-01-02
	ReadingCount     int
	Status           string
	Note             string
	AcknowledgedByID *uint
	AcknowledgedAt   *time.Time
	CreatedAt        time.Time
}

// Prescription request statuses, in the order they happen.
const (
	RequestRequested = "requested"
	RequestApproved  = "approved"
	RequestRejected  = "rejected"
	RequestReady     = "ready"
)

type PrescriptionRequest struct {
	ID            uint
	PatientID     uint
	PlanID        uint
	Medicine      string
	Purpose       string // the medicine's purpose on the plan: "Preventer", "Reliever" and so on
	Status        string
	Reason        string
	RequestedByID uint
	DecidedByID   *uint
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ActivityDay is one UK day on which a person used the service, kept so
// that daily and weekly active people can be counted for any past week.
type ActivityDay struct {
	ID     uint
	UserID uint
	Day    time.Time
}
