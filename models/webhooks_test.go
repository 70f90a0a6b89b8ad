package models_test

import (
	"strings"
	"testing"

	"healthpassport/models"
)

func TestCheckWebhookEndpoint(t *testing.T) {
	practices := []models.Organisation{{ID: 7, Name: "Riverside"}}
	valid := models.WebhookEntry{URL: "https://gp.example.org/events", PracticeID: "7", Events: []string{models.EventReviewRecorded}}
	with := func(change func(*models.WebhookEntry)) models.WebhookEntry {
		entry := valid
		change(&entry)
		return entry
	}
	tests := []struct {
		name  string
		entry models.WebhookEntry
		demo  bool
		want  []string // fields with errors, in order
	}{
		{"valid", valid, false, nil},
		{"http outside demo", with(func(e *models.WebhookEntry) { e.URL = "http://gp.example.org/events" }), false, []string{"url"}},
		{"http in demo", with(func(e *models.WebhookEntry) { e.URL = "http://127.0.0.1:9000/events" }), true, nil},
		{"loopback", with(func(e *models.WebhookEntry) { e.URL = "https://127.0.0.1/events" }), false, []string{"url"}},
		{"private", with(func(e *models.WebhookEntry) { e.URL = "https://10.1.2.3/events" }), false, []string{"url"}},
		{"link-local", with(func(e *models.WebhookEntry) { e.URL = "https://169.254.169.254/latest" }), false, []string{"url"}},
		{"IPv6 loopback", with(func(e *models.WebhookEntry) { e.URL = "https://[::1]/events" }), false, []string{"url"}},
		{"localhost", with(func(e *models.WebhookEntry) { e.URL = "https://localhost/events" }), false, []string{"url"}},
		{"credentials", with(func(e *models.WebhookEntry) { e.URL = "https://user:pw@gp.example.org/" }), false, []string{"url"}},
		{"user name only", with(func(e *models.WebhookEntry) { e.URL = "https://user@gp.example.org/" }), false, []string{"url"}},
		{"fragment", with(func(e *models.WebhookEntry) { e.URL = "https://gp.example.org/events#x" }), false, []string{"url"}},
		{"private network in demo", with(func(e *models.WebhookEntry) { e.URL = "http://192.168.1.20/events" }), true, []string{"url"}},
		{"not an address", with(func(e *models.WebhookEntry) { e.URL = "gp.example.org" }), false, []string{"url"}},
		{"empty", models.WebhookEntry{}, false, []string{"url", "practice", "events"}},
		{"another practice", with(func(e *models.WebhookEntry) { e.PracticeID = "8" }), false, []string{"practice"}},
		{"huge practice id", with(func(e *models.WebhookEntry) { e.PracticeID = "99999999999999999999999" }), false, []string{"practice"}},
		{"unknown event", with(func(e *models.WebhookEntry) { e.Events = []string{"review.recorded", "patient.deleted"} }), false, []string{"events"}},
		{"long description", with(func(e *models.WebhookEntry) { e.Description = strings.Repeat("a", 201) }), false, []string{"description"}},
	}
	for _, host := range privateHostSpellings {
		tests = append(tests, struct {
			name  string
			entry models.WebhookEntry
			demo  bool
			want  []string
		}{"private spelling " + host, with(func(e *models.WebhookEntry) { e.URL = "https://" + host + "/events" }), false, []string{"url"}})
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			endpoint, errs := models.CheckWebhookEndpoint(test.entry, practices, test.demo)
			var fields []string
			for _, e := range errs {
				fields = append(fields, e.Field)
			}
			if strings.Join(fields, ",") != strings.Join(test.want, ",") {
				t.Fatalf("errors %v, want on %v", errs, test.want)
			}
			if len(errs) == 0 && (endpoint.URL == "" || endpoint.OrganisationID != 7 || endpoint.Events == "") {
				t.Errorf("checked endpoint %+v", endpoint)
			}
		})
	}
}
