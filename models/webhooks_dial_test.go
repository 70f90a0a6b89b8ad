package models

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Outside demo mode a delivery connects only to a public address, checked
// once the name is looked up, so that a name pointed inside the network
// after registration is refused too.
func TestLiveDeliveriesConnectToPublicAddressesOnly(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer receiver.Close()
	local := strings.Replace(receiver.URL, "127.0.0.1", "localhost", 1)
	for _, address := range []string{receiver.URL, local} {
		if _, err := liveWebhookClient.Post(address, "application/json", nil); err == nil || !strings.Contains(err.Error(), "not a public address") {
			t.Errorf("live delivery to %s: %v", address, err)
		}
		res, err := demoWebhookClient.Post(address, "application/json", nil)
		if err != nil {
			t.Fatalf("demo delivery to %s: %v", address, err)
		}
		res.Body.Close()
	}
}
