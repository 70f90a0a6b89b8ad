package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
)

// TestAdministratorRegistersAWebhookAndLooksAfterIt: on a phone, an
// administrator registers an endpoint, mending a mistake first, copies its
// secret, changes it, and later finds the endpoint switched off after
// failed deliveries, switches it back on and sends a delivery again.
func TestAdministratorRegistersAWebhookAndLooksAfterIt(t *testing.T) {
	bothWays(t, phone, func(t *testing.T, v *visitor) {
		address := "https://gp-system-" + onOff(v.js) + ".example.org/health-passport/events"
		v.signIn("admin", demoPassword)
		v.visit("/admin/webhooks")
		v.see("Webhooks", "Register an endpoint")
		v.audit()
		v.fitsWidth()
		v.press(`a[href="/admin/webhooks/new"]`)
		v.at("/admin/webhooks/new")
		v.audit()
		v.typeInto("#url", "gp-system.example.org")
		v.submit("#url")
		v.see("There is a problem", "Enter an address starting https://", "Select the practice whose events to send", "Select the events to send")
		v.audit()
		v.fitsWidth()
		v.replaceIn("#url", address)
		v.typeInto("#description", "Practice system listener")
		v.tick("#practice")
		v.tick("#events")
		v.tick("#events-2")
		v.submit("#url")
		v.see("Endpoint registered", "Signing secret", "It will not be shown again", address, "An action plan is published")
		v.audit()
		v.fitsWidth()

		var endpoint models.WebhookEndpoint
		st.DB().Where("url = ?", address).Take(&endpoint)
		secret, _, err := st.WebhookSecrets(&endpoint)
		if endpoint.ID == 0 || err != nil || !strings.Contains(v.html(), secret) {
			t.Fatalf("the new endpoint's page does not show its secret (%v)", err)
		}
		v.press(`form[action$="/secret"] button`)
		v.see("Signing secret changed")
		v.notSee(secret)
		v.audit()

		// A day of failed deliveries later, the endpoint is switched off.
		delivery := models.WebhookDelivery{EndpointID: endpoint.ID, MessageID: "msg_e2e" + onOff(v.js), EventType: models.EventPlanPublished,
			Payload: `{"type":"plan.published"}`, Status: models.DeliveryFailed, Attempts: 8, CreatedAt: time.Now().Add(-28 * time.Hour)}
		st.DB().Create(&delivery)
		st.DB().Create(&models.WebhookAttempt{DeliveryID: delivery.ID, AttemptedAt: time.Now(), StatusCode: 503, DurationMS: 120, Failure: "the endpoint answered 503"})
		st.DB().Model(&models.WebhookEndpoint{}).Where("id = ?", endpoint.ID).
			Updates(map[string]any{"disabled_at": time.Now(), "disabled_reason": "Switched off today: 8 attempts to deliver an event failed over 27h30m0s."})
		v.visit("/admin/webhooks")
		v.see("An endpoint was switched off", address)
		v.audit()
		v.fitsWidth()
		v.press(fmt.Sprintf(`.nhsuk-warning-callout a[href="/admin/webhooks/%d"]`, endpoint.ID))
		v.see("This endpoint is switched off", "Failed after 8 attempts", "answered 503 in 120 ms")
		v.audit()
		v.fitsWidth()
		v.press(`form[action$="/enable"] button`)
		v.see("Endpoint switched back on", "Send again")
		v.audit()
		v.press(`form[action$="/replay"] button`)
		v.see("will be sent again", "Sending again: 8 attempts so far")
		v.audit()
	})
}

// TestAdministratorPausesResumesAndDeletesAWebhook: on a phone, an
// administrator pauses an endpoint, resumes it, and deletes it after the
// page that asks.
func TestAdministratorPausesResumesAndDeletesAWebhook(t *testing.T) {
	bothWays(t, phone, func(t *testing.T, v *visitor) {
		var riverside models.Organisation
		st.DB().Where("ods_code = ?", "Y90001").Take(&riverside)
		address := "https://pause-" + onOff(v.js) + ".example.org/events"
		endpoint, err := st.RegisterWebhook(t.Context(), models.Actor{}, models.WebhookEndpoint{OrganisationID: riverside.ID,
			URL: address, Events: models.EventShareCreated})
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/admin/webhooks/%d", endpoint.ID)
		v.signIn("admin", demoPassword)
		v.visit(path)
		v.see("Pause or delete", "Pause this endpoint", "Delete this endpoint")
		v.press(`form[action$="/pause"] button`)
		v.see("Endpoint paused", "This endpoint is paused", "Resume")
		v.audit()
		v.fitsWidth()
		v.press(`form[action$="/resume"] button`)
		v.see("Endpoint resumed", "Pause this endpoint")
		v.press(`a[href$="/delete"]`)
		v.at(path + "/delete")
		v.see("Delete this webhook endpoint", address)
		v.audit()
		v.fitsWidth()
		v.press(`form[action$="/delete"] button`)
		v.at("/admin/webhooks")
		v.see("Endpoint deleted")
		v.notSee("Pause this endpoint")
		v.audit()
	})
}
