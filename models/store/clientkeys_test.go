package store_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/keysets"
	"healthpassport/models/modelstest"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"gorm.io/gorm"
)

const testTokenURL = "https://passport.test/oauth/token"

// A fetched key set is kept for as long as its answer's max-age says, on
// the store's clock: a key withdrawn at the address still works until
// then, and is refused once the set is fetched again after it.
func TestFetchedKeysAreKeptForTheirMaxAge(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		st.SetClock(func() time.Time { return now })
		old, replacement := newECKey(t), newECKey(t)
		var (
			mu        sync.Mutex
			published = []jose.JSONWebKey{publicKey(old, "old")}
			fetches   atomic.Int32
		)
		server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fetches.Add(1)
			mu.Lock()
			defer mu.Unlock()
			w.Header().Set("Cache-Control", "max-age=3600")
			json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: published})
		}))
		defer server.Close()
		fetched, err := keysets.Fetch(t.Context(), server.URL, true)
		if err != nil {
			t.Fatal(err)
		}
		client, err := st.CreateAPIClient(t.Context(), models.NewAPIClient{Name: "Published", ODSCode: "Y90001", Scopes: []string{"system/Patient.read"},
			PublicKeys: fetched.Keys, KeysURL: server.URL, KeysLifetime: fetched.Lifetime})
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		published = []jose.JSONWebKey{publicKey(replacement, "new")}
		mu.Unlock()

		now = now.Add(59 * time.Minute)
		if _, err := st.IssueAccessToken(t.Context(), assertion(t, client.ClientID, old, "old", now), testTokenURL, "system/Patient.read"); err != nil {
			t.Errorf("within max-age the key held was refused: %v", err)
		}
		if fetches.Load() != 1 {
			t.Errorf("within max-age the set was fetched again: %d fetches", fetches.Load())
		}

		now = now.Add(2 * time.Minute)
		_, err = st.IssueAccessToken(t.Context(), assertion(t, client.ClientID, old, "old", now), testTokenURL, "system/Patient.read")
		if !errors.Is(err, models.ErrInvalidClient) {
			t.Errorf("after max-age a withdrawn key got: %v", err)
		}
		if fetches.Load() != 2 {
			t.Errorf("after max-age: %d fetches, want 2", fetches.Load())
		}
		grant, err := st.IssueAccessToken(t.Context(), assertion(t, client.ClientID, replacement, "new", now), testTokenURL, "system/Patient.read")
		if err != nil || grant.Scopes[0] != "system/Patient.read" {
			t.Errorf("the new key: %v %v", grant, err)
		}
		if fetches.Load() != 2 {
			t.Errorf("the new set was fetched again: %d fetches", fetches.Load())
		}
	})
}

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func publicKey(key *ecdsa.PrivateKey, kid string) jose.JSONWebKey {
	return jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: "ES384", Use: "sig"}
}

// assertion is a client assertion signed at now.
func assertion(t *testing.T, clientID string, key *ecdsa.PrivateKey, kid string, now time.Time) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES384, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	signed, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: clientID, Subject: clientID, Audience: jwt.Audience{testTokenURL},
		ID: rand.Text(), IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(4 * time.Minute))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return signed
}
