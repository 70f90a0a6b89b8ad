package models

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"time"
)

// Actor is who is acting and from where, as the audit log records it.
type Actor struct {
	UserID    uint
	Role      Role
	IPAddress string
	RequestID string
}

// Audit actions. Each has its wording in auditWording.
const (
	AuditSignIn                = "sign-in"
	AuditSignInFailed          = "sign-in.failed"
	AuditSignInThrottled       = "sign-in.throttled"
	AuditSignOut               = "sign-out"
	AuditAccessRefused         = "access.refused"
	AuditPatientViewed         = "patient.viewed"
	AuditPatientCreated        = "patient.registered"
	AuditPatientUpdated        = "patient.updated"
	AuditPassportViewed        = "passport.viewed"
	AuditActivationIssued      = "activation-code.issued"
	AuditActivated             = "account.activated"
	AuditActivationFailed      = "activation.failed"
	AuditAccountDisabled       = "account.disabled"
	AuditStaffInvited          = "staff.invited"
	AuditStaffAccessChanged    = "staff.access-changed"
	AuditStaffCodeIssued       = "staff.activation-code.issued"
	AuditStaffDeviceSignedOut  = "staff.device.signed-out"
	AuditLogSearched           = "audit-log.searched"
	AuditLogExported           = "audit-log.exported"
	AuditLogChecked            = "audit-log.checked"
	AuditPasswordChanged       = "password.changed"
	AuditDevicesSignedOut      = "devices.signed-out"
	AuditPlanCreated           = "plan.created"
	AuditPlanSaved             = "plan.saved"
	AuditTemplateApproved      = "template.approved"
	AuditTemplateRetired       = "template.retired"
	AuditTemplateVariantMade   = "template.variant-made"
	AuditReviewRecorded        = "review.recorded"
	AuditReadingRecorded       = "reading.recorded"
	AuditAlertAcknowledged     = "alert.acknowledged"
	AuditPrescriptionRequested = "prescription.requested"
	AuditPrescriptionApproved  = "prescription.approved"
	AuditPrescriptionRejected  = "prescription.rejected"
	AuditPrescriptionReady     = "prescription.ready"
	AuditCarerLinked           = "carer.linked"
	AuditCarerInvited          = "carer.invited"
	AuditCarerRevoked          = "carer.revoked"
	AuditShareCreated          = "share.created"
	AuditShareRevoked          = "share.revoked"
	AuditShareUsed             = "share.used"
	AuditShareViewed           = "share.viewed"
	AuditShareRefused          = "share.refused"
	AuditAPIRead               = "api.read"
	AuditAPIClientRegistered   = "api-client.registered"
	AuditAPIClientRevoked      = "api-client.revoked"
	AuditAPIClientKeysChanged  = "api-client.keys-changed"
	AuditPassportDownloaded    = "passport.downloaded"
	AuditPassportDataViewed    = "passport.data-viewed"
	AuditExportRequested       = "api.export.requested"
	AuditExportCompleted       = "api.export.completed"
	AuditExportCancelled       = "api.export.cancelled"
	AuditExportDownloaded      = "api.export.downloaded"
	AuditWebhookRegistered     = "webhook.registered"
	AuditWebhookSecretRotated  = "webhook.secret-rotated"
	AuditWebhookDisabled       = "webhook.disabled"
	AuditWebhookEnabled        = "webhook.enabled"
	AuditWebhookReplayed       = "webhook.replayed"
	AuditWebhookPaused         = "webhook.paused"
	AuditWebhookResumed        = "webhook.resumed"
	AuditWebhookDeleted        = "webhook.deleted"
	AuditNHSLoginLinked        = "nhs-login.linked"
	AuditNHSLoginUnlinked      = "nhs-login.unlinked"
	AuditNHSLoginRefused       = "nhs-login.refused"
	AuditNHSLoginFailed        = "nhs-login.failed"
	AuditOrganisationCreated   = "organisation.created"
	AuditOrganisationRenamed   = "organisation.renamed"
	AuditOrganisationContact   = "organisation.contact_changed"
	AuditOrganisationClosed    = "organisation.closed"
	AuditPatientMoved          = "patient.moved"
	AuditAccountUnlocked       = "account.unlocked"
	AuditStaffSignedOut        = "staff.signed-out-everywhere"
	AuditMessagesChosen        = "messages.chosen"
	AuditContactVerified       = "messages.contact-checked"
	AuditMessagesViewed        = "messages.viewed"
	AuditLetterViewed          = "letter.viewed"
	AuditLetterPrinted         = "letter.printed"
	AuditSignInCodeSent        = "sign-in.code-sent"
	AuditSignInCodeFailed      = "sign-in.code-failed"
	AuditSignInWithCode        = "sign-in.with-code"
)

// auditWording says what each action was, as a person reads it in the
// audit log and a record's activity: who did it follows ("by Jane Smith,
// nurse").
var auditWording = map[string]string{
	AuditSignIn:                "Signed in",
	AuditSignInFailed:          "Sign in failed: wrong username or password",
	AuditSignInThrottled:       "Sign in blocked after too many tries",
	AuditSignOut:               "Signed out",
	AuditAccessRefused:         "Access refused",
	AuditPatientViewed:         "Record viewed",
	AuditPatientCreated:        "Patient registered",
	AuditPatientUpdated:        "Contact details changed",
	AuditPassportViewed:        "Passport viewed",
	AuditActivationIssued:      "Activation letter printed",
	AuditActivated:             "Account set up",
	AuditActivationFailed:      "Account set up failed: wrong activation code",
	AuditAccountDisabled:       "Account switched off",
	AuditStaffInvited:          "Member of staff invited",
	AuditStaffAccessChanged:    "Member of staff's role or organisations changed",
	AuditStaffCodeIssued:       "Staff activation letter printed",
	AuditStaffDeviceSignedOut:  "Member of staff signed out on a device",
	AuditLogSearched:           "Audit log looked at",
	AuditLogExported:           "Audit log downloaded",
	AuditLogChecked:            "Audit log checked for changes",
	AuditPasswordChanged:       "Password changed",
	AuditDevicesSignedOut:      "Signed out on other devices",
	AuditPlanCreated:           "Action plan written",
	AuditPlanSaved:             "Action plan changed",
	AuditTemplateApproved:      "Condition template approved",
	AuditTemplateRetired:       "Condition template retired",
	AuditTemplateVariantMade:   "Local variant of a condition template made",
	AuditReviewRecorded:        "Review recorded",
	AuditReadingRecorded:       "Reading recorded",
	AuditAlertAcknowledged:     "Red zone alert dealt with",
	AuditPrescriptionRequested: "Repeat prescription asked for",
	AuditPrescriptionApproved:  "Repeat prescription approved",
	AuditPrescriptionRejected:  "Repeat prescription turned down",
	AuditPrescriptionReady:     "Repeat prescription ready to collect",
	AuditCarerLinked:           "Carer added",
	AuditCarerInvited:          "Carer invited",
	AuditCarerRevoked:          "Carer removed",
	AuditShareCreated:          "Emergency page shared",
	AuditShareRevoked:          "Emergency page sharing stopped",
	AuditShareUsed:             "Shared emergency page opened",
	AuditShareViewed:           "Emergency page sharing checked",
	AuditShareRefused:          "Shared emergency page refused: wrong code or date of birth",
	AuditAPIRead:               "Record read by a connected system",
	AuditAPIClientRegistered:   "Connected system registered",
	AuditAPIClientRevoked:      "Connected system's access withdrawn",
	AuditAPIClientKeysChanged:  "Connected system's keys changed",
	AuditPassportDownloaded:    "Passport data downloaded",
	AuditPassportDataViewed:    "All passport data viewed",
	AuditExportRequested:       "Bulk export asked for by a connected system",
	AuditExportCompleted:       "Bulk export written for a connected system",
	AuditExportCancelled:       "Bulk export cancelled by a connected system",
	AuditExportDownloaded:      "Bulk export file downloaded by a connected system",
	AuditWebhookRegistered:     "Webhook endpoint registered",
	AuditWebhookSecretRotated:  "Webhook signing secret changed",
	AuditWebhookDisabled:       "Webhook endpoint switched off after failed deliveries",
	AuditWebhookEnabled:        "Webhook endpoint switched back on",
	AuditWebhookReplayed:       "Webhook delivery sent again",
	AuditWebhookPaused:         "Webhook endpoint paused",
	AuditWebhookResumed:        "Webhook endpoint resumed",
	AuditWebhookDeleted:        "Webhook endpoint deleted",
	AuditNHSLoginLinked:        "NHS login linked",
	AuditNHSLoginUnlinked:      "NHS login unlinked",
	AuditNHSLoginRefused:       "NHS login refused: no patient with that NHS number and date of birth",
	AuditNHSLoginFailed:        "NHS login sign in failed: its answer could not be trusted",
	AuditOrganisationCreated:   "Practice or clinic added",
	AuditOrganisationRenamed:   "Organisation renamed",
	AuditOrganisationContact:   "Organisation's phone number or address changed",
	AuditOrganisationClosed:    "Practice or clinic closed",
	AuditPatientMoved:          "Patient moved to another practice",
	AuditAccountUnlocked:       "Account unlocked after too many sign in tries",
	AuditStaffSignedOut:        "Member of staff signed out on every device",
	AuditMessagesChosen:        "Choice of messages from the clinic changed",
	AuditContactVerified:       "Phone number or email address for messages checked with a security code",
	AuditMessagesViewed:        "Messages sent to families looked at",
	AuditSignInCodeSent:        "Security code to sign in sent to a confirmed phone number or email address",
	AuditSignInCodeFailed:      "Wrong or expired security code to sign in",
	AuditSignInWithCode:        "Signed in with a security code",
	AuditLetterViewed:          "Letter to print opened",
	AuditLetterPrinted:         "Letter printed",
}

// AuditWording says what an action was in plain English. An action with
// no wording, as an old entry's might be, reads as "Other activity" rather
// than as its code.
func AuditWording(action string) string {
	if wording, ok := auditWording[action]; ok {
		return wording
	}
	return "Other activity"
}

// AuditActivity is an audit entry with the name of who acted, as the audit
// log and a record's activity show it.
type AuditActivity struct {
	AuditEvent
	ActorName string // empty when no one was signed in
}

// roleNames are roles as people say them.
var roleNames = map[Role]string{
	RolePatient:       "patient",
	RoleCarer:         "carer",
	RoleNurse:         "nurse",
	RoleAdmin:         "administrator",
	RoleCommissioner:  "commissioner",
	RoleSafetyOfficer: "clinical safety officer",
}

// Who names who acted and in what role, such as "Jane Smith, nurse", or
// is empty when no one was signed in.
func (a AuditActivity) Who() string {
	if a.ActorName == "" {
		return ""
	}
	if role, ok := roleNames[Role(a.ActorRole)]; ok {
		return a.ActorName + ", " + role
	}
	return a.ActorName
}

// Sentence says what happened and who did it, such as "Record viewed by
// Jane Smith, nurse".
func (a AuditActivity) Sentence() string {
	if who := a.Who(); who != "" {
		return AuditWording(a.Action) + " by " + who
	}
	return AuditWording(a.Action)
}

// AuditEntry describes what happened to which record.
type AuditEntry struct {
	Action     string
	PatientID  *uint
	OnBehalfOf *uint
	TargetType string
	TargetID   string
	Detail     string
}

// AuditEventHash is the hex SHA-256 that chained an entry to the hash of the
// one before it ("" for the first) before the log was keyed
// (audit-event-v1). It covers every field but the hash and key id, each
// written as its length and then its bytes, so no two entries encode alike;
// an absent id is empty, which no number is. Entries written so keep this
// encoding for ever; new ones are signed with AuditKey.EventMAC.
func AuditEventHash(previous string, event AuditEvent) string {
	h := sha256.New()
	WriteField(h, "audit-event-v1")
	WriteField(h, previous)
	WriteEventFields(h, event)
	return hex.EncodeToString(h.Sum(nil))
}

// WriteEventFields writes what both versions of the chain cover of an entry.
func WriteEventFields(h hash.Hash, event AuditEvent) {
	for _, field := range []string{
		strconv.FormatUint(uint64(event.ID), 10),
		event.At.UTC().Format("2006-01-02T15:04:05.000000Z"),
		optionalID(event.ActorID),
		event.ActorRole,
		event.Action,
		optionalID(event.PatientID),
		optionalID(event.OnBehalfOf),
		event.TargetType,
		event.TargetID,
		event.IPAddress,
		event.RequestID,
		event.Detail,
	} {
		WriteField(h, field)
	}
}

func WriteField(h hash.Hash, field string) {
	var length [8]byte
	binary.BigEndian.PutUint64(length[:], uint64(len(field)))
	h.Write(length[:])
	h.Write([]byte(field))
}

func optionalID(id *uint) string {
	if id == nil {
		return ""
	}
	return strconv.FormatUint(uint64(*id), 10)
}

// AuditChainBroken names the first audit entry that does not follow from the
// chain before it: it was changed, forged, or an entry before it removed.
type AuditChainBroken struct {
	Event AuditEvent
}

func (e *AuditChainBroken) Error() string {
	return fmt.Sprintf("audit entry %d (%s, %s) does not match the chain: it, or an entry before it, was changed, added or removed",
		e.Event.ID, e.Event.At.UTC().Format(time.RFC3339Nano), e.Event.Action)
}

// AuditKeyUnknown names the first audit entry signed with a key that is
// neither the current audit key nor one of the previous ones: the key given
// is wrong, or a previous one is missing, or the entry was forged.
type AuditKeyUnknown struct {
	Event AuditEvent
}

func (e *AuditKeyUnknown) Error() string {
	return fmt.Sprintf("audit entry %d (%s, %s) was signed with audit key %s, which is neither PASSPORT_AUDIT_KEY nor one of PASSPORT_AUDIT_KEY_PREVIOUS: the key is wrong, or the entry was forged",
		e.Event.ID, e.Event.At.UTC().Format(time.RFC3339Nano), e.Event.Action, e.Event.KeyID)
}

// AuditEntriesMissing means the newest entries of the chain are gone.
type AuditEntriesMissing struct {
	LastFound    uint // 0 when no entry is left
	LastRecorded uint
}

func (e *AuditEntriesMissing) Error() string {
	return fmt.Sprintf("audit entries after %d are missing: the newest entry recorded was %d", e.LastFound, e.LastRecorded)
}

// PendingAuditEntryForged names a waiting audit entry whose signature does
// not match: it was added or changed by someone without the audit key. It is
// never chained, so the chain waits behind it until it is looked into.
type PendingAuditEntryForged struct {
	Entry PendingAuditEvent
}

func (e *PendingAuditEntryForged) Error() string {
	return fmt.Sprintf("waiting audit entry %d (%s, %s) is not signed with the audit key %s it names: it was forged or changed",
		e.Entry.ID, e.Entry.At.UTC().Format(time.RFC3339Nano), e.Entry.Action, e.Entry.KeyID)
}
