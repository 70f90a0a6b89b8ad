package store_test

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/notify"
	"healthpassport/models/notify/notifytest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

var securityCode = regexp.MustCompile(`security code is (\d{6})`)

// lastCode reads the newest security code sent to a person from the
// outbox, as they would read it on their phone.
func lastCode(t *testing.T, db *gorm.DB, userID uint) string {
	t.Helper()
	var message models.Notification
	if err := db.Where("user_id = ? AND kind = ?", userID, models.MessageSecurityCode).Order("id DESC").Take(&message).Error; err != nil {
		t.Fatal(err)
	}
	m := securityCode.FindStringSubmatch(message.Body)
	if m == nil {
		t.Fatalf("no code in %q", message.Body)
	}
	return m[1]
}

// choose saves a person's choice and, for SMS or email, enters the code
// sent, as they would.
func choose(t *testing.T, db *gorm.DB, st *store.Store, username string, entry models.PreferencesEntry) {
	t.Helper()
	u := user(t, st, username)
	pref, errs := models.CheckPreferences(entry)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	actor := models.Actor{UserID: u.ID, Role: u.Role}
	needsCode, err := st.SavePreferences(t.Context(), actor, u, pref)
	if err != nil {
		t.Fatal(err)
	}
	if needsCode {
		if err := st.CheckSecurityCode(t.Context(), actor, u, lastCode(t, db, u.ID)); err != nil {
			t.Fatal(err)
		}
	}
}

func messagesOf(t *testing.T, db *gorm.DB, kind string) []models.Notification {
	t.Helper()
	var messages []models.Notification
	if err := db.Where("kind = ?", kind).Order("id").Find(&messages).Error; err != nil {
		t.Fatal(err)
	}
	return messages
}

// ukTime is a wall-clock time in the UK.
func ukTime(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, models.UK)
}

// A prescription marked ready tells the patient and the carer who chose to
// hear, once, each by their channel; quiet hours hold the patient's until
// 8am unless the nurse marks it urgent.
func TestPrescriptionReadyTellsThoseWhoChose(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		evening := ukTime(2026, 11, 20, 22, 15)
		st.SetClock(func() time.Time { return evening.UTC() })
		choose(t, db, st, "patient", models.PreferencesEntry{Channel: "sms", Phone: "07700 900982", QuietHours: "yes"})
		choose(t, db, st, "carer", models.PreferencesEntry{Channel: "email", Email: "sam@example.com", QuietHours: "no"})

		reader, amelia, _ := ameliasPeakFlow(t, st)
		nurse := principal(t, st, "nurse")
		nurseActor := models.Actor{UserID: nurse.User.ID, Role: models.RoleNurse}
		requests, err := st.PrescriptionRequestsOf(t.Context(), reader, amelia, 10)
		if err != nil || len(requests) == 0 {
			t.Fatalf("Amelia's requests: %v, %v", requests, err)
		}
		request := requests[0].PrescriptionRequest
		if request.Status == models.RequestRequested {
			if _, err := st.DecidePrescription(t.Context(), nurse, nurseActor, request.ID, models.DecisionApprove, "", false); err != nil {
				t.Fatal(err)
			}
		} else if err := db.Model(&request).Update("status", models.RequestApproved).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := st.DecidePrescription(t.Context(), nurse, nurseActor, request.ID, models.DecisionReady, "", false); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DecidePrescription(t.Context(), nurse, nurseActor, request.ID, models.DecisionReady, "", false); !errors.Is(err, models.ErrWrongStatus) {
			t.Fatalf("marking it ready twice: %v", err)
		}
		messages := messagesOf(t, db, models.MessagePrescriptionReady)
		if len(messages) != 2 {
			t.Fatalf("%d messages, want one each for Amelia and Sam", len(messages))
		}
		byChannel := map[string]models.Notification{}
		for _, m := range messages {
			byChannel[m.Channel] = m
			if strings.Contains(m.Body, request.Medicine) || m.Status != models.MessageQueued {
				t.Errorf("message %+v", m)
			}
		}
		sms, email := byChannel[models.ChannelSMS], byChannel[models.ChannelEmail]
		if sms.Destination != "07700 900982" || !sms.SendAfter.Equal(ukTime(2026, 11, 21, 8, 0)) {
			t.Errorf("Amelia's SMS goes to %q at %s, want 8am", sms.Destination, sms.SendAfter.In(models.UK))
		}
		if email.Destination != "sam@example.com" || !email.SendAfter.Equal(evening) || !strings.Contains(email.Body, "Amelia's passport") {
			t.Errorf("Sam's email %+v", email)
		}
		var jobs int64
		db.Table("river_job").Where("kind = ?", store.SendMessageArgs{}.Kind()).Count(&jobs)
		if jobs != 4 { // two security codes and two messages
			t.Errorf("%d send jobs, want 4", jobs)
		}
	})
}

// A red reading tells only carers who may act, and not the patient who
// recorded it.
func TestRedReadingTellsCarersWhoMayAct(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		choose(t, db, st, "patient", models.PreferencesEntry{Channel: "sms", Phone: "07700 900982", QuietHours: "no"})
		choose(t, db, st, "carer", models.PreferencesEntry{Channel: "sms", Phone: "07700 900456", QuietHours: "no"})
		reader, amelia, plan := ameliasPeakFlow(t, st)
		actor := models.Actor{UserID: reader.User.ID, Role: models.RolePatient}
		for range 2 {
			if _, err := st.RecordPeakFlow(t.Context(), reader, actor, amelia, plan, plan.Content.PeakFlow.RedBelow-1); err != nil {
				t.Fatal(err)
			}
		}
		messages := messagesOf(t, db, models.MessageRedReading)
		if len(messages) != 1 || *messages[0].UserID != user(t, st, "carer").ID {
			t.Fatalf("red reading messages: %+v", messages)
		}
		if !strings.HasPrefix(messages[0].Body, "There is something new in Amelia's passport.") {
			t.Errorf("message reads %q", messages[0].Body)
		}
	})
}

// Without a Notify key messages stay in the outbox and letters go to the
// clinic to print; with one, busy and failing answers are tried again,
// refusals recorded, and delivery checked.
func TestSendMessageThroughNotify(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		queued := func(channel, destination string) uint {
			message := models.Notification{Key: "test:" + models.RandomToken(8), Kind: models.MessageReviewDue, Channel: channel,
				Destination: destination, Body: "Hello", Status: models.MessageQueued, SendAfter: time.Now(), CreatedAt: time.Now()}
			if err := db.Create(&message).Error; err != nil {
				t.Fatal(err)
			}
			return message.ID
		}
		status := func(id uint) models.Notification {
			var message models.Notification
			if err := db.Take(&message, id).Error; err != nil {
				t.Fatal(err)
			}
			return message
		}

		sms, letter := queued(models.ChannelSMS, "07700 900982"), queued(models.ChannelLetter, "")
		for _, id := range []uint{sms, letter} {
			if err := st.SendMessage(t.Context(), id, false); err != nil {
				t.Fatal(err)
			}
		}
		if status(sms).Status != models.MessageOutbox || status(letter).Status != models.MessageToPrint {
			t.Errorf("without Notify: %s and %s", status(sms).Status, status(letter).Status)
		}

		fake := notifytest.Start(t)
		client, err := notify.New(notifytest.APIKey, fake.URL, notify.Templates{"sms": "sms-template", "letter": "letter-template"})
		if err != nil {
			t.Fatal(err)
		}
		st.UseNotifier(client, "https://passport.example")
		retried := queued(models.ChannelSMS, "07700 900982")
		fake.AnswerNext(http.StatusInternalServerError, http.StatusTooManyRequests)
		for _, answer := range []string{"500", "429"} {
			err := st.SendMessage(t.Context(), retried, false)
			if !notify.Retryable(err) || status(retried).Status != models.MessageQueued || !strings.Contains(status(retried).Failure, answer) {
				t.Fatalf("after a %s: %v, %+v", answer, err, status(retried))
			}
		}
		if err := st.SendMessage(t.Context(), retried, false); err != nil {
			t.Fatal(err)
		}
		sent := status(retried)
		if sent.Status != models.MessageSent || sent.NotifyID == "" || sent.SentAt == nil {
			t.Errorf("after Notify accepted it: %+v", sent)
		}
		if err := st.SendMessage(t.Context(), retried, false); err != nil || len(fake.Requests()) != 3 {
			t.Errorf("a sent message was sent again: %v, %d requests", err, len(fake.Requests()))
		}

		refused := queued(models.ChannelSMS, "07700 900982")
		fake.AnswerNext(http.StatusBadRequest)
		if err := st.SendMessage(t.Context(), refused, false); err != nil || status(refused).Status != models.MessageFailed {
			t.Errorf("a refused message: %v, %+v", err, status(refused))
		}
		givenUp := queued(models.ChannelSMS, "07700 900982")
		fake.AnswerNext(http.StatusServiceUnavailable)
		if err := st.SendMessage(t.Context(), givenUp, true); err != nil || status(givenUp).Status != models.MessageFailed {
			t.Errorf("a message failing on its last attempt: %v, %+v", err, status(givenUp))
		}
		posted := queued(models.ChannelLetter, "1 High Street\nLeeds\nLS1 4AP")
		if err := st.SendMessage(t.Context(), posted, false); err != nil || status(posted).Status != models.MessageSent {
			t.Errorf("a letter with an address: %v, %+v", err, status(posted))
		}
		code := models.Notification{Key: "test-code", Kind: models.MessageSecurityCode, Channel: models.ChannelSMS, Destination: "07700 900982",
			Body: models.SecurityCodeText("123456"), Status: models.MessageQueued, SendAfter: time.Now(), CreatedAt: time.Now()}
		if err := db.Create(&code).Error; err != nil {
			t.Fatal(err)
		}
		if err := st.SendMessage(t.Context(), code.ID, false); err != nil || strings.Contains(status(code.ID).Body, "123456") {
			t.Errorf("a security code sent through Notify is kept: %v, %q", err, status(code.ID).Body)
		}
		handed := queued(models.ChannelLetter, "")
		if err := st.SendMessage(t.Context(), handed, false); err != nil || status(handed).Status != models.MessageToPrint {
			t.Errorf("a letter with no address: %v, %+v", err, status(handed))
		}

		fake.SetStatus(sent.NotifyID, "delivered")
		fake.SetStatus(status(posted).NotifyID, "sending")
		if err := st.CheckDeliveries(t.Context()); err != nil {
			t.Fatal(err)
		}
		if status(retried).Status != models.MessageDelivered || status(posted).Status != models.MessageSent {
			t.Errorf("after checking: %s and %s", status(retried).Status, status(posted).Status)
		}
	})
}

// A security code works once, before it expires, within five guesses; a
// number changed after it was checked is checked again.
func TestSecurityCodes(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		now := time.Now().UTC()
		st.SetClock(func() time.Time { return now })
		patient := user(t, st, "patient")
		actor := models.Actor{UserID: patient.ID, Role: models.RolePatient}
		pref, _ := models.CheckPreferences(models.PreferencesEntry{Channel: "sms", Phone: "07700 900982", QuietHours: "no"})
		if needsCode, err := st.SavePreferences(t.Context(), actor, patient, pref); err != nil || !needsCode {
			t.Fatalf("saving: %v, %v", needsCode, err)
		}
		code := lastCode(t, db, patient.ID)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		if err := st.CheckSecurityCode(t.Context(), actor, patient, wrong); !errors.Is(err, models.ErrWrongCode) {
			t.Errorf("a wrong code: %v", err)
		}
		now = now.Add(models.SecurityCodeLifetime + time.Second)
		if err := st.CheckSecurityCode(t.Context(), actor, patient, code); !errors.Is(err, models.ErrWrongCode) {
			t.Errorf("an expired code: %v", err)
		}
		if err := st.SendSecurityCode(t.Context(), patient); err != nil {
			t.Fatal(err)
		}
		code = lastCode(t, db, patient.ID)
		for range 3 {
			st.CheckSecurityCode(t.Context(), actor, patient, wrong)
		}
		if err := st.CheckSecurityCode(t.Context(), actor, patient, code); err != nil {
			t.Fatalf("the right code on the fifth try: %v", err)
		}
		if err := st.CheckSecurityCode(t.Context(), actor, patient, code); !errors.Is(err, models.ErrWrongCode) {
			t.Errorf("a code used twice: %v", err)
		}
		checked, _ := st.PreferencesOf(t.Context(), patient.ID)
		if _, _, ok := checked.Delivery(); !ok {
			t.Fatalf("the number is not trusted after its code: %+v", checked)
		}

		pref.Phone = "07700 900983"
		if needsCode, err := st.SavePreferences(t.Context(), actor, patient, pref); err != nil || !needsCode {
			t.Fatalf("changing the number: %v, %v", needsCode, err)
		}
		for range 5 {
			st.CheckSecurityCode(t.Context(), actor, patient, wrong)
		}
		if err := st.CheckSecurityCode(t.Context(), actor, patient, lastCode(t, db, patient.ID)); !errors.Is(err, models.ErrTooManyCodes) {
			t.Errorf("the right code after five wrong ones: %v", err)
		}
		changed, _ := st.PreferencesOf(t.Context(), patient.ID)
		if _, _, ok := changed.Delivery(); ok {
			t.Error("a changed number is trusted before its code")
		}
		for range 3 {
			st.SendSecurityCode(t.Context(), patient)
		}
		if err := st.SendSecurityCode(t.Context(), patient); !errors.Is(err, models.ErrTooManyCodes) {
			t.Errorf("the sixth code within the hour: %v", err)
		}
	})
}

// Reminders come due 7 and 21 days after an unused activation code, 14
// days before a review and once it is overdue, and 7 days before a share
// ends; each is queued once however often the job runs.
func TestRemindersAreQueuedOnce(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		start := ukTime(2026, 11, 2, 10, 0).UTC()
		now := start
		st.SetClock(func() time.Time { return now })
		choose(t, db, st, "patient", models.PreferencesEntry{Channel: "letter", Address: "1 High Street\nLeeds", Postcode: "LS1 4AP", QuietHours: "no"})
		nurse := principal(t, st, "nurse")
		nurseActor := models.Actor{UserID: nurse.User.ID, Role: models.RoleNurse}
		oliver, err := st.PatientFor(t.Context(), nurse, "demooliver0000001")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.IssueActivationCode(t.Context(), nurse, nurseActor, oliver); err != nil {
			t.Fatal(err)
		}
		reader, amelia, _ := ameliasPeakFlow(t, st)
		if _, _, err := st.CreateShare(t.Context(), reader, models.Actor{UserID: reader.User.ID, Role: models.RolePatient}, amelia, "Riverside School", 30); err != nil {
			t.Fatal(err)
		}
		due := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		if err := db.Model(&models.Patient{}).Where("id = ?", amelia.ID).Update("next_review_on", due).Error; err != nil {
			t.Fatal(err)
		}
		count := func(kind string) int { return len(messagesOf(t, db, kind)) }
		run := func(at time.Time) {
			t.Helper()
			now = at
			for range 2 {
				if err := st.QueueReminders(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
		}

		run(start)
		if count(models.MessageActivationReminder) != 0 || count(models.MessageReviewDue) != 0 || count(models.MessageShareExpiring) != 0 {
			t.Fatal("reminders before any is due")
		}
		run(start.AddDate(0, 0, 8))
		if count(models.MessageActivationReminder) != 1 || count(models.MessageReviewDue) != 1 {
			t.Errorf("day 8: %d activation, %d review reminders", count(models.MessageActivationReminder), count(models.MessageReviewDue))
		}
		run(start.AddDate(0, 0, 22))
		reminders := messagesOf(t, db, models.MessageActivationReminder)
		if len(reminders) != 2 || count(models.MessageReviewOverdue) != 1 || count(models.MessageShareExpiring) != 0 {
			t.Errorf("day 22: %d activation, %d overdue, %d share reminders", len(reminders), count(models.MessageReviewOverdue), count(models.MessageShareExpiring))
		}
		// Oliver's record has no mobile number or email: the clinic prints
		// his reminder.
		if reminders[0].Channel != models.ChannelLetter || reminders[0].Destination != "" || reminders[0].UserID != nil ||
			*reminders[0].OrganisationID != oliver.PracticeID {
			t.Errorf("Oliver's reminder: %+v", reminders[0])
		}
		run(start.AddDate(0, 0, 24))
		shares := messagesOf(t, db, models.MessageShareExpiring)
		if len(shares) != 1 || shares[0].Channel != models.ChannelLetter || shares[0].Destination != "1 High Street\nLeeds\nLS1 4AP" {
			t.Errorf("share reminders: %+v", shares)
		}
	})
}

// Letters are printed by a nurse of the patient's practice, once.
func TestLettersToPrint(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		nurse := principal(t, st, "nurse")
		nurseActor := models.Actor{UserID: nurse.User.ID, Role: models.RoleNurse}
		_, amelia, _ := ameliasPeakFlow(t, st)
		letter := models.Notification{Key: "letter-test", PatientID: &amelia.ID, OrganisationID: &amelia.PracticeID, Kind: models.MessageReviewDue,
			Channel: models.ChannelLetter, Body: "Hello", Status: models.MessageToPrint, SendAfter: time.Now(), CreatedAt: time.Now()}
		if err := db.Create(&letter).Error; err != nil {
			t.Fatal(err)
		}
		stranger := &models.Principal{User: models.User{ID: nurse.User.ID, Role: models.RoleNurse}, PracticeIDs: []uint{amelia.PracticeID + 1000}}
		if letters, _ := st.LettersToPrint(t.Context(), stranger, "", 1); len(letters.Rows) != 0 {
			t.Error("a nurse of another practice sees the letter")
		}
		if err := st.MarkLetterPrinted(t.Context(), stranger, nurseActor, letter.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another practice's nurse marking it: %v", err)
		}
		if letters, err := st.LettersToPrint(t.Context(), nurse, "", 1); err != nil || len(letters.Rows) != 1 {
			t.Fatalf("letters: %v, %v", letters, err)
		}
		if err := st.MarkLetterPrinted(t.Context(), nurse, nurseActor, letter.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.MarkLetterPrinted(t.Context(), nurse, nurseActor, letter.ID); !errors.Is(err, models.ErrWrongStatus) {
			t.Errorf("marking it twice: %v", err)
		}
		printed, err := st.LetterFor(t.Context(), nurse, letter.ID)
		if err != nil || printed.Status != models.MessagePrinted || printed.PrintedAt == nil || *printed.PrintedByID != nurse.User.ID {
			t.Errorf("printed letter: %+v, %v", printed, err)
		}
	})
}

// The job queue sends each queued message through Notify once it is
// committed: here the security code a patient asks for.
func TestJobQueueSendsMessagesThroughNotify(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		fake := notifytest.Start(t)
		client, err := notify.New(notifytest.APIKey, fake.URL, notify.Templates{"sms": "sms-template"})
		if err != nil {
			t.Fatal(err)
		}
		st.UseNotifier(client, "https://passport.example")
		startJobQueue(t, st)
		patient := user(t, st, "patient")
		pref, _ := models.CheckPreferences(models.PreferencesEntry{Channel: "sms", Phone: "07700 900982", QuietHours: "yes"})
		if _, err := st.SavePreferences(t.Context(), models.Actor{UserID: patient.ID, Role: models.RolePatient}, patient, pref); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the security code to reach Notify", func() bool { return len(fake.Requests()) > 0 })
		request := fake.Requests()[0]
		body, _ := request.Payload["personalisation"].(map[string]any)["message"].(string)
		if request.Path != "/v2/notifications/sms" || request.Payload["phone_number"] != "07700 900982" || !securityCode.MatchString(body) {
			t.Errorf("Notify was sent %s %v", request.Path, request.Payload)
		}
		var message models.Notification
		eventually(t, "the message to be marked sent", func() bool {
			db.Where("kind = ?", models.MessageSecurityCode).Take(&message)
			return message.Status == models.MessageSent
		})
		if message.NotifyID == "" || len(fake.Requests()) != 1 {
			t.Errorf("sent %+v with %d requests", message, len(fake.Requests()))
		}
	})
}

// The domain names channels as GOV.UK Notify does, and the store hands
// those names to the Notify client unchanged.
func TestChannelsAreNotifysOwnNames(t *testing.T) {
	for domain, notifyName := range map[string]string{models.ChannelSMS: notify.SMS, models.ChannelEmail: notify.Email, models.ChannelLetter: notify.Letter} {
		if domain != notifyName {
			t.Errorf("channel %q is %q to Notify", domain, notifyName)
		}
	}
}
