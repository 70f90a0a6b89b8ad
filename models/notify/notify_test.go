package notify_test

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"healthpassport/models/notify"
	"healthpassport/models/notify/notifytest"
)

var templates = notify.Templates{"sms": "sms-template", "email": "email-template", "letter": "letter-template",
	"prescription-ready.sms": "prescription-sms-template"}

func newClient(t *testing.T, apiKey string, fake *notifytest.Fake) *notify.Client {
	t.Helper()
	client, err := notify.New(apiKey, fake.URL, templates)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// Each channel posts the documented payload to its route, with a token
// the fake accepts (it checks the signature, iss and iat).
func TestSendPostsTheDocumentedPayloadWithAGoodToken(t *testing.T) {
	fake := notifytest.Start(t)
	client := newClient(t, notifytest.APIKey, fake)
	messages := []notify.Message{
		{Kind: "prescription-ready", Channel: notify.SMS, To: "07700 900982", Personalisation: map[string]string{"message": "Hello"}, Reference: "ref-1"},
		{Kind: "review-due", Channel: notify.Email, To: "jane@example.com", Personalisation: map[string]string{"message": "Hi"}, Reference: "ref-2"},
		{Kind: "review-due", Channel: notify.Letter, Address: []string{"1 High Street", "Leeds"}, Postcode: "LS1 4AP",
			Personalisation: map[string]string{"message": "Dear"}, Reference: "ref-3"},
	}
	for _, message := range messages {
		id, err := client.Send(t.Context(), message)
		if err != nil || id == "" {
			t.Fatalf("sending by %s: id %q, %v", message.Channel, id, err)
		}
	}
	requests := fake.Requests()
	want := []struct {
		path    string
		payload map[string]any
	}{
		{"/v2/notifications/sms", map[string]any{"phone_number": "07700 900982", "template_id": "prescription-sms-template",
			"personalisation": map[string]any{"message": "Hello"}, "reference": "ref-1"}},
		{"/v2/notifications/email", map[string]any{"email_address": "jane@example.com", "template_id": "email-template",
			"personalisation": map[string]any{"message": "Hi"}, "reference": "ref-2"}},
		{"/v2/notifications/letter", map[string]any{"template_id": "letter-template", "reference": "ref-3",
			"personalisation": map[string]any{"message": "Dear", "address_line_1": "1 High Street", "address_line_2": "Leeds", "address_line_3": "LS1 4AP"}}},
	}
	if len(requests) != len(want) {
		t.Fatalf("%d requests reached Notify, want %d", len(requests), len(want))
	}
	for i, w := range want {
		if requests[i].Path != w.path || !reflect.DeepEqual(requests[i].Payload, w.payload) {
			t.Errorf("request %d: %s %v, want %s %v", i, requests[i].Path, requests[i].Payload, w.path, w.payload)
		}
		if age := time.Since(requests[i].Issued); age > 5*time.Second {
			t.Errorf("request %d's token was issued %s ago", i, age)
		}
	}
	if fake.Refused() != 0 {
		t.Errorf("the fake refused %d tokens", fake.Refused())
	}
}

// A token signed with another secret, or naming another service, is
// refused; the refusal is not worth retrying.
func TestAWrongKeyIsRefused(t *testing.T) {
	fake := notifytest.Start(t)
	for name, key := range map[string]string{
		"wrong secret":  "passport_test-" + notifytest.ServiceID + "-00000000-0000-4000-8000-000000000000",
		"wrong service": "passport_test-00000000-0000-4000-8000-000000000000-" + notifytest.Secret,
	} {
		client := newClient(t, key, fake)
		_, err := client.Send(t.Context(), notify.Message{Kind: "review-due", Channel: notify.SMS, To: "07700 900982"})
		var notifyErr *notify.Error
		if !errors.As(err, &notifyErr) || notifyErr.StatusCode != http.StatusForbidden || notify.Retryable(err) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if fake.Refused() != 2 || len(fake.Requests()) != 0 {
		t.Errorf("refused %d, accepted %d", fake.Refused(), len(fake.Requests()))
	}
}

// Busy (429) and failing (5xx) answers may pass and are retryable; a
// refusal of the message (400) is not.
func TestRetryableAnswers(t *testing.T) {
	fake := notifytest.Start(t)
	client := newClient(t, notifytest.APIKey, fake)
	fake.AnswerNext(http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusBadRequest)
	message := notify.Message{Kind: "review-due", Channel: notify.SMS, To: "07700 900982"}
	for _, want := range []struct {
		status    int
		retryable bool
	}{{429, true}, {500, true}, {503, true}, {400, false}} {
		_, err := client.Send(t.Context(), message)
		var notifyErr *notify.Error
		if !errors.As(err, &notifyErr) || notifyErr.StatusCode != want.status || notify.Retryable(err) != want.retryable {
			t.Errorf("answer %d: %v (retryable %v)", want.status, err, notify.Retryable(err))
		}
	}
	if _, err := client.Send(t.Context(), message); err != nil {
		t.Errorf("after the refusals, sending failed: %v", err)
	}
}

func TestStatusReadsNotifysAnswer(t *testing.T) {
	fake := notifytest.Start(t)
	client := newClient(t, notifytest.APIKey, fake)
	id, err := client.Send(t.Context(), notify.Message{Kind: "review-due", Channel: notify.Email, To: "jane@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	fake.SetStatus(id, "delivered")
	if status, err := client.Status(t.Context(), id); err != nil || status != "delivered" {
		t.Errorf("status %q, %v", status, err)
	}
}

func TestNewChecksTheKeyAndAddress(t *testing.T) {
	for _, tc := range []struct{ key, base, want string }{
		{"short", "", "must end with the service id"},
		{notifytest.APIKey, "ftp://example.com", "not an http(s) address"},
	} {
		if _, err := notify.New(tc.key, tc.base, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%q, %q) = %v", tc.key, tc.base, err)
		}
	}
	if _, err := notify.New(notifytest.APIKey, "", nil); err != nil {
		t.Errorf("a good key with the default address: %v", err)
	}
	client, _ := notify.New(notifytest.APIKey, "", notify.Templates{})
	if _, err := client.Send(t.Context(), notify.Message{Kind: "x", Channel: notify.SMS}); !errors.Is(err, notify.ErrNoTemplate) || notify.Retryable(err) {
		t.Errorf("sending without a template: %v", err)
	}
}
