package handlers_test

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"healthpassport/models"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// signingKey is one of a client's keys, by its key id.
type signingKey struct {
	kid string
	key *ecdsa.PrivateKey
}

func newSigningKey(t *testing.T, kid string) signingKey {
	return signingKey{kid: kid, key: newKey(t)}
}

// publishedKeys is a client's key set at its address, which the test
// changes as a supplier would, counting how often it is fetched.
type publishedKeys struct {
	*httptest.Server
	mu           sync.Mutex
	keys         []signingKey
	cacheControl string
	failing      bool
	fetches      atomic.Int32
}

func publishKeys(t *testing.T, cacheControl string, keys ...signingKey) *publishedKeys {
	p := &publishedKeys{keys: keys, cacheControl: cacheControl}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.failing {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		set := jose.JSONWebKeySet{}
		for _, k := range p.keys {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.key.PublicKey, KeyID: k.kid, Algorithm: "ES384", Use: "sig"})
		}
		if p.cacheControl != "" {
			w.Header().Set("Cache-Control", p.cacheControl)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(p.Close)
	return p
}

// publish replaces the key set at the address.
func (p *publishedKeys) publish(keys ...signingKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = keys
}

func (p *publishedKeys) fail() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failing = true
}

// signedBy is a client assertion signed with one key, naming its kid.
func signedBy(t *testing.T, clientID string, k signingKey) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES384, Key: k.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.kid))
	if err != nil {
		t.Fatal(err)
	}
	signed, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: clientID, Subject: clientID, Audience: jwt.Audience{tokenURL},
		ID: rand.Text(), Expiry: jwt.NewNumericDate(time.Now().Add(4 * time.Minute))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// registerPublishedClient registers, as an administrator does, a client
// whose keys are at an address, and gives its row.
func (s *testServer) registerPublishedClient(t *testing.T, admin *browser, address string) models.APIClient {
	t.Helper()
	var riverside models.Organisation
	s.db.Where("ods_code = ?", "Y90001").Take(&riverside)
	name := "Published keys " + rand.Text()[:6]
	registered := admin.post("/clients/new", url.Values{"name": {name}, "organisation": {itoa(riverside.ID)},
		"scopes": {"system/Patient.rs"}, "keys_url": {address}})
	if !clientPathPattern.MatchString(registered.url) {
		t.Fatalf("registering went to %s: %s", registered.url, registered.body)
	}
	var saved models.APIClient
	if err := s.db.Where("name = ?", name).Take(&saved).Error; err != nil {
		t.Fatal(err)
	}
	return saved
}

// age moves a client's fetched key set back in time, as if time had
// passed: the service's clock is the machine's, so a test that is not to
// sleep moves the times it wrote instead. expired makes the set out of
// date; asked lets a minute pass since the set was last asked for.
func (s *testServer) age(t *testing.T, client models.APIClient, expired, asked bool) {
	t.Helper()
	past := time.Now().Add(-2 * models.KeySetRefetchInterval)
	changes := map[string]any{}
	if expired {
		changes["keys_expire_at"] = past
	}
	if asked {
		changes["keys_checked_at"] = past
	}
	if err := s.db.Model(&models.APIClient{}).Where("id = ?", client.ID).Updates(changes).Error; err != nil {
		t.Fatal(err)
	}
}

func (s *testServer) mustGetToken(t *testing.T, clientID string, k signingKey) {
	t.Helper()
	if answer := s.requestToken(t, signedBy(t, clientID, k), "system/Patient.rs"); answer.status != http.StatusOK {
		t.Fatalf("key %s refused: %d %s: %s", k.kid, answer.status, answer.Error, answer.Description)
	}
}

func (s *testServer) mustBeRefused(t *testing.T, clientID string, k signingKey, because string) {
	t.Helper()
	answer := s.requestToken(t, signedBy(t, clientID, k), "system/Patient.rs")
	if answer.status != http.StatusUnauthorized || answer.Error != "invalid_client" || !strings.Contains(answer.Description, because) {
		t.Fatalf("key %s: %d %s %q; want 401 invalid_client saying %q", k.kid, answer.status, answer.Error, answer.Description, because)
	}
}

func mustHaveFetched(t *testing.T, published *publishedKeys, want int32, when string) {
	t.Helper()
	if got := published.fetches.Load(); got != want {
		t.Fatalf("%s: the key set was fetched %d times in all, want %d", when, got, want)
	}
}

// A client that publishes its keys rotates them: the old key works until
// its published set changes, a new key is picked up by one fetch when an
// assertion first names it, and a withdrawn key is refused once the set
// is fetched again.
func TestPublishedKeysAreRotated(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		old, replacement := newSigningKey(t, "2026-old"), newSigningKey(t, "2026-new")
		published := publishKeys(t, "public, max-age=3600", old)
		admin := s.browser(t)
		admin.signIn("admin")
		client := s.registerPublishedClient(t, admin, published.URL+"/jwks.json")
		mustHaveFetched(t, published, 1, "registering")
		if client.KeysExpireAt == nil || client.KeysExpireAt.Sub(*client.KeysFetchedAt) != time.Hour {
			t.Fatalf("keys fetched at %v kept until %v, want for the hour max-age gave", client.KeysFetchedAt, client.KeysExpireAt)
		}

		s.mustGetToken(t, client.ClientID, old)
		s.mustGetToken(t, client.ClientID, old)
		mustHaveFetched(t, published, 1, "signing with a key already held")

		published.publish(old, replacement)
		s.mustGetToken(t, client.ClientID, replacement)
		mustHaveFetched(t, published, 2, "signing with a new key")
		s.mustGetToken(t, client.ClientID, old)
		s.mustGetToken(t, client.ClientID, replacement)
		mustHaveFetched(t, published, 2, "signing with keys both held")

		published.publish(replacement)
		s.mustGetToken(t, client.ClientID, old) // the set held is in date and has it
		mustHaveFetched(t, published, 2, "signing with a key withdrawn but still in date")
		s.age(t, client, true, true)
		s.mustBeRefused(t, client.ClientID, old, "does not match the client's registered keys")
		mustHaveFetched(t, published, 3, "the set expiring")
		s.mustGetToken(t, client.ClientID, replacement)
		mustHaveFetched(t, published, 3, "signing with the one key left")
		var saved models.APIClient
		s.db.Take(&saved, client.ID)
		if strings.Contains(saved.PublicKeys, old.kid) || !strings.Contains(saved.PublicKeys, replacement.kid) {
			t.Errorf("the withdrawn key is still kept: %s", saved.PublicKeys)
		}
	})
}

// Assertions naming key ids the client never published, however many,
// send at most one request a minute to the client's server.
func TestUnknownKeyIDsFetchAtMostOnceAMinute(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		known := newSigningKey(t, "known")
		published := publishKeys(t, "max-age=86400", known)
		admin := s.browser(t)
		admin.signIn("admin")
		client := s.registerPublishedClient(t, admin, published.URL+"/jwks.json")
		s.age(t, client, false, true)
		stranger := newKey(t)
		for i := range 20 {
			s.mustBeRefused(t, client.ClientID, signingKey{kid: "made-up-" + itoa(uint(i)), key: stranger}, "")
		}
		mustHaveFetched(t, published, 2, "a storm of unknown key ids")
		s.mustGetToken(t, client.ClientID, known)

		s.age(t, client, false, true)
		s.mustBeRefused(t, client.ClientID, signingKey{kid: "made-up-again", key: stranger}, "")
		s.mustBeRefused(t, client.ClientID, signingKey{kid: "made-up-once-more", key: stranger}, "fetched less than a minute ago")
		mustHaveFetched(t, published, 3, "a minute later")
	})
}

// Unknown key ids sent at the same instant, as a storm of forged
// assertions would be, still fetch the key set once: the fetch is claimed
// in the database, which lets one request in a minute have it.
func TestUnknownKeyIDsAtTheSameInstantFetchOnce(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		known := newSigningKey(t, "known")
		published := publishKeys(t, "max-age=86400", known)
		admin := s.browser(t)
		admin.signIn("admin")
		client := s.registerPublishedClient(t, admin, published.URL+"/jwks.json")
		s.age(t, client, false, true)
		stranger := newKey(t)
		assertions := make([]string, 12)
		for i := range assertions {
			assertions[i] = signedBy(t, client.ClientID, signingKey{kid: "at-once-" + itoa(uint(i)), key: stranger})
		}
		answers := make([]tokenAnswer, len(assertions))
		start := make(chan struct{})
		var sent sync.WaitGroup
		for i, assertion := range assertions {
			sent.Go(func() {
				<-start
				answers[i] = s.requestToken(t, assertion, "system/Patient.rs")
			})
		}
		close(start)
		sent.Wait()
		for i, answer := range answers {
			if answer.status != http.StatusUnauthorized || answer.Error != "invalid_client" {
				t.Errorf("assertion %d: %d %s; want 401 invalid_client", i, answer.status, answer.Error)
			}
		}
		mustHaveFetched(t, published, 2, "unknown key ids at the same instant")
		s.mustGetToken(t, client.ClientID, known)
	})
}

// A key set that cannot be fetched refuses what it must, with a clear
// error, but never takes away the keys last fetched while they are in
// date.
func TestKeySetFetchFailuresKeepTheLastGoodKeys(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		current, unpublished := newSigningKey(t, "current"), newSigningKey(t, "unpublished")
		published := publishKeys(t, "", current)
		admin := s.browser(t)
		admin.signIn("admin")
		client := s.registerPublishedClient(t, admin, published.URL+"/jwks.json")
		if kept := client.KeysExpireAt.Sub(*client.KeysFetchedAt); kept != 5*time.Minute {
			t.Errorf("keys with no word on caching are kept %v, want the 5 minute floor", kept)
		}
		published.fail()

		s.age(t, client, false, true)
		s.mustBeRefused(t, client.ClientID, unpublished, "could not be fetched from its address: it did not answer with the key set")
		mustHaveFetched(t, published, 2, "an unknown key id")
		s.mustGetToken(t, client.ClientID, current)
		mustHaveFetched(t, published, 2, "the last good keys in date")

		s.age(t, client, true, true)
		s.mustBeRefused(t, client.ClientID, current, "could not be fetched from its address")
		mustHaveFetched(t, published, 3, "the keys expiring")
		s.mustBeRefused(t, client.ClientID, current, "try again in a minute")
		mustHaveFetched(t, published, 3, "asking again within the minute")
		var saved models.APIClient
		s.db.Take(&saved, client.ID)
		if !strings.Contains(saved.PublicKeys, current.kid) {
			t.Errorf("a failed fetch removed the last good keys: %s", saved.PublicKeys)
		}

		published.mu.Lock()
		published.failing = false
		published.mu.Unlock()
		s.age(t, client, true, true)
		s.mustGetToken(t, client.ClientID, current)
		mustHaveFetched(t, published, 4, "the server answering again")
	})
}

// An administrator gives a system new keys, pasted in or at an address,
// and it keeps its client id.
func TestAdministratorChangesASystemsKeys(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin := s.browser(t)
		admin.signIn("admin")
		var riverside models.Organisation
		s.db.Where("ods_code = ?", "Y90001").Take(&riverside)
		keys, first := publicKeySet(t)
		registered := admin.post("/clients/new", url.Values{"name": {"Keyed system"}, "organisation": {itoa(riverside.ID)},
			"scopes": {"system/Patient.rs"}, "keys": {keys}})
		var saved models.APIClient
		s.db.Where("name = ?", "Keyed system").Take(&saved)
		first.id = saved.ClientID
		s.token(t, first, "system/Patient.rs")
		mustContain(t, registered, "Change its keys")

		form := admin.get(registered.url + "/keys")
		mustStatus(t, form, http.StatusOK)
		mustContain(t, form, "Change Keyed system's keys", `"kid":"k1"`)

		private, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: newKey(t), KeyID: "k1", Algorithm: "ES384"}}})
		for name, c := range map[string]struct {
			entry url.Values
			want  string
		}{
			"nothing":     {url.Values{}, "Paste the system's public keys, or enter the address they are published at"},
			"both":        {url.Values{"keys": {keys}, "keys_url": {"https://example.com/jwks.json"}}, "not both"},
			"not JSON":    {url.Values{"keys": {"not a key set"}}, "must be a JSON Web Key Set"},
			"private key": {url.Values{"keys": {string(private)}}, "register only the public half"},
			"bad address": {url.Values{"keys_url": {"ftp://example.com/jwks"}}, "Enter the address of the key set"},
		} {
			refused := admin.post(registered.url+"/keys", c.entry)
			if refused.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: answered %d", name, refused.status)
			}
			mustContain(t, refused, "There is a problem", c.want)
		}
		mustStatus(t, admin.postRaw(registered.url+"/keys", url.Values{"keys": {keys}}), http.StatusForbidden)
		if s.auditCount(models.AuditAPIClientKeysChanged, saved.ClientID) != 0 {
			t.Fatal("refused changes were audited as made")
		}

		newKeys, second := publicKeySet(t)
		changed := admin.post(registered.url+"/keys", url.Values{"keys": {newKeys}})
		if changed.url != registered.url {
			t.Fatalf("changing keys went to %s", changed.url)
		}
		mustContain(t, changed, "Keyed system's keys are changed", saved.ClientID)
		second.id = saved.ClientID
		s.token(t, second, "system/Patient.rs")
		if answer := s.requestToken(t, first.assertion(t, first.key, nil), "system/Patient.rs"); answer.status != http.StatusUnauthorized {
			t.Errorf("the replaced key still got a token: %d", answer.status)
		}
		if s.auditCount(models.AuditAPIClientKeysChanged, saved.ClientID) != 1 {
			t.Error("changing keys was not audited")
		}

		third := newSigningKey(t, "k3")
		published := publishKeys(t, "max-age=600", third)
		published.fail()
		unfetched := admin.post(registered.url+"/keys", url.Values{"keys_url": {published.URL + "/jwks.json"}})
		mustStatus(t, unfetched, http.StatusUnprocessableEntity)
		mustContain(t, unfetched, "There is a problem", "could not be fetched from this address: it did not answer with the key set")
		s.token(t, second, "system/Patient.rs")
		published.mu.Lock()
		published.failing = false
		published.mu.Unlock()
		fetched := admin.post(registered.url+"/keys", url.Values{"keys_url": {published.URL + "/jwks.json"}})
		mustContain(t, fetched, "keys are changed", "Keys fetched from", published.URL+"/jwks.json", "kept until")
		s.mustGetToken(t, saved.ClientID, third)
		if s.auditCount(models.AuditAPIClientKeysChanged, saved.ClientID) != 2 {
			t.Error("fetching keys from an address was not audited")
		}

		mustContain(t, admin.post(registered.url+"/revoke", url.Values{}), "access is withdrawn")
		mustContain(t, admin.get(registered.url+"/keys"), "access was withdrawn")
		mustContain(t, admin.post(registered.url+"/keys", url.Values{"keys": {newKeys}}), "access was withdrawn")
		if s.auditCount(models.AuditAPIClientKeysChanged, saved.ClientID) != 2 {
			t.Error("a withdrawn system's keys were changed")
		}
	})
}
