package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/modelstest"

	"gorm.io/gorm"
)

// keptCodePattern finds the code in a security code's or a sign-in code's
// message.
var keptCodePattern = regexp.MustCompile(`code (?:to sign in )?is (\d{6})`)

// sentCode reads the newest security code sent to a person from the
// outbox, as they would read it on their phone.
func (s *testServer) sentCode(t *testing.T, username string) string {
	t.Helper()
	var message models.Notification
	if err := s.db.Where("user_id = ? AND kind = ?", s.user(t, username).ID, models.MessageSecurityCode).
		Order("id DESC").Take(&message).Error; err != nil {
		t.Fatal(err)
	}
	return keptCodePattern.FindStringSubmatch(message.Body)[1]
}

func TestPatientChoosesTextMessagesAndChecksTheirNumber(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		patient := s.browser(t)
		patient.signIn("patient")
		mustContain(t, patient.get("/account"), `href="/account/messages"`)
		r := patient.get("/account/messages")
		mustStatus(t, r, http.StatusOK)
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
		}
		mustContain(t, r, "How would you like to hear from your clinic?", `value="none" checked`)

		r = patient.post("/account/messages", url.Values{"channel": {"sms"}, "phone": {"0113 496 0000"}, "email": {""},
			"address": {""}, "postcode": {""}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "There is a problem", `href="#phone"`, "Enter a UK mobile phone number", `value="0113 496 0000"`,
			`href="#quiet-hours-yes"`, "Select whether we may send messages at night")

		r = patient.post("/account/messages", url.Values{"channel": {"sms"}, "phone": {"07700 900982"}, "email": {""},
			"address": {""}, "postcode": {""}, "quiet-hours": {"yes"}})
		if r.url != "/account/messages/code" {
			t.Fatalf("saving landed on %s (%d)", r.url, r.status)
		}
		mustContain(t, r, "Enter your security code", "07700 900982", "We are sending you a security code")
		var outbox models.Notification
		s.db.Where("kind = ?", models.MessageSecurityCode).Order("id DESC").Take(&outbox)
		if outbox.Channel != models.ChannelSMS || outbox.Destination != "07700 900982" || !outbox.Urgent {
			t.Errorf("security code message %+v", outbox)
		}

		code := s.sentCode(t, "patient")
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		r = patient.post("/account/messages/code", url.Values{"code": {wrong}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, `href="#code"`, "The security code is not right")
		r = patient.post("/account/messages/code", url.Values{"code": {"12ab"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Enter the 6 numbers", `value="12ab"`)

		r = patient.post("/account/messages/code", url.Values{"code": {code[:3] + " " + code[3:]}})
		if r.url != "/account" {
			t.Fatalf("the right code landed on %s (%d)", r.url, r.status)
		}
		mustContain(t, r, "We will send your messages there from now on")
		pref, err := s.store.PreferencesOf(t.Context(), s.user(t, "patient").ID)
		if err != nil || pref.PhoneVerifiedAt == nil || !pref.QuietHours {
			t.Errorf("preference %+v, %v", pref, err)
		}
		if s.auditCount(models.AuditMessagesChosen, "patient") != 1 || s.auditCount(models.AuditContactVerified, "patient") != 1 {
			t.Error("the choice and the check were not both audited")
		}
		// Nothing waits for a code now.
		if r := patient.get("/account/messages/code"); r.url != "/account/messages" {
			t.Errorf("the code page with nothing to check landed on %s", r.url)
		}
		// Staff have no messages of their own to choose.
		nurse := s.browser(t)
		nurse.signIn("nurse")
		mustStatus(t, nurse.get("/account/messages"), http.StatusForbidden)
	})
}

// An administrator's Messages page shows a prescription-ready message once
// a nurse marks a request ready, with the number masked; reading it is
// audited, and only administrators may.
func TestAdministratorSeesThePrescriptionReadyMessage(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		carer := s.browser(t)
		carer.signIn("carer")
		carer.post("/account/messages", url.Values{"channel": {"sms"}, "phone": {"07700 900456"}, "email": {""},
			"address": {""}, "postcode": {""}, "quiet-hours": {"no"}})
		if r := carer.post("/account/messages/code", url.Values{"code": {s.sentCode(t, "carer")}}); r.url != "/account" {
			t.Fatalf("checking the carer's number landed on %s", r.url)
		}

		var request models.PrescriptionRequest
		s.db.Where("status = ?", models.RequestRequested).First(&request)
		nurse := s.browser(t)
		nurse.signIn("nurse")
		path := fmt.Sprintf("/queues/prescriptions/%d", request.ID)
		nurse.post(path, url.Values{"decision": {models.DecisionApprove}})
		mustContain(t, nurse.get("/queues/prescriptions"), "Urgent: tell the family now, even at night")
		r := nurse.post(path, url.Values{"decision": {models.DecisionReady}, "urgent": {"yes"}})
		mustContain(t, r, "marked as ready to collect")

		var ready []models.Notification
		s.db.Where("kind = ?", models.MessagePrescriptionReady).Find(&ready)
		if len(ready) != 1 || !ready[0].Urgent || ready[0].Destination != "07700 900456" {
			t.Fatalf("prescription-ready messages: %+v", ready)
		}

		admin := s.browser(t)
		admin.signIn("admin")
		r = admin.get("/messages")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Prescription ready to collect", "Mobile ending 456", "Urgent", "There is something new in Amelia's passport",
			"A security code, not shown here")
		if strings.Contains(r.body, "07700 900456") || strings.Contains(r.body, request.Medicine) {
			t.Error("the messages page shows the whole number or the medicine")
		}
		if s.auditCount(models.AuditMessagesViewed, "") != 1 {
			t.Error("reading the messages was not audited")
		}
		mustStatus(t, nurse.get("/messages"), http.StatusForbidden)
		mustStatus(t, carer.get("/messages"), http.StatusForbidden)
	})
}

// A nurse prints a letter of one of their patients once; a nurse of
// another practice cannot see it.
func TestNursePrintsALetter(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		amelia := s.patient(t, ameliaRef)
		letter := models.Notification{Key: "handler-letter", PatientID: &amelia.ID, OrganisationID: &amelia.PracticeID,
			Kind: models.MessageReviewDue, Channel: models.ChannelLetter, Destination: "1 High Street\nLeeds\nLS1 4AP",
			RecipientName: "Amelia Jones", Body: "It is nearly time for a review at your clinic.", Status: models.MessageToPrint}
		letter.SendAfter = time.Now()
		letter.CreatedAt = letter.SendAfter
		if err := s.db.Create(&letter).Error; err != nil {
			t.Fatal(err)
		}
		nurse := s.browser(t)
		nurse.signIn("nurse")
		r := nurse.get("/letters")
		mustContain(t, r, "Letters to print", "Amelia Jones", "Review due soon", "Letter to print")
		page := fmt.Sprintf("/letters/%d", letter.ID)
		r = nurse.get(page)
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "1 High Street", "LS1 4AP", "Dear Amelia Jones", "It is nearly time for a review", "Mark as printed")
		if s.auditCount(models.AuditLetterViewed, fmt.Sprint(letter.ID)) != 1 {
			t.Error("opening the letter was not audited")
		}
		r = nurse.post(page+"/printed", url.Values{})
		if r.url != "/letters" {
			t.Fatalf("marking printed landed on %s", r.url)
		}
		mustContain(t, r, "Letter marked as printed", "Letter printed")
		r = nurse.post(page+"/printed", url.Values{})
		mustContain(t, r, "That letter was already marked as printed")
		if s.auditCount(models.AuditLetterPrinted, fmt.Sprint(letter.ID)) != 1 {
			t.Error("printing was not audited once")
		}
	})
}

// keptCode is the code shown in the demo's panel of a message not sent.
func keptCode(t *testing.T, r response) string {
	t.Helper()
	mustContain(t, r, `id="kept-message"`, "Demo: this message was not sent")
	found := keptCodePattern.FindStringSubmatch(r.body)
	if found == nil {
		t.Fatalf("no code in the demo's panel on %s", r.url)
	}
	return found[1]
}

// TestDemoShowsTheMessageItDidNotSendAndALiveServiceNever: in the demo
// without a Notify key, the page after a code is made shows the message
// that would have gone, so a person can finish setting up text messages
// and sign in with a code; outside the demo no page ever shows it.
func TestDemoShowsTheMessageItDidNotSendAndALiveServiceNever(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		demo := startServer(t, db, app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: "http://passport.test"})
		patient := demo.browser(t)
		patient.signIn("patient")
		r := patient.post("/account/messages", url.Values{"channel": {"sms"}, "phone": {"07700 900982"}, "email": {""},
			"address": {""}, "postcode": {""}, "quiet-hours": {"no"}})
		mustContain(t, r, "We are sending a text message", "would have gone to 07700 900982")
		code := keptCode(t, r)
		if code != demo.sentCode(t, "patient") {
			t.Fatalf("the panel shows %s, not the code made", code)
		}
		if r = patient.post("/account/messages/code", url.Values{"code": {code}}); r.url != "/account" {
			t.Fatalf("the code from the panel landed on %s (%d)", r.url, r.status)
		}
		mustContain(t, r, "We will send your messages there from now on")

		stranger := demo.browser(t)
		r = stranger.post("/sign-in/code", url.Values{"username": {"patient"}})
		if r.url != "/sign-in/code/enter" {
			t.Fatalf("asking for a sign-in code landed on %s (%d)", r.url, r.status)
		}
		mustContain(t, r, "we are sending a text message or email")
		if r = stranger.post("/sign-in/code/enter", url.Values{"code": {keptCode(t, r)}}); r.status != http.StatusOK || strings.HasPrefix(r.url, "/sign-in") {
			t.Fatalf("the sign-in code from the panel landed on %s (%d)", r.url, r.status)
		}

		live := startServer(t, db, app.Config{DemoPassword: demoPassword, PublicURL: "http://passport.test"})
		carer := live.browser(t)
		carer.signIn("carer")
		r = carer.post("/account/messages", url.Values{"channel": {"sms"}, "phone": {"07700 900983"}, "email": {""},
			"address": {""}, "postcode": {""}, "quiet-hours": {"no"}})
		if r.url != "/account/messages/code" {
			t.Fatalf("saving landed on %s (%d)", r.url, r.status)
		}
		mustContain(t, r, "We are sending a text message with a 6-number code to 07700 900983")
		if code := live.sentCode(t, "carer"); strings.Contains(r.body, code) || strings.Contains(r.body, "Demo: this message was not sent") {
			t.Error("outside the demo the page shows the code")
		}
		r = live.browser(t).post("/sign-in/code", url.Values{"username": {"patient"}})
		if code := live.sentCode(t, "patient"); r.url != "/sign-in/code/enter" || strings.Contains(r.body, code) || strings.Contains(r.body, "Demo: this message was not sent") {
			t.Errorf("outside the demo the sign-in code page (%s) shows the code", r.url)
		}
	})
}
