package models

import (
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"time"

	"gorm.io/gorm"
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

// Audit appends one entry to the audit log.
func (s *Store) Audit(actor Actor, entry AuditEntry) error {
	return s.db.Transaction(func(tx *gorm.DB) error { return s.audit(tx, actor, entry) })
}

// audit appends one entry inside the transaction tx, chained to the entry
// before it. Locking the chain's head row takes the writer's turn until tx
// ends, so writers chain one at a time and the chain cannot fork; if tx
// rolls back, the entry and its place in the chain go together.
func (s *Store) audit(tx *gorm.DB, actor Actor, entry AuditEntry) error {
	event := AuditEvent{
		At:         s.now().Truncate(time.Microsecond), // what both databases keep
		ActorRole:  string(actor.Role),
		Action:     entry.Action,
		PatientID:  entry.PatientID,
		OnBehalfOf: entry.OnBehalfOf,
		TargetType: entry.TargetType,
		TargetID:   truncate(entry.TargetID, 64),
		IPAddress:  truncate(actor.IPAddress, 64),
		RequestID:  truncate(actor.RequestID, 64),
		Detail:     truncate(entry.Detail, 1000),
	}
	if actor.UserID != 0 {
		event.ActorID = &actor.UserID
	}
	return s.appendAuditEvents(tx, []AuditEvent{event})
}

// appendAuditEvents numbers the events on from the chain's head, signs each
// with the current audit key, chained to the one before, and adds them in
// that order. The database moves the head as each is added (migration
// 0036), and refuses any other move, so the head always names the newest
// entry.
func (s *Store) appendAuditEvents(tx *gorm.DB, events []AuditEvent) error {
	if s.auditKeys == nil {
		return ErrNoAuditKey
	}
	lock := `SELECT id, last_event_id, last_hash FROM audit_chains WHERE id = 1`
	if tx.Dialector.Name() == "postgres" {
		lock += ` FOR UPDATE`
	} // SQLite's one connection already writes one transaction at a time.
	var head AuditChain
	if err := tx.Raw(lock).Scan(&head).Error; err != nil {
		return err
	}
	if head.ID == 0 {
		return errors.New("the audit chain has no head row: run passport migrate")
	}
	key := s.auditKeys.current
	previous := head.LastHash
	for i := range events {
		events[i].ID = head.LastEventID + uint(i) + 1
		events[i].KeyID = key.ID
		events[i].Hash = key.EventMAC(previous, events[i])
		previous = events[i].Hash
	}
	return tx.CreateInBatches(events, insertBatch).Error
}

// AuditEventHash is the hex SHA-256 that chained an entry to the hash of the
// one before it ("" for the first) before the log was keyed
// (audit-event-v1). It covers every field but the hash and key id, each
// written as its length and then its bytes, so no two entries encode alike;
// an absent id is empty, which no number is. Entries written so keep this
// encoding for ever; new ones are signed with AuditKey.EventMAC.
func AuditEventHash(previous string, event AuditEvent) string {
	h := sha256.New()
	writeField(h, "audit-event-v1")
	writeField(h, previous)
	writeEventFields(h, event)
	return hex.EncodeToString(h.Sum(nil))
}

// writeEventFields writes what both versions of the chain cover of an entry.
func writeEventFields(h hash.Hash, event AuditEvent) {
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
		writeField(h, field)
	}
}

func writeField(h hash.Hash, field string) {
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

// VerifyAuditLog walks the whole chain in id order and reports how many
// entries match, or the first that does not. It reads one snapshot, so
// entries written meanwhile are neither counted nor mistaken for forgeries.
func (s *Store) VerifyAuditLog() (int, error) {
	verified := 0
	err := s.auditSnapshot(func(tx *gorm.DB) error {
		var err error
		verified, _, err = s.verifyAuditChain(tx)
		return err
	})
	return verified, err
}

// auditSnapshot runs read in one read-only snapshot of the database.
func (s *Store) auditSnapshot(read func(tx *gorm.DB) error) error {
	// SQLite's transactions are snapshots already, and it has no other levels.
	var snapshot *sql.TxOptions
	if s.db.Dialector.Name() == "postgres" {
		snapshot = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return s.db.Transaction(read, snapshot)
}

// verifyAuditChain checks every entry against the one before it, as
// VerifyAuditLog says, and gives the head it checked them against. Entries
// signed with a key are checked with it; unkeyed ones, written before the
// log was keyed, by their plain hash, and only up to the entry the head
// says was the last of those: an unkeyed entry after a keyed one, or after
// that, is one recomputed without the key.
func (s *Store) verifyAuditChain(tx *gorm.DB) (int, AuditChain, error) {
	var head AuditChain
	if err := tx.First(&head, 1).Error; err != nil {
		return 0, head, err
	}
	verified := 0
	var last AuditEvent // the entry before the next one read; none yet
	keyed := false
	var events []AuditEvent
	err := tx.FindInBatches(&events, 1000, func(*gorm.DB, int) error {
		for _, event := range events {
			if event.ID > head.LastEventID {
				return &AuditChainBroken{Event: event}
			}
			if event.KeyID == "" {
				if keyed || event.ID > head.UnkeyedUntil || event.Hash != AuditEventHash(last.Hash, event) {
					return &AuditChainBroken{Event: event}
				}
			} else {
				key, ok := s.auditKeys.key(event.KeyID)
				if !ok {
					return &AuditKeyUnknown{Event: event}
				}
				if !hmac.Equal([]byte(event.Hash), []byte(key.EventMAC(last.Hash, event))) {
					return &AuditChainBroken{Event: event}
				}
				keyed = true
			}
			last = event
			verified++
		}
		return nil
	}).Error
	switch {
	case err != nil:
		return verified, head, err
	case last.ID < head.LastEventID:
		return verified, head, &AuditEntriesMissing{LastFound: last.ID, LastRecorded: head.LastEventID}
	case last.Hash != head.LastHash:
		// The newest entry was replaced by one chained correctly but
		// not the one the head recorded.
		return verified, head, &AuditChainBroken{Event: last}
	}
	return verified, head, nil
}

// AuditEventsFor lists the newest entries about patients of the given
// organisations, and entries by staff of them, newest first.
func (s *Store) AuditEventsFor(organisationIDs []uint, limit int) ([]AuditActivity, error) {
	return s.auditActivity(s.db.Where(s.aboutOrBy(organisationIDs)), limit)
}

// AuditEventsForPatient lists what happened to one patient's record.
func (s *Store) AuditEventsForPatient(patientID uint, limit int) ([]AuditActivity, error) {
	return s.auditActivity(s.db.Where("audit_events.patient_id = ?", patientID), limit)
}

// auditActivity lists the entries that scope finds, newest first, with the
// name of who acted joined in the same query.
func (s *Store) auditActivity(scope *gorm.DB, limit int) ([]AuditActivity, error) {
	var activity []AuditActivity
	err := scope.Model(&AuditEvent{}).Select("audit_events.*, users.display_name AS actor_name").
		Joins("LEFT JOIN users ON users.id = audit_events.actor_id").
		Order("audit_events.id DESC").Limit(limit).Scan(&activity).Error
	return activity, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
