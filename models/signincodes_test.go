package models_test

import (
	"testing"
	"time"

	"healthpassport/models"
)

func TestSignInContact(t *testing.T) {
	checked := time.Now()
	tests := []struct {
		name        string
		pref        models.NotificationPreference
		channel, to string
	}{
		{"nothing chosen", models.NotificationPreference{Channel: models.ChannelNone}, "", ""},
		{"unchecked number", models.NotificationPreference{Channel: models.ChannelSMS, Phone: "07700 900982"}, "", ""},
		{"unchecked email", models.NotificationPreference{Channel: models.ChannelEmail, Email: "a@example.com"}, "", ""},
		{"checked number", models.NotificationPreference{Channel: models.ChannelSMS, Phone: "07700 900982", PhoneVerifiedAt: &checked}, models.ChannelSMS, "07700 900982"},
		{"checked number, letters chosen", models.NotificationPreference{Channel: models.ChannelLetter, Phone: "07700 900982", PhoneVerifiedAt: &checked,
			Address: "1 High Street", Postcode: "LS1 4AP"}, models.ChannelSMS, "07700 900982"},
		{"checked email chosen over checked number", models.NotificationPreference{Channel: models.ChannelEmail, Email: "a@example.com", EmailVerifiedAt: &checked,
			Phone: "07700 900982", PhoneVerifiedAt: &checked}, models.ChannelEmail, "a@example.com"},
		{"unchecked email chosen, checked number", models.NotificationPreference{Channel: models.ChannelEmail, Email: "a@example.com",
			Phone: "07700 900982", PhoneVerifiedAt: &checked}, models.ChannelSMS, "07700 900982"},
		{"checked email, nothing chosen", models.NotificationPreference{Channel: models.ChannelNone, Email: "a@example.com", EmailVerifiedAt: &checked}, models.ChannelEmail, "a@example.com"},
		{"letter only", models.NotificationPreference{Channel: models.ChannelLetter, Address: "1 High Street", Postcode: "LS1 4AP"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			channel, to, ok := tt.pref.SignInContact()
			if channel != tt.channel || to != tt.to || ok != (tt.channel != "") {
				t.Errorf("SignInContact() = %q, %q, %v; want %q, %q", channel, to, ok, tt.channel, tt.to)
			}
		})
	}
}
