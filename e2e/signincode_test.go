package e2e

import (
	"context"
	"regexp"
	"testing"
	"time"

	"healthpassport/models"
)

var sentSignInCode = regexp.MustCompile(`code to sign in is (\d{6})`)

// TestForgottenPasswordIsResetWithACode: a carer who has forgotten their
// password follows "Forgotten your password?", asks for a code by
// username, types it (first wrongly), and sets a new password (first one
// the rules refuse). No Notify key is set, so the code is in the outbox.
func TestForgottenPasswordIsResetWithACode(t *testing.T) {
	phones := map[bool]string{true: "07700 900311", false: "07700 900312"}
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		username := "forgetful-" + onOff(v.js)
		user := forgetfulCarer(t, username, phones[v.js])

		v.visit("/sign-in")
		v.press(`main a[href="/sign-in/code"]`)
		v.at("/sign-in/code")
		v.see("Sign in with a security code", "locked out", "ask your clinic for a new activation code", "Continue with NHS login")
		v.audit()

		v.press(`main form[action="/sign-in/code"] button[type="submit"]`)
		v.see("There is a problem", "Enter your username")
		v.audit()

		v.typeInto("#username", username)
		v.submit("#username")
		v.at("/sign-in/code/enter")
		v.see("Enter the code we sent you", "If "+username+" has a confirmed mobile phone number")
		v.audit()

		var message models.Notification
		v.must(st.DB().Where("user_id = ? AND kind = ?", user.ID, models.MessageSecurityCode).Order("id DESC").Take(&message).Error)
		code := sentSignInCode.FindStringSubmatch(message.Body)
		if code == nil {
			t.Fatalf("no code in %q", message.Body)
		}
		v.typeInto("#code", "12345")
		v.submit("#code")
		v.see("There is a problem", "Enter the 6 numbers of the code we sent you")
		v.audit()
		v.replaceIn("#code", code[1])
		v.submit("#code")
		v.at("/account/password/new")
		v.see("Set a new password", "Keep your current password")
		v.audit()

		v.typeInto("#new-password", "password1")
		v.submit("#new-password")
		v.see("There is a problem")
		v.audit()
		v.replaceIn("#new-password", "copper kettle meadow lantern")
		v.submit("#new-password")
		v.at("/account")
		v.see("Your new password is set. We have signed you out everywhere else")
		v.audit()
	})
}

// forgetfulCarer makes a carer's account with a mobile number confirmed
// for messages.
func forgetfulCarer(t *testing.T, username, phone string) *models.User {
	t.Helper()
	hash, err := models.HashPassword(context.Background(), demoPassword)
	if err != nil {
		t.Fatal(err)
	}
	user := models.User{Username: username, PasswordHash: hash, Role: models.RoleCarer, DisplayName: "Robin Forgetful"}
	checked := time.Now()
	if err := st.DB().Create(&user).Error; err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Save(&models.NotificationPreference{UserID: user.ID, Channel: models.ChannelSMS, Phone: phone,
		PhoneVerifiedAt: &checked, UpdatedAt: checked}).Error; err != nil {
		t.Fatal(err)
	}
	return &user
}
