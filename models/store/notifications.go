package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"time"

	"healthpassport/models"
	"healthpassport/models/notify"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// UseNotifier sets what sends messages (nil keeps them in the outbox) and
// the service's address, which messages give for signing in.
func (s *Store) UseNotifier(notifier *notify.Client, address string) {
	s.notifier, s.serviceAddress = notifier, address
}

// LogKeptMessages writes each message kept in the outbox to the log as it
// would have been sent, security codes included. It is for the demo alone,
// whose people are made up: without a Notify key, it is how someone trying
// the demo reads the codes that sign in and check a phone number.
func (s *Store) LogKeptMessages() { s.logKept = true }

// KeepsMessagesToShow reports whether messages are kept to be shown, as
// in the demo without a Notify key.
func (s *Store) KeepsMessagesToShow() bool { return s.logKept }

// keptMessageShown is how long after it was made a kept message is shown
// to the person it was for: as long as the longest-lived code in it.
const keptMessageShown = 15 * time.Minute

// KeptSecurityCode is, in the demo without a Notify key (see
// LogKeptMessages), the latest security code made for the person in the
// last 15 minutes, which was kept instead of sent, so that the page that
// follows can show it. Everywhere else it is nil: a real service never
// shows a code on a page.
func (s *Store) KeptSecurityCode(ctx context.Context, userID uint) (*models.Notification, error) {
	if !s.logKept {
		return nil, nil
	}
	var message models.Notification
	err := s.db.WithContext(ctx).Where("user_id = ? AND kind = ? AND status IN ? AND created_at > ?",
		userID, models.MessageSecurityCode, []string{models.MessageQueued, models.MessageOutbox}, s.now().Add(-keptMessageShown)).
		Order("id DESC").Take(&message).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &message, err
}

// Security codes are limited like activation codes: guesses per account,
// and codes sent per account, so that nobody can send a stranger's phone
// a stream of messages.
var (
	LimitSecurityCodeGuesses = Limit{Max: 5, Window: 15 * time.Minute}
	LimitSecurityCodesSent   = Limit{Max: 5, Window: time.Hour}
)

// SecurityCodeCounters are the counts a guess at a person's security code
// is made against.
func SecurityCodeCounters(userID uint) []Counter {
	return []Counter{{key: counterKey("security-code", "guess", models.UintString(userID)), limit: LimitSecurityCodeGuesses, clearedBySuccess: true}}
}

// securityCodesSent is the count of security codes sent to a person.
func securityCodesSent(userID uint) []Counter {
	return []Counter{{key: counterKey("security-code", "sent", models.UintString(userID)), limit: LimitSecurityCodesSent}}
}

// PreferencesOf is a person's choice of how to hear from the clinic:
// nothing, until they choose.
func (s *Store) PreferencesOf(ctx context.Context, userID uint) (models.NotificationPreference, error) {
	pref := models.NotificationPreference{UserID: userID, Channel: models.ChannelNone}
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Take(&pref).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return pref, nil
	}
	return pref, err
}

// SavePreferences keeps a person's choice. A number or address that
// changed is no longer trusted until a code sent to it comes back, and if
// the chosen channel needs one, a code is sent: needsCode says so.
func (s *Store) SavePreferences(ctx context.Context, actor models.Actor, user *models.User, pref models.NotificationPreference) (needsCode bool, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old models.NotificationPreference
		if err := tx.Where("user_id = ?", user.ID).Take(&old).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		pref.UserID, pref.UpdatedAt = user.ID, s.now()
		if pref.Phone == old.Phone {
			pref.PhoneVerifiedAt = old.PhoneVerifiedAt
		}
		if pref.Email == old.Email {
			pref.EmailVerifiedAt = old.EmailVerifiedAt
		}
		if err := tx.Save(&pref).Error; err != nil {
			return err
		}
		detail := pref.Channel
		if pref.QuietHours {
			detail += ", quiet at night"
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditMessagesChosen, TargetType: "user", TargetID: user.Username, Detail: detail})
	})
	if err != nil || !pref.NeedsCode() {
		return false, err
	}
	return true, s.SendSecurityCode(ctx, user)
}

// SendSecurityCode sends a new code to the number or address the person
// chose, through the same notifier as every message, at once whatever the
// hour: they are waiting for it.
func (s *Store) SendSecurityCode(ctx context.Context, user *models.User) error {
	pref, err := s.PreferencesOf(ctx, user.ID)
	if err != nil {
		return err
	}
	if !pref.NeedsCode() {
		return models.ErrNothingToCheck
	}
	allowed, err := s.ReserveAttempt(ctx, securityCodesSent(user.ID))
	if err != nil {
		return err
	}
	if !allowed {
		return models.ErrTooManyCodes
	}
	destination := pref.Phone
	if pref.Channel == models.ChannelEmail {
		destination = pref.Email
	}
	code := newSecurityCode()
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		verification := models.ContactVerification{UserID: user.ID, Channel: pref.Channel, Destination: destination,
			CodeHash: hashSecurityCode(user.ID, code), ExpiresAt: now.Add(models.SecurityCodeLifetime), CreatedAt: now}
		if err := tx.Save(&verification).Error; err != nil {
			return err
		}
		message := models.Notification{Key: "security-code:" + models.UintString(user.ID) + ":" + models.RandomToken(12), UserID: &user.ID,
			OrganisationID: organisationOf(tx, user), Kind: models.MessageSecurityCode, Channel: pref.Channel, Destination: destination,
			RecipientName: user.DisplayName, Body: models.SecurityCodeText(code), Urgent: true}
		return s.queueMessage(tx, &message)
	})
}

// organisationOf is the practice whose staff may see a person's messages:
// a patient's own, or that of the first person a carer cares for.
func organisationOf(tx *gorm.DB, user *models.User) *uint {
	var practiceIDs []uint
	query := tx.Model(&models.Patient{}).Order("patients.id").Limit(1)
	if user.PatientID != nil {
		query = query.Where("id = ?", *user.PatientID)
	} else {
		query = query.Where("id IN (?)", tx.Model(&models.CarerLink{}).Select("patient_id").Where("carer_id = ? AND revoked_at IS NULL", user.ID))
	}
	if query.Pluck("practice_id", &practiceIDs).Error != nil || len(practiceIDs) == 0 {
		return nil
	}
	return &practiceIDs[0]
}

// newSecurityCode is six random digits.
func newSecurityCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand never fails
	}
	return fmt.Sprintf("%06d", n.Int64())
}

func hashSecurityCode(userID uint, code string) string {
	sum := sha256.Sum256([]byte(models.UintString(userID) + ":" + code))
	return hex.EncodeToString(sum[:])
}

// CheckSecurityCode takes a code the person typed. The attempt is reserved
// before the code is compared; a right code that has not expired marks the
// number or address it was sent to as theirs, if it is still the one they
// chose, and is used up.
func (s *Store) CheckSecurityCode(ctx context.Context, actor models.Actor, user *models.User, code string) error {
	counters := SecurityCodeCounters(user.ID)
	allowed, err := s.ReserveAttempt(ctx, counters)
	if err != nil {
		return err
	}
	if !allowed {
		return models.ErrTooManyCodes
	}
	var verification models.ContactVerification
	err = s.db.WithContext(ctx).Where("user_id = ? AND expires_at > ?", user.ID, s.now()).Take(&verification).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil &&
		subtle.ConstantTimeCompare([]byte(verification.CodeHash), []byte(hashSecurityCode(user.ID, code))) != 1) {
		return models.ErrWrongCode
	}
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Used once: of two requests with the same code, one deletes it.
		used := tx.Where("user_id = ? AND code_hash = ?", user.ID, verification.CodeHash).Delete(&models.ContactVerification{})
		if used.Error != nil {
			return used.Error
		}
		if used.RowsAffected != 1 {
			return models.ErrWrongCode
		}
		column, contact := "phone", "phone_verified_at"
		if verification.Channel == models.ChannelEmail {
			column, contact = "email", "email_verified_at"
		}
		if err := tx.Model(&models.NotificationPreference{}).Where("user_id = ? AND "+column+" = ?", user.ID, verification.Destination).
			Update(contact, s.now()).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditContactVerified, TargetType: "user", TargetID: user.Username,
			Detail: models.MaskDestination(verification.Channel, verification.Destination)})
	})
	if err != nil {
		return err
	}
	return s.AttemptSucceeded(ctx, counters)
}

// messageEvent is something to tell the people linked to a patient about.
type messageEvent struct {
	key     string
	kind    string
	patient *models.Patient
	except  uint // the person who caused it, who is not told
	urgent  bool
}

// queueEvent tells of an event once, in the transaction of the change that
// caused it: one message for each person told who has chosen how to hear,
// each sent by a job of its own when quiet hours allow.
func (s *Store) queueEvent(tx *gorm.DB, event messageEvent) error {
	taken := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}).
		Create(&models.NotificationEvent{Key: event.key, CreatedAt: s.now()})
	if taken.Error != nil || taken.RowsAffected == 0 {
		return taken.Error
	}
	readers, err := readersOf(tx, event.patient.ID)
	if err != nil {
		return err
	}
	for _, reader := range models.Told(event.kind, readers, event.except) {
		channel, destination, ok := reader.Preference.Delivery()
		if !ok {
			continue
		}
		about := ""
		if reader.Role == models.RoleCarer {
			about = event.patient.GivenName
		}
		message := models.Notification{Key: event.key + ":" + models.UintString(reader.UserID), UserID: &reader.UserID, PatientID: &event.patient.ID,
			OrganisationID: &event.patient.PracticeID, Kind: event.kind, Channel: channel, Destination: destination,
			RecipientName: reader.Name, Body: models.MessageText(event.kind, about, s.serviceAddress), Urgent: event.urgent,
			SendAfter: models.SendTime(s.now(), reader.Preference.QuietHours, event.urgent)}
		if err := s.queueMessage(tx, &message); err != nil {
			return err
		}
	}
	return nil
}

// readersOf lists the patient's own account and their carers' accounts,
// with each one's choice of how to hear.
func readersOf(tx *gorm.DB, patientID uint) ([]models.Reader, error) {
	var readers []models.Reader
	err := tx.Raw(`SELECT users.id AS user_id, users.role, users.display_name AS name, '' AS permission
		FROM users WHERE users.patient_id = ? AND users.disabled = ?
		UNION ALL
		SELECT users.id, users.role, users.display_name, carer_links.permission
		FROM carer_links JOIN users ON users.id = carer_links.carer_id
		WHERE carer_links.patient_id = ? AND carer_links.revoked_at IS NULL AND users.disabled = ?
		ORDER BY user_id`, patientID, false, patientID, false).Scan(&readers).Error
	if err != nil || len(readers) == 0 {
		return nil, err
	}
	ids := make([]uint, len(readers))
	for i, reader := range readers {
		ids[i] = reader.UserID
	}
	var prefs []models.NotificationPreference
	if err := tx.Where("user_id IN ?", ids).Find(&prefs).Error; err != nil {
		return nil, err
	}
	for i := range readers {
		for _, pref := range prefs {
			if pref.UserID == readers[i].UserID {
				readers[i].Preference = pref
			}
		}
	}
	return readers, nil
}

// queueMessage writes a message and the job that sends it, unless a
// message with its key was written already.
func (s *Store) queueMessage(tx *gorm.DB, message *models.Notification) error {
	now := s.now()
	message.Status, message.CreatedAt = models.MessageQueued, now
	if message.SendAfter.IsZero() {
		message.SendAfter = now
	}
	write := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}).Create(message)
	if write.Error != nil || write.RowsAffected == 0 {
		return write.Error
	}
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	_, err = s.jobs.InsertTx(tx.Statement.Context, sqlTx, SendMessageArgs{MessageID: message.ID},
		&river.InsertOpts{ScheduledAt: message.SendAfter, MaxAttempts: sendAttempts})
	return err
}

// sendAttempts is how often a message is tried before it is given up:
// River waits longer after each try (the attempt number to the fourth
// power, in seconds), so the last try comes a few hours after the first.
const sendAttempts = 10

// SendMessage sends a queued message, once. Without a notifier it stays
// in the outbox; a letter goes to the clinic to print unless Notify can
// post it. A refusal Notify would repeat is recorded as a failure; a
// failure that may pass (Notify busy or down) is returned, for the job to
// try again later, and recorded as a failure on the last attempt.
func (s *Store) SendMessage(ctx context.Context, id uint, lastAttempt bool) error {
	var message models.Notification
	if err := s.db.WithContext(ctx).Where("id = ? AND status = ?", id, models.MessageQueued).Take(&message).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil // sent already, or gone
		}
		return err
	}
	if message.Channel == models.ChannelLetter && (s.notifier == nil || message.Destination == "") {
		return s.settle(ctx, id, map[string]any{"status": models.MessageToPrint})
	}
	if s.notifier == nil {
		if s.logKept {
			slog.Info("demo message kept in the outbox", "to", message.Masked(), "text", message.Body)
		}
		return s.settle(ctx, id, map[string]any{"status": models.MessageOutbox})
	}
	outgoing := notify.Message{Kind: message.Kind, Channel: message.Channel, To: message.Destination,
		Personalisation: map[string]string{"message": message.Body}, Reference: message.Key}
	if message.Channel == models.ChannelLetter {
		lines := message.AddressLines()
		outgoing.Address, outgoing.Postcode = lines[:len(lines)-1], lines[len(lines)-1]
	}
	notifyID, err := s.notifier.Send(ctx, outgoing)
	switch {
	case err == nil:
		changes := map[string]any{"status": models.MessageSent, "notify_id": notifyID, "sent_at": s.now(), "failure": ""}
		if message.Kind == models.MessageSecurityCode {
			// Once it is on its way the code need not be kept here, where
			// anyone reading the database could use it.
			changes["body"] = sentCode.ReplaceAllString(message.Body, "······")
		}
		return s.settle(ctx, id, changes)
	case notify.Retryable(err) && !lastAttempt:
		if recordErr := s.settle(ctx, id, map[string]any{"failure": truncate(err.Error(), 300)}); recordErr != nil {
			return errors.Join(err, recordErr)
		}
		return err
	default:
		slog.Warn("message not sent", "message_id", id, "error", err)
		return s.settle(ctx, id, map[string]any{"status": models.MessageFailed, "failure": truncate(err.Error(), 300)})
	}
}

// settle records what became of a queued message, if it is still queued.
func (s *Store) settle(ctx context.Context, id uint, changes map[string]any) error {
	return s.db.WithContext(ctx).Model(&models.Notification{}).Where("id = ? AND status = ?", id, models.MessageQueued).Updates(changes).Error
}

// deliveryStatuses maps Notify's final statuses to ours; the ones it
// passes through on the way (created, sending, pending) change nothing.
var deliveryStatuses = map[string]string{
	"delivered":         models.MessageDelivered,
	"received":          models.MessageDelivered, // a letter Notify's printer has
	"permanent-failure": models.MessageFailed,
	"temporary-failure": models.MessageFailed,
	"technical-failure": models.MessageFailed,
	"validation-failed": models.MessageFailed,
	"cancelled":         models.MessageFailed,
}

// deliveryCheckWindow is how long after sending Notify is asked about a
// message: it gives up on delivering well within three days.
const deliveryCheckWindow = 72 * time.Hour

// CheckDeliveries asks Notify about the messages it accepted lately, and
// records those it has finished with.
func (s *Store) CheckDeliveries(ctx context.Context) error {
	if s.notifier == nil {
		return nil
	}
	var waiting []models.Notification
	if err := s.db.WithContext(ctx).Where("status = ? AND sent_at > ?", models.MessageSent, s.now().Add(-deliveryCheckWindow)).
		Order("sent_at").Limit(200).Find(&waiting).Error; err != nil {
		return err
	}
	for _, message := range waiting {
		status, err := s.notifier.Status(ctx, message.NotifyID)
		if err != nil {
			return err
		}
		ours, final := deliveryStatuses[status]
		if !final {
			continue
		}
		changes := map[string]any{"status": ours}
		if ours == models.MessageFailed {
			changes["failure"] = "Notify: " + status
		}
		if err := s.db.WithContext(ctx).Model(&models.Notification{}).Where("id = ? AND status = ?", message.ID, models.MessageSent).
			Updates(changes).Error; err != nil {
			return err
		}
	}
	return nil
}

// QueueReminders finds the reminders that have come due and queues each
// once: the event's key is unique, so running it again, or on two
// instances at once, queues nothing new.
func (s *Store) QueueReminders(ctx context.Context) error {
	now := s.now()
	today := models.StartOfUKDay(now)
	var dueReviews []models.Patient
	if err := s.db.WithContext(ctx).Where("next_review_on >= ? AND next_review_on < ?",
		today.AddDate(0, 0, -7), today.AddDate(0, 0, models.ReviewDueNotice+1)).Find(&dueReviews).Error; err != nil {
		return err
	}
	for _, patient := range dueReviews {
		kind := models.MessageReviewDue
		if patient.NextReviewOn.Before(today) {
			kind = models.MessageReviewOverdue
		}
		event := messageEvent{key: kind + ":" + models.UintString(patient.ID) + ":" + patient.NextReviewOn.Format(time.DateOnly), kind: kind, patient: &patient}
		if err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return s.queueEvent(tx, event) }); err != nil {
			return err
		}
	}
	var ending []models.Share
	if err := s.db.WithContext(ctx).Preload("Patient").Where("revoked_at IS NULL AND expires_at > ? AND expires_at <= ?",
		now, now.AddDate(0, 0, models.ShareEndingNotice)).Find(&ending).Error; err != nil {
		return err
	}
	for _, share := range ending {
		// A share made for a week ends within the notice from the start:
		// its makers know.
		if share.ExpiresAt.Sub(share.CreatedAt) <= models.ShareEndingNotice*24*time.Hour || share.Patient == nil {
			continue
		}
		event := messageEvent{key: "share-expiring:" + models.UintString(share.ID), kind: models.MessageShareExpiring, patient: share.Patient}
		if err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return s.queueEvent(tx, event) }); err != nil {
			return err
		}
	}
	return s.queueActivationReminders(ctx, now)
}

// queueActivationReminders reminds patients whose activation code is
// still unused 7 and 21 days after it was issued. They have no account,
// so no choice of channel yet: the message goes to the mobile number or
// email address on their record, or else on a letter for the clinic to
// print, and never at night.
func (s *Store) queueActivationReminders(ctx context.Context, now time.Time) error {
	for i, days := range models.ActivationReminderDays {
		issuedBefore := now.AddDate(0, 0, -days)
		query := s.db.WithContext(ctx).Model(&models.ActivationCode{}).
			Where("user_id IS NULL AND used_at IS NULL AND expires_at > ? AND created_at <= ?", now, issuedBefore).
			Where("NOT EXISTS (SELECT 1 FROM users WHERE users.patient_id = activation_codes.patient_id)")
		if i+1 < len(models.ActivationReminderDays) {
			query = query.Where("created_at > ?", now.AddDate(0, 0, -models.ActivationReminderDays[i+1]))
		}
		var codes []models.ActivationCode
		if err := query.Find(&codes).Error; err != nil {
			return err
		}
		for _, code := range codes {
			err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				key := fmt.Sprintf("%s-%d:%d", models.MessageActivationReminder, days, code.ID)
				taken := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}).
					Create(&models.NotificationEvent{Key: key, CreatedAt: now})
				if taken.Error != nil || taken.RowsAffected == 0 {
					return taken.Error
				}
				var patient models.Patient
				if err := tx.Take(&patient, code.PatientID).Error; err != nil {
					return err
				}
				channel, destination := models.ChannelLetter, ""
				if models.ValidMobile(patient.Phone) {
					channel, destination = models.ChannelSMS, patient.Phone
				} else if patient.Email != "" {
					channel, destination = models.ChannelEmail, patient.Email
				}
				message := models.Notification{Key: key + ":record", PatientID: &patient.ID, OrganisationID: &patient.PracticeID,
					Kind: models.MessageActivationReminder, Channel: channel, Destination: destination, RecipientName: patient.FullName(),
					Body: models.MessageText(models.MessageActivationReminder, "", s.serviceAddress), SendAfter: models.SendTime(now, true, false)}
				return s.queueMessage(tx, &message)
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// MessagesAt lists a page of the messages about the patients of some
// practices, newest first, for their administrators: those sent one way,
// or every way when channel is empty.
func (s *Store) MessagesAt(ctx context.Context, practiceIDs []uint, channel string, page int) (models.Listing[models.Notification], error) {
	q := s.db.WithContext(ctx).Model(&models.Notification{}).Where("organisation_id IN ?", orNone(practiceIDs))
	if channel != "" {
		q = q.Where("channel = ?", channel)
	}
	return listPage[models.Notification](q, "", "created_at DESC, id DESC", page)
}

// lettersOf is the letters of the principal's practices.
func lettersOf(tx *gorm.DB, principal *models.Principal) *gorm.DB {
	return tx.Where("channel = ? AND status IN ? AND organisation_id IN ?", models.ChannelLetter,
		[]string{models.MessageToPrint, models.MessagePrinted}, practiceIDs(principal))
}

// LettersToPrint lists a page of the letters of a nurse's practices: the
// oldest waiting to be printed first, then those printed in the last 30
// days. status narrows them to those waiting (models.MessageToPrint) or
// those printed (models.MessagePrinted).
func (s *Store) LettersToPrint(ctx context.Context, principal *models.Principal, status string, page int) (models.Listing[models.Notification], error) {
	q := lettersOf(s.db.WithContext(ctx).Model(&models.Notification{}), principal).
		Where("printed_at IS NULL OR printed_at > ?", s.now().AddDate(0, 0, -30))
	if status != "" {
		q = q.Where("status = ?", status)
	}
	return listPage[models.Notification](q, "", "printed_at IS NOT NULL, created_at, id", page)
}

// LettersWaiting counts the letters of a nurse's practices waiting to be
// printed.
func (s *Store) LettersWaiting(ctx context.Context, principal *models.Principal) (int64, error) {
	var waiting int64
	err := lettersOf(s.db.WithContext(ctx).Model(&models.Notification{}), principal).
		Where("status = ?", models.MessageToPrint).Count(&waiting).Error
	return waiting, err
}

// LetterFor finds one of the letters of the principal's practices.
func (s *Store) LetterFor(ctx context.Context, principal *models.Principal, id uint) (*models.Notification, error) {
	var letter models.Notification
	err := lettersOf(s.db.WithContext(ctx), principal).Where("id = ?", id).Take(&letter).Error
	return &letter, notFound(err)
}

// MarkLetterPrinted records that a letter was printed, once: a second
// nurse marking it changes nothing and is told so.
func (s *Store) MarkLetterPrinted(ctx context.Context, principal *models.Principal, actor models.Actor, id uint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		update := lettersOf(tx.Model(&models.Notification{}), principal).Where("id = ? AND status = ?", id, models.MessageToPrint).
			Updates(map[string]any{"status": models.MessagePrinted, "printed_at": now, "printed_by_id": actor.UserID})
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			if err := lettersOf(tx, principal).Where("id = ?", id).Take(&models.Notification{}).Error; err != nil {
				return notFound(err)
			}
			return models.ErrWrongStatus
		}
		var letter models.Notification
		if err := tx.Take(&letter, id).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditLetterPrinted, PatientID: letter.PatientID, TargetType: "letter",
			TargetID: models.UintString(letter.ID), Detail: models.MessageKindNames[letter.Kind]})
	})
}
