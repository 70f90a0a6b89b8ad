package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

var secretPattern = regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`)

func TestAdministratorRegistersAnEndpointAndSeesItsSecretOnce(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin := s.browser(t)
		admin.signIn("admin")
		mustContain(t, admin.get("/admin/webhooks"), "Webhooks", "No endpoints are registered yet")
		form := admin.get("/admin/webhooks/new")
		mustStatus(t, form, http.StatusOK)
		mustContain(t, form, "Register a webhook endpoint", "A patient records a red-zone reading")
		var riverside models.Organisation
		s.db.Where("ods_code = ?", "Y90001").Take(&riverside)
		practice := strconv.FormatUint(uint64(riverside.ID), 10)

		refused := []struct {
			name   string
			form   url.Values
			errors []string
		}{
			{"empty", url.Values{}, []string{"Enter the address to send events to", "Select the practice whose events to send", "Select the events to send"}},
			{"not an address", url.Values{"url": {"gp-system"}, "practice": {practice}, "events": {models.EventReviewRecorded}},
				[]string{"Enter an address starting https:// or http://"}},
			{"hidden characters", url.Values{"url": {"https://gp.example.org/\x00ev\xffents"}, "practice": {practice}, "events": {models.EventReviewRecorded}},
				[]string{"hidden characters"}},
			{"huge practice id", url.Values{"url": {"https://gp.example.org/events"}, "practice": {"99999999999999999999999999"}, "events": {models.EventReviewRecorded}},
				[]string{"Select the practice whose events to send"}},
			{"another ICB's practice", url.Values{"url": {"https://gp.example.org/events"}, "practice": {"0"}, "events": {models.EventReviewRecorded}},
				[]string{"Select the practice whose events to send"}},
			{"unknown event", url.Values{"url": {"https://gp.example.org/events"}, "practice": {practice}, "events": {"patient.deleted"}},
				[]string{"Select the events to send"}},
		}
		for _, test := range refused {
			r := admin.post("/admin/webhooks/new", test.form)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: answered %d; want 422", test.name, r.status)
				continue
			}
			mustContain(t, r, append(test.errors, "There is a problem", "Error: Register a webhook endpoint")...)
			if strings.Contains(r.body, "\x00") || strings.Contains(r.body, "\xff") {
				t.Errorf("%s: the page shows hidden characters back", test.name)
			}
		}
		r := admin.post("/admin/webhooks/new", url.Values{"url": {"gp-system"}, "description": {"EMIS listener"}, "practice": {practice}})
		mustContain(t, r, `value="gp-system"`, `value="EMIS listener"`)
		if s.count(&models.WebhookEndpoint{}) != 0 {
			t.Fatal("a refused endpoint was saved")
		}

		r = admin.post("/admin/webhooks/new", url.Values{"url": {"https://gp.example.org/events"}, "description": {"EMIS listener"},
			"practice": {practice}, "events": {models.EventRedZoneReading, models.EventCarerLinked}})
		mustStatus(t, r, http.StatusOK)
		if !strings.HasPrefix(r.url, "/admin/webhooks/") {
			t.Fatalf("registering landed on %s", r.url)
		}
		var endpoint models.WebhookEndpoint
		s.db.Take(&endpoint)
		secret, _, err := s.store.WebhookSecrets(&endpoint)
		if err != nil || !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("the endpoint's secret %q does not open: %v", secret, err)
		}
		notStoredInPlainText(t, s.db, secret)
		if secretPattern.FindString(r.body) != secret || endpoint.Events != models.EventRedZoneReading+" "+models.EventCarerLinked {
			t.Fatalf("page shows secret %q; endpoint %+v", secretPattern.FindString(r.body), endpoint)
		}
		mustContain(t, r, "It will not be shown again", "A carer is added", "Endpoint registered")
		if again := admin.get(r.url); secretPattern.MatchString(again.body) {
			t.Error("the secret was shown a second time")
		}
		if s.auditCount(models.AuditWebhookRegistered, strconv.FormatUint(uint64(endpoint.ID), 10)) != 1 {
			t.Error("registering was not audited")
		}

		// Changing the secret shows the new one once and keeps the old for the overlap.
		r = admin.post(r.url+"/secret", url.Values{})
		var rotated models.WebhookEndpoint
		s.db.Take(&rotated, endpoint.ID)
		newSecret, previous, err := s.store.WebhookSecrets(&rotated)
		if err != nil {
			t.Fatal(err)
		}
		notStoredInPlainText(t, s.db, newSecret)
		if secretPattern.FindString(r.body) != newSecret || newSecret == secret || previous != secret ||
			rotated.PreviousSecretUntil == nil || rotated.PreviousSecretUntil.Before(time.Now().Add(23*time.Hour)) {
			t.Errorf("after rotating: page shows %q, endpoint %+v", secretPattern.FindString(r.body), rotated)
		}
		mustContain(t, admin.get("/admin/webhooks"), "https://gp.example.org/events", "Riverside Health Centre", "Active")

		nurse := s.browser(t)
		nurse.signIn("nurse")
		mustStatus(t, nurse.get("/admin/webhooks"), http.StatusForbidden)
		mustStatus(t, nurse.get(webhookURL(endpoint)), http.StatusForbidden)
	})
}

// notStoredInPlainText fails the test if the secret is anywhere in the
// endpoints' or the sessions' tables as written.
func notStoredInPlainText(t *testing.T, db *gorm.DB, secret string) {
	t.Helper()
	body := strings.TrimPrefix(secret, "whsec_")
	var stored []string
	for _, query := range []string{"SELECT secret FROM webhook_endpoints", "SELECT previous_secret FROM webhook_endpoints", "SELECT data FROM sessions"} {
		var values []string
		if err := db.Raw(query).Scan(&values).Error; err != nil {
			t.Fatal(err)
		}
		stored = append(stored, values...)
	}
	if len(stored) < 3 {
		t.Fatalf("read %d stored values; want an endpoint and a session at least", len(stored))
	}
	for _, value := range stored {
		if strings.Contains(value, body) {
			t.Errorf("the secret is stored in plain text: %q", value)
		}
	}
}

func webhookURL(endpoint models.WebhookEndpoint) string {
	return "/admin/webhooks/" + strconv.FormatUint(uint64(endpoint.ID), 10)
}

func TestSwitchedOffEndpointIsNoticedSwitchedBackOnAndReplayed(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var riverside models.Organisation
		s.db.Where("ods_code = ?", "Y90001").Take(&riverside)
		endpoint, err := s.store.RegisterWebhook(t.Context(), models.Actor{}, models.WebhookEndpoint{OrganisationID: riverside.ID,
			URL: "https://gp.example.org/events", Events: models.EventShareCreated})
		if err != nil {
			t.Fatal(err)
		}
		// Amelia shares her emergency page: the delivery is queued with the share.
		patient := s.browser(t)
		patient.signIn("patient")
		mustStatus(t, patient.post("/passport/"+ameliaRef+"/shares", url.Values{"recipient": {"Riverside School"}, "days": {"30"}}), http.StatusOK)
		var delivery models.WebhookDelivery
		if err := s.db.Take(&delivery).Error; err != nil {
			t.Fatal("no delivery was queued with the share")
		}
		if delivery.EventType != models.EventShareCreated || strings.Contains(delivery.Payload, "Riverside School") ||
			!strings.Contains(delivery.Payload, `"patient":"Patient/`+ameliaRef+`"`) {
			t.Errorf("delivery %+v", delivery)
		}
		reason := "Switched off on 1 January 2027 at 9:00am: 8 attempts to deliver an event failed over 27h30m0s."
		s.db.Model(&models.WebhookDelivery{}).Where("id = ?", delivery.ID).Updates(map[string]any{"status": models.DeliveryFailed, "attempts": 8})
		s.db.Create(&models.WebhookAttempt{DeliveryID: delivery.ID, AttemptedAt: time.Now(), StatusCode: 503, DurationMS: 41, Failure: "the endpoint answered 503"})
		s.db.Model(&models.WebhookEndpoint{}).Where("id = ?", endpoint.ID).Updates(map[string]any{"disabled_at": time.Now(), "disabled_reason": reason})

		admin := s.browser(t)
		admin.signIn("admin")
		mustContain(t, admin.get("/admin/webhooks"), "An endpoint was switched off", reason, "Switched off")
		page := admin.get(webhookURL(*endpoint))
		mustContain(t, page, "This endpoint is switched off", "Failed after 8 attempts", "answered 503 in 41 ms", "Switch back on")
		if strings.Contains(page.body, "Send again") {
			t.Error("a switched-off endpoint offers to send again")
		}
		mustContain(t, admin.post(webhookURL(*endpoint)+"/enable", url.Values{}), "Endpoint switched back on", "Send again")
		var jobsBefore int64
		s.db.Table("river_job").Where("kind = ?", store.WebhookArgs{}.Kind()).Count(&jobsBefore)
		replay := webhookURL(*endpoint) + "/deliveries/" + strconv.FormatUint(uint64(delivery.ID), 10) + "/replay"
		mustContain(t, admin.post(replay, url.Values{}), "will be sent again", "Sending again: 8 attempts so far")
		var jobsAfter int64
		s.db.Table("river_job").Where("kind = ?", store.WebhookArgs{}.Kind()).Count(&jobsAfter)
		if jobsAfter != jobsBefore+1 {
			t.Errorf("%d delivery jobs after the replay, %d before", jobsAfter, jobsBefore)
		}
		for _, action := range []string{models.AuditWebhookEnabled, models.AuditWebhookReplayed} {
			if s.auditCount(action, strconv.FormatUint(uint64(endpoint.ID), 10)) != 1 {
				t.Errorf("%s was not audited", action)
			}
		}
		mustStatus(t, admin.post(webhookURL(*endpoint)+"/deliveries/999999/replay", url.Values{}), http.StatusNotFound)
	})
}

// TestEndpointIsPausedResumedAndDeleted: a paused endpoint is queued
// nothing, and what was waiting is not sent; resumed, it is sent events
// again; deleted, after a page that asks, it goes with its deliveries.
// Each is audited, needs the form's anti-forgery token, and reaches only
// the administrator's own practices' endpoints.
func TestEndpointIsPausedResumedAndDeleted(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var riverside models.Organisation
		s.db.Where("ods_code = ?", "Y90001").Take(&riverside)
		endpoint, err := s.store.RegisterWebhook(t.Context(), models.Actor{}, models.WebhookEndpoint{OrganisationID: riverside.ID,
			URL: "https://gp.example.org/events", Events: models.EventShareCreated})
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatUint(uint64(endpoint.ID), 10)
		deliveries := func(status string) int64 {
			var n int64
			s.db.Model(&models.WebhookDelivery{}).Where("endpoint_id = ? AND status = ?", endpoint.ID, status).Count(&n)
			return n
		}
		patient := s.browser(t)
		patient.signIn("patient")
		share := func(school string) {
			t.Helper()
			mustStatus(t, patient.post("/passport/"+ameliaRef+"/shares", url.Values{"recipient": {school}, "days": {"30"}}), http.StatusOK)
		}
		share("Riverside School")
		if deliveries(models.DeliveryPending) != 1 {
			t.Fatal("no delivery was queued for the active endpoint")
		}

		admin := s.browser(t)
		admin.signIn("admin")
		mustContain(t, admin.get(webhookURL(*endpoint)), "Pause this endpoint", "Delete this endpoint")
		if r := admin.postRaw(webhookURL(*endpoint)+"/pause", url.Values{}); r.status != http.StatusForbidden {
			t.Errorf("a pause without the anti-forgery token: %d", r.status)
		}
		r := admin.post(webhookURL(*endpoint)+"/pause", url.Values{})
		mustContain(t, r, "Endpoint paused", "This endpoint is paused", "Resume")
		if strings.Contains(r.body, "This endpoint is switched off") || strings.Contains(r.body, "Send again") {
			t.Error("a paused endpoint reads as switched off after failures, or offers to send again")
		}
		if deliveries(models.DeliveryPending) != 0 || deliveries(models.DeliveryFailed) != 1 {
			t.Error("the delivery waiting when the endpoint was paused is still to be sent")
		}
		list := admin.get("/admin/webhooks")
		mustContain(t, list, "Paused")
		if strings.Contains(list.body, "An endpoint was switched off") {
			t.Error("a paused endpoint is announced as switched off after failures")
		}
		share("Hillside Academy")
		if deliveries(models.DeliveryPending) != 0 {
			t.Error("an event was queued for a paused endpoint")
		}
		mustContain(t, admin.post(webhookURL(*endpoint)+"/pause", url.Values{}), "already paused")

		mustContain(t, admin.post(webhookURL(*endpoint)+"/resume", url.Values{}), "Endpoint resumed", "Pause this endpoint", "Send again")
		share("Park Lane Primary")
		if deliveries(models.DeliveryPending) != 1 {
			t.Error("no event was queued once the endpoint was resumed")
		}
		mustContain(t, admin.post(webhookURL(*endpoint)+"/resume", url.Values{}), "was not paused")

		// Another ICB's endpoint is out of reach.
		elsewhere := models.Organisation{Kind: models.OrganisationPractice, Name: "Elsewhere Surgery", ODSCode: "Z99999"}
		s.db.Create(&elsewhere)
		theirs, err := s.store.RegisterWebhook(t.Context(), models.Actor{}, models.WebhookEndpoint{OrganisationID: elsewhere.ID,
			URL: "https://elsewhere.example.org/events", Events: models.EventShareCreated})
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/pause", "/resume", "/delete"} {
			if r := admin.post(webhookURL(*theirs)+path, url.Values{}); r.status != http.StatusForbidden {
				t.Errorf("%s on another ICB's endpoint: %d", path, r.status)
			}
		}
		if err := s.db.Take(theirs, theirs.ID).Error; err != nil || theirs.PausedAt != nil {
			t.Errorf("another ICB's endpoint was changed: %+v, %v", theirs, err)
		}

		confirm := admin.get(webhookURL(*endpoint) + "/delete")
		mustStatus(t, confirm, http.StatusOK)
		mustContain(t, confirm, "Delete this webhook endpoint", "https://gp.example.org/events", "Delete endpoint")
		if s.count(&models.WebhookEndpoint{}) != 2 {
			t.Error("asking to delete deleted")
		}
		mustContain(t, admin.post(webhookURL(*endpoint)+"/delete", url.Values{}), "Endpoint deleted: https://gp.example.org/events", "Webhooks")
		var left int64
		s.db.Model(&models.WebhookDelivery{}).Where("endpoint_id = ?", endpoint.ID).Count(&left)
		if s.count(&models.WebhookEndpoint{}) != 1 || left != 0 {
			t.Errorf("after deleting: %d endpoints, %d of its deliveries", s.count(&models.WebhookEndpoint{}), left)
		}
		mustStatus(t, admin.get(webhookURL(*endpoint)), http.StatusForbidden)
		for _, action := range []string{models.AuditWebhookPaused, models.AuditWebhookResumed, models.AuditWebhookDeleted} {
			if s.auditCount(action, id) != 1 {
				t.Errorf("%s was not audited once", action)
			}
		}
	})
}
