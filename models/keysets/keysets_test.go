package keysets

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"healthpassport/models/outbound"
)

// A key set is fetched by the same rules as a webhook delivery: outside
// demo mode, this machine is refused when the connection is made.
func TestLiveKeySetsAreNotFetchedFromThisMachine(t *testing.T) {
	published := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"keys":[]}`)) }))
	defer published.Close()
	if _, err := Fetch(context.Background(), published.URL, false); !errors.Is(err, outbound.ErrPrivateAddress) {
		t.Errorf("live fetch from %s: %v", published.URL, err)
	}
}
