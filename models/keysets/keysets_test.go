package keysets

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/outbound"

	"github.com/go-jose/go-jose/v4"
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

func TestLifetimeFollowsTheAnswersCachingWithinBounds(t *testing.T) {
	date := "Mon, 07 Dec 2026 12:00:00 GMT"
	for _, c := range []struct {
		name    string
		headers http.Header
		want    time.Duration
	}{
		{"no word on caching", http.Header{}, MinLifetime},
		{"max-age", http.Header{"Cache-Control": {"public, max-age=3600"}}, time.Hour},
		{"max-age less its age", http.Header{"Cache-Control": {"max-age=3600"}, "Age": {"600"}}, 50 * time.Minute},
		{"max-age under the floor", http.Header{"Cache-Control": {"max-age=10"}}, MinLifetime},
		{"max-age over the ceiling", http.Header{"Cache-Control": {"max-age=31536000"}}, MaxLifetime},
		{"max-age beyond any number", http.Header{"Cache-Control": {"max-age=99999999999999999999"}}, MinLifetime},
		{"max-age quoted", http.Header{"Cache-Control": {`max-age="7200"`}}, 2 * time.Hour},
		{"max-age upper case", http.Header{"Cache-Control": {"MAX-AGE=7200"}}, 2 * time.Hour},
		{"no-store", http.Header{"Cache-Control": {"no-store"}, "Expires": {"Tue, 08 Dec 2026 12:00:00 GMT"}, "Date": {date}}, MinLifetime},
		{"no-cache", http.Header{"Cache-Control": {"no-cache, max-age=3600"}}, MinLifetime},
		{"max-age before Expires", http.Header{"Cache-Control": {"max-age=1800"}, "Expires": {"Tue, 08 Dec 2026 12:00:00 GMT"}, "Date": {date}}, 30 * time.Minute},
		{"Expires against Date", http.Header{"Expires": {"Mon, 07 Dec 2026 14:00:00 GMT"}, "Date": {date}}, 2 * time.Hour},
		{"Expires past", http.Header{"Expires": {"Mon, 07 Dec 2026 11:00:00 GMT"}, "Date": {date}}, MinLifetime},
		{"Expires unreadable", http.Header{"Expires": {"0"}, "Date": {date}}, MinLifetime},
		{"Expires without Date", http.Header{"Expires": {"Mon, 07 Dec 2026 14:00:00 GMT"}}, MinLifetime},
	} {
		if got := lifetime(c.headers); got != c.want {
			t.Errorf("%s: kept %v, want %v", c.name, got, c.want)
		}
	}
}

// Each way a published key set can fail is told apart, in our own words.
func TestFetchTellsWhyAKeySetCannotBeUsed(t *testing.T) {
	answers := map[string]func(w http.ResponseWriter){
		"/gone":  func(w http.ResponseWriter) { http.Error(w, "internal detail", http.StatusServiceUnavailable) },
		"/html":  func(w http.ResponseWriter) { _, _ = w.Write([]byte("<html>internal detail</html>")) },
		"/empty": func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"keys":[]}`)) },
		"/wrong": func(w http.ResponseWriter) {
			_, _ = w.Write([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0","alg":"HS256"}]}`))
		},
		"/kept": func(w http.ResponseWriter) {
			w.Header().Set("Cache-Control", "max-age=7200")
			_, _ = w.Write([]byte(usableKeySet(t)))
		},
		"/default": func(w http.ResponseWriter) { _, _ = w.Write([]byte(usableKeySet(t))) },
	}
	published := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { answers[r.URL.Path](w) }))
	defer published.Close()
	for path, want := range map[string]error{"/gone": ErrRefused, "/html": ErrNotAKeySet, "/empty": ErrNoUsableKeys, "/wrong": ErrNoUsableKeys} {
		if _, err := Fetch(context.Background(), published.URL+path, true); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", path, err, want)
		}
	}
	for path, want := range map[string]time.Duration{"/kept": 2 * time.Hour, "/default": MinLifetime} {
		fetched, err := Fetch(context.Background(), published.URL+path, true)
		if err != nil || fetched.Lifetime != want || models.CheckPublicKeys(fetched.Keys) != "" {
			t.Errorf("%s: %v kept %v, want %v", path, err, fetched.Lifetime, want)
		}
	}
}

func usableKeySet(t *testing.T) string {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES384", Use: "sig"}}})
	return string(keys)
}
