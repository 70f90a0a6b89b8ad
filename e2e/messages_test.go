package e2e

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"healthpassport/models"

	"github.com/go-rod/rod/lib/input"
)

var sentSecurityCode = regexp.MustCompile(`security code is (\d{6})`)

// TestPatientChoosesTextMessages: a patient chooses text messages with
// quiet hours, mends a mistake, and checks their number with the code the
// demo shows on the page, in a panel marked as a message not sent (no
// Notify key is set, so it went nowhere).
func TestPatientChoosesTextMessages(t *testing.T) {
	phones := map[bool]string{true: "07700 900301", false: "07700 900302"}
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("patient", demoPassword)
		v.visit("/account")
		v.press(`main a[href="/account/messages"]`)
		v.at("/account/messages")
		v.see("How would you like to hear from your clinic?")
		v.audit()

		v.focus("#channel-sms")
		v.must(v.page.Keyboard.Type(input.Space))
		v.typeInto("#phone", "0113 496 0000")
		v.press(`main form button[type="submit"]`)
		v.see("There is a problem", "Enter a UK mobile phone number")
		v.audit()

		v.replaceIn("#phone", phones[v.js])
		v.focus("#quiet-hours-yes")
		v.must(v.page.Keyboard.Type(input.Space))
		v.press(`main form button[type="submit"]`)
		v.at("/account/messages/code")
		v.see("Enter your security code", "We are sending a text message", phones[v.js],
			"Demo: this message was not sent", "would have gone to "+phones[v.js])
		v.audit()

		code := sentSecurityCode.FindStringSubmatch(v.html())
		if code == nil {
			t.Fatal("the demo's panel shows no code")
		}
		var message models.Notification
		v.must(st.DB().Where("kind = ? AND destination = ?", models.MessageSecurityCode, phones[v.js]).Order("id DESC").Take(&message).Error)
		if want := sentSecurityCode.FindStringSubmatch(message.Body); want == nil || want[1] != code[1] {
			t.Fatalf("the panel shows %s; the message holds %q", code[1], message.Body)
		}
		v.typeInto("#code", "12345")
		v.submit("#code")
		v.see("There is a problem", "Enter the 6 numbers")
		v.audit()
		v.replaceIn("#code", code[1])
		v.submit("#code")
		v.at("/account")
		v.see("We will send your messages there from now on")
	})
}

// TestAdministratorReadsThePrescriptionReadyMessage: a nurse marks a
// request ready to collect; the administrator's Messages page shows the
// message the carer, who chose text messages, would be sent. The nurse
// then prints a letter for a patient with no phone or email.
func TestAdministratorReadsThePrescriptionReadyMessage(t *testing.T) {
	db := st.DB()
	var amelia models.Patient
	var carer, patient models.User
	var plan models.ActionPlan
	v := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	v(db.Where("ref = ?", "demoamelia0000001").Take(&amelia).Error)
	v(db.Where("username = ?", "carer").Take(&carer).Error)
	v(db.Where("username = ?", "patient").Take(&patient).Error)
	v(db.Where("patient_id = ?", amelia.ID).First(&plan).Error)
	checked := time.Now()
	v(db.Save(&models.NotificationPreference{UserID: carer.ID, Channel: models.ChannelSMS, Phone: "07700 900456",
		PhoneVerifiedAt: &checked, UpdatedAt: checked}).Error)

	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		medicine := map[bool]string{true: "Clenil Modulite 100 micrograms", false: "Salbutamol 100 micrograms"}[v.js]
		// Finish any open request, so this run can have one of its own.
		v.must(db.Model(&models.PrescriptionRequest{}).Where("status IN ?", []string{models.RequestRequested, models.RequestApproved}).
			Update("status", models.RequestReady).Error)
		request := models.PrescriptionRequest{PatientID: amelia.ID, PlanID: plan.ID, Medicine: medicine, Status: models.RequestApproved,
			RequestedByID: patient.ID, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		v.must(db.Create(&request).Error)
		letter := models.Notification{Key: "e2e-letter-" + models.RandomToken(8), PatientID: &amelia.ID, OrganisationID: &amelia.PracticeID,
			Kind: models.MessageReviewDue, Channel: models.ChannelLetter, RecipientName: "Amelia Jones",
			Body: models.MessageText(models.MessageReviewDue, "", serverURL), Status: models.MessageToPrint,
			SendAfter: time.Now(), CreatedAt: time.Now()}
		v.must(db.Create(&letter).Error)

		v.signIn("nurse", demoPassword)
		v.visit("/queues/prescriptions")
		v.audit()
		v.press(`form[action="/queues/prescriptions/` + itoa(request.ID) + `"] button[type="submit"]`)
		v.see(medicine + " marked as ready to collect")

		v.press(`.nhsuk-header__navigation a[href="/letters"]`)
		v.at("/letters")
		v.see("Letters to print", "Review due soon")
		v.audit()
		v.press(`main a[href="/letters/` + itoa(letter.ID) + `"]`)
		v.see("Dear Amelia Jones", "It is nearly time for a review at your clinic")
		v.audit()
		v.press(`main form[action$="/printed"] button[type="submit"]`)
		v.at("/letters")
		v.see("Letter marked as printed")
		v.signOut()

		v.signIn("admin", demoPassword)
		v.visit("/messages")
		v.see("Prescription ready to collect", "Mobile ending 456", "There is something new in Amelia's passport: a repeat prescription is ready to collect.")
		v.notSee("07700 900456", medicine)
		v.audit()
	})
}

func itoa(id uint) string { return strconv.FormatUint(uint64(id), 10) }
