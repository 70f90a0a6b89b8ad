package models_test

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"healthpassport/models"
)

func utc(text string) time.Time {
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		panic(err)
	}
	return t
}

// Quiet hours are 21:00 to 08:00 in the UK, on GMT and on BST, and on the
// nights the clocks change.
func TestSendTimeKeepsQuietHoursInUKTime(t *testing.T) {
	for _, tc := range []struct {
		name          string
		now           string
		quiet, urgent bool
		want          string
	}{
		{"winter day", "2026-01-15T12:00:00Z", true, false, "2026-01-15T12:00:00Z"},
		{"winter evening waits for the morning", "2026-01-15T21:00:00Z", true, false, "2026-01-16T08:00:00Z"},
		{"winter small hours wait the same morning", "2026-01-16T03:30:00Z", true, false, "2026-01-16T08:00:00Z"},
		{"one minute before the end of winter quiet", "2026-01-16T07:59:00Z", true, false, "2026-01-16T08:00:00Z"},
		{"the end of quiet hours sends at once", "2026-01-16T08:00:00Z", true, false, "2026-01-16T08:00:00Z"},
		{"just before quiet hours", "2026-01-15T20:59:59Z", true, false, "2026-01-15T20:59:59Z"},
		{"summer 20:30 UTC is 21:30 BST", "2026-07-01T20:30:00Z", true, false, "2026-07-02T07:00:00Z"},
		{"summer 07:30 UTC is 08:30 BST", "2026-07-02T07:30:00Z", true, false, "2026-07-02T07:30:00Z"},
		{"the night the clocks go forward", "2026-03-28T22:00:00Z", true, false, "2026-03-29T07:00:00Z"},
		{"the night the clocks go back", "2026-10-24T20:30:00Z", true, false, "2026-10-25T08:00:00Z"},
		{"urgent goes at night", "2026-01-15T23:00:00Z", true, true, "2026-01-15T23:00:00Z"},
		{"no quiet hours chosen", "2026-01-15T23:00:00Z", false, false, "2026-01-15T23:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := models.SendTime(utc(tc.now), tc.quiet, tc.urgent); !got.Equal(utc(tc.want)) {
				t.Errorf("SendTime(%s) = %s, want %s", tc.now, got.UTC().Format(time.RFC3339), tc.want)
			}
		})
	}
}

// Who is told of what: red readings only reach carers who may act;
// prescriptions and shares those who may act; reviews everyone; never the
// person who caused it.
func TestToldPicksWhoHearsOfEachKind(t *testing.T) {
	patient := models.Reader{UserID: 1, Role: models.RolePatient}
	actingCarer := models.Reader{UserID: 2, Role: models.RoleCarer, Permission: models.PermissionAct}
	viewingCarer := models.Reader{UserID: 3, Role: models.RoleCarer, Permission: models.PermissionView}
	everyone := []models.Reader{patient, actingCarer, viewingCarer}
	for _, tc := range []struct {
		kind   string
		except uint
		want   []uint
	}{
		{models.MessageRedReading, 1, []uint{2}},
		{models.MessageRedReading, 2, nil},
		{models.MessagePrescriptionReady, 0, []uint{1, 2}},
		{models.MessageShareExpiring, 0, []uint{1, 2}},
		{models.MessageReviewDue, 0, []uint{1, 2, 3}},
		{models.MessageReviewOverdue, 3, []uint{1, 2}},
	} {
		var got []uint
		for _, reader := range models.Told(tc.kind, everyone, tc.except) {
			got = append(got, reader.UserID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s, except %d: told %v, want %v", tc.kind, tc.except, got, tc.want)
		}
	}
}

func TestDeliveryOnlyToCheckedContacts(t *testing.T) {
	checked := time.Now()
	for _, tc := range []struct {
		name        string
		pref        models.NotificationPreference
		wantChannel string
		wantOK      bool
	}{
		{"nothing chosen", models.NotificationPreference{Channel: models.ChannelNone, Phone: "07700 900982", PhoneVerifiedAt: &checked}, "", false},
		{"unchecked number", models.NotificationPreference{Channel: models.ChannelSMS, Phone: "07700 900982"}, models.ChannelSMS, false},
		{"checked number", models.NotificationPreference{Channel: models.ChannelSMS, Phone: "07700 900982", PhoneVerifiedAt: &checked}, models.ChannelSMS, true},
		{"checked number, email chosen", models.NotificationPreference{Channel: models.ChannelEmail, Email: "a@example.com", PhoneVerifiedAt: &checked}, models.ChannelEmail, false},
		{"checked email", models.NotificationPreference{Channel: models.ChannelEmail, Email: "a@example.com", EmailVerifiedAt: &checked}, models.ChannelEmail, true},
		{"letter with address", models.NotificationPreference{Channel: models.ChannelLetter, Address: "1 High Street\nLeeds", Postcode: "LS1 4AP"}, models.ChannelLetter, true},
	} {
		channel, _, ok := tc.pref.Delivery()
		if ok != tc.wantOK || (ok && channel != tc.wantChannel) {
			t.Errorf("%s: Delivery() = %q, %v; want %q, %v", tc.name, channel, ok, tc.wantChannel, tc.wantOK)
		}
	}
}

func TestMaskDestinationHidesMostOfIt(t *testing.T) {
	for _, tc := range []struct{ channel, destination, want string }{
		{models.ChannelSMS, "07700 900982", "Mobile ending 982"},
		{models.ChannelSMS, "+44 7700 900123", "Mobile ending 123"},
		{models.ChannelEmail, "jane.smith@example.com", "j…@example.com"},
		{models.ChannelEmail, "élodie@example.com", "é…@example.com"},
		{models.ChannelLetter, "1 High Street\nLeeds\nLS1 4AP", "Letter to postcode LS1 …"},
		{models.ChannelLetter, "", "Letter to print for the clinic to hand over"},
	} {
		if got := models.MaskDestination(tc.channel, tc.destination); got != tc.want {
			t.Errorf("MaskDestination(%q, %q) = %q, want %q", tc.channel, tc.destination, got, tc.want)
		}
	}
}

// Messages name no condition, reading or medicine.
func TestMessageTextSaysOnlyThatThereIsSomethingNew(t *testing.T) {
	for kind := range models.MessageKindNames {
		if kind == models.MessageSecurityCode {
			continue
		}
		text := models.MessageText(kind, "Amelia", "https://passport.example")
		for _, clinical := range []string{"red", "zone", "peak flow", "asthma", "inhaler", "reading"} {
			if containsFold(text, clinical) {
				t.Errorf("%s says %q: %s", kind, clinical, text)
			}
		}
		if !containsFold(text, "https://passport.example") {
			t.Errorf("%s does not say where to sign in: %s", kind, text)
		}
	}
	if got := models.MessageText(models.MessageRedReading, "Amelia", "https://p.example"); got != "There is something new in Amelia's passport. Sign in at https://p.example to see it." {
		t.Errorf("a carer's message reads %q", got)
	}
}

// containsFold reports whether text has word as a whole word, in any case.
func containsFold(text, word string) bool {
	return regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(word) + `\b`).MatchString(text)
}

func TestCheckPreferences(t *testing.T) {
	for _, tc := range []struct {
		name  string
		entry models.PreferencesEntry
		want  models.FieldErrors
	}{
		{"nothing chosen", models.PreferencesEntry{}, models.FieldErrors{
			{Field: "channel-sms", Message: "Select how you would like to hear from your clinic"},
			{Field: "quiet-hours-yes", Message: "Select whether we may send messages at night"}}},
		{"no messages", models.PreferencesEntry{Channel: "none", QuietHours: "no"}, nil},
		{"text with no number", models.PreferencesEntry{Channel: "sms", QuietHours: "yes"}, models.FieldErrors{
			{Field: "phone", Message: "Enter a mobile phone number"}}},
		{"text to a landline", models.PreferencesEntry{Channel: "sms", Phone: "0113 496 0000", QuietHours: "yes"}, models.FieldErrors{
			{Field: "phone", Message: "Enter a UK mobile phone number, like 07700 900 982"}}},
		{"text to a mobile", models.PreferencesEntry{Channel: "sms", Phone: "07700 900982", QuietHours: "yes"}, nil},
		{"international mobile", models.PreferencesEntry{Channel: "sms", Phone: "+44 7700 900982", QuietHours: "yes"}, nil},
		{"email with a bad address", models.PreferencesEntry{Channel: "email", Email: "jane@", QuietHours: "no"}, models.FieldErrors{
			{Field: "email", Message: "Enter an email address in the correct format, like name@example.com"}}},
		{"letter with no address", models.PreferencesEntry{Channel: "letter", QuietHours: "no"}, models.FieldErrors{
			{Field: "address", Message: "Enter your address"}, {Field: "postcode", Message: "Enter your postcode"}}},
		{"letter on one line", models.PreferencesEntry{Channel: "letter", Address: "1 High Street Leeds", Postcode: "LS1 4AP", QuietHours: "no"}, models.FieldErrors{
			{Field: "address", Message: "Enter your address on 2 lines or more, like your house and street, then your town"}}},
		{"letter with a bad postcode", models.PreferencesEntry{Channel: "letter", Address: "1 High Street\nLeeds", Postcode: "LS1", QuietHours: "no"}, models.FieldErrors{
			{Field: "postcode", Message: "Enter a real postcode, like LS1 4AP"}}},
		{"letter", models.PreferencesEntry{Channel: "letter", Address: "1 High Street\r\n\r\nLeeds ", Postcode: "ls1  4ap", QuietHours: "no"}, nil},
		{"a channel not offered", models.PreferencesEntry{Channel: "pigeon", QuietHours: "no"}, models.FieldErrors{
			{Field: "channel-sms", Message: "Select how you would like to hear from your clinic"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := models.CheckPreferences(tc.entry)
			if !slices.Equal(errs, tc.want) {
				t.Errorf("errors %v, want %v", errs, tc.want)
			}
		})
	}
	pref, _ := models.CheckPreferences(models.PreferencesEntry{Channel: "letter", Address: "1 High Street\r\n\r\nLeeds ", Postcode: "ls1  4ap", QuietHours: "yes"})
	if pref.Address != "1 High Street\nLeeds" || pref.Postcode != "LS1 4AP" || !pref.QuietHours {
		t.Errorf("kept %+v", pref)
	}
}
