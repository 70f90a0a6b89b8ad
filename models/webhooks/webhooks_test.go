package webhooks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"healthpassport/models/outbound"
)

// Outside demo mode a delivery connects only to a public address, checked
// once the name is looked up, so that a name pointed inside the network
// after registration is refused too. Demo mode reaches this machine, where
// the demo's receivers run.
func TestLiveDeliveriesConnectToPublicAddressesOnly(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer receiver.Close()
	local := strings.Replace(receiver.URL, "127.0.0.1", "localhost", 1)
	for _, address := range []string{receiver.URL, local} {
		if _, err := liveClient.Post(context.Background(), address, nil, nil); !errors.Is(err, outbound.ErrPrivateAddress) {
			t.Errorf("live delivery to %s: %v", address, err)
		}
		if res, err := demoClient.Post(context.Background(), address, nil, nil); err != nil || res.StatusCode != http.StatusNoContent {
			t.Fatalf("demo delivery to %s: %v", address, err)
		}
	}
}
