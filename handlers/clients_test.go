package handlers_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"healthpassport/models"

	"github.com/go-jose/go-jose/v4"
)

// publicKeySet is a key set of one ES384 public key, and the client that
// will sign with its private half once it has a client id.
func publicKeySet(t *testing.T) (string, apiClient) {
	t.Helper()
	key := newKey(t)
	keys, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES384", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(keys), apiClient{key: key}
}

var clientPathPattern = regexp.MustCompile(`^/clients/(\d+)$`)

func TestAdministratorRegistersAndRevokesASystem(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin := s.browser(t)
		admin.signIn("admin")
		mustContain(t, admin.get("/clients"), "Connected systems", "No systems are registered yet")
		form := admin.get("/clients/new")
		mustStatus(t, form, http.StatusOK)
		mustContain(t, form, "Register a system", "Riverside", "system/CarePlan.rs")

		var riverside models.Organisation
		s.db.Where("ods_code = ?", "Y90001").Take(&riverside)
		keys, client := publicKeySet(t)
		registered := admin.post("/clients/new", url.Values{"name": {"Riverside GP system"}, "organisation": {itoa(riverside.ID)},
			"scopes": {"system/Patient.rs", "system/CarePlan.rs"}, "keys": {keys}})
		mustStatus(t, registered, http.StatusOK)
		if !clientPathPattern.MatchString(registered.url) {
			t.Fatalf("registering went to %s", registered.url)
		}
		var saved models.APIClient
		if err := s.db.Where("name = ?", "Riverside GP system").Take(&saved).Error; err != nil {
			t.Fatal(err)
		}
		mustContain(t, registered, "Riverside GP system is registered", saved.ClientID, "system/Patient.rs system/CarePlan.rs")
		if s.auditCount(models.AuditAPIClientRegistered, saved.ClientID) != 1 {
			t.Error("registering was not audited")
		}
		mustContain(t, admin.get("/clients"), "Riverside GP system", "Active")

		client.id = saved.ClientID
		token := s.token(t, client, "system/CarePlan.rs")
		s.fhir(t, token, "CarePlan?patient="+ameliaRef).must(t, http.StatusOK, "Bundle")
		if refused := s.requestToken(t, client.assertion(t, client.key, nil), "system/Observation.rs"); refused.status != http.StatusBadRequest {
			t.Errorf("a scope not granted answered %d", refused.status)
		}

		mustContain(t, admin.get(registered.url+"/revoke"), "Withdraw Riverside GP system's access")
		revoked := admin.post(registered.url+"/revoke", url.Values{})
		mustContain(t, revoked, "access is withdrawn", "Withdrawn on")
		s.fhir(t, token, "CarePlan?patient="+ameliaRef).must(t, http.StatusUnauthorized, "OperationOutcome")
		if s.auditCount(models.AuditAPIClientRevoked, saved.ClientID) != 1 {
			t.Error("revoking was not audited")
		}
		mustContain(t, admin.post(registered.url+"/revoke", url.Values{}), "already withdrawn")
		if s.auditCount(models.AuditAPIClientRevoked, saved.ClientID) != 1 {
			t.Error("revoking twice recorded two revocations")
		}
		mustStatus(t, admin.get("/clients/999999"), http.StatusForbidden)

		nurse := s.browser(t)
		nurse.signIn("nurse")
		mustStatus(t, nurse.get("/clients"), http.StatusForbidden)
	})
}

func TestSystemKeysAreFetchedFromTheirAddress(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		keys, client := publicKeySet(t)
		published := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/jwks.json" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(keys))
		}))
		defer published.Close()
		admin := s.browser(t)
		admin.signIn("admin")
		var riverside models.Organisation
		s.db.Where("ods_code = ?", "Y90001").Take(&riverside)
		entry := url.Values{"name": {"Integration engine"}, "organisation": {itoa(riverside.ID)}, "scopes": {"system/Patient.rs"}}

		entry.Set("keys_url", published.URL+"/missing.json")
		mustContain(t, admin.post("/clients/new", entry), "could not be fetched from this address: it did not answer with the key set")
		entry.Set("keys_url", published.URL+"/jwks.json")
		registered := admin.post("/clients/new", entry)
		if !clientPathPattern.MatchString(registered.url) {
			t.Fatalf("registering went to %s: %s", registered.url, registered.body)
		}
		mustContain(t, registered, "Keys fetched from", published.URL+"/jwks.json")
		var saved models.APIClient
		s.db.Where("name = ?", "Integration engine").Take(&saved)
		client.id = saved.ClientID
		s.token(t, client, "system/Patient.rs")
	})
}

func TestRegisteringASystemShowsMistakesOnTheForm(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin := s.browser(t)
		admin.signIn("admin")
		var riverside models.Organisation
		s.db.Where("ods_code = ?", "Y90001").Take(&riverside)
		keys, _ := publicKeySet(t)
		private, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: newKey(t), KeyID: "k1", Algorithm: "ES384"}}})
		valid := url.Values{"name": {"GP system"}, "organisation": {itoa(riverside.ID)}, "scopes": {"system/Patient.rs"}, "keys": {keys}}
		cases := map[string]struct {
			change func(url.Values)
			want   string
		}{
			"nothing":        {func(v url.Values) { clear(v) }, "Enter the system&#39;s name"},
			"no scope":       {func(v url.Values) { v.Del("scopes") }, "Choose what the system may read"},
			"unknown scope":  {func(v url.Values) { v.Set("scopes", "system/*.*") }, "Choose what the system may read from the list"},
			"write scope":    {func(v url.Values) { v.Set("scopes", "system/Patient.cruds") }, "Choose what the system may read from the list"},
			"not a practice": {func(v url.Values) { v.Set("organisation", "99999999999999999999") }, "Choose the practice the system works for"},
			"not JSON":       {func(v url.Values) { v.Set("keys", "{not json") }, "must be a JSON Web Key Set"},
			"private key":    {func(v url.Values) { v.Set("keys", string(private)) }, "register only the public half"},
			"both":           {func(v url.Values) { v.Set("keys_url", "https://example.com/jwks.json") }, "not both"},
			"bad address":    {func(v url.Values) { v.Del("keys"); v.Set("keys_url", "ftp://example.com/jwks") }, "Enter the address of the key set"},
			"NUL byte":       {func(v url.Values) { v.Set("name", "GP\x00system") }, "hidden characters"},
			"bad UTF-8":      {func(v url.Values) { v.Set("keys", "\xff\xfe") }, "hidden characters"},
		}
		for name, test := range cases {
			entry := url.Values{}
			for k, v := range valid {
				entry[k] = append([]string(nil), v...)
			}
			test.change(entry)
			answer := admin.post("/clients/new", entry)
			if answer.status != http.StatusUnprocessableEntity || !strings.Contains(answer.body, test.want) || !strings.Contains(answer.body, "nhsuk-error-summary") {
				t.Errorf("%s: answered %d without %q", name, answer.status, test.want)
			}
		}
		if s.count(&models.APIClient{}) != 0 {
			t.Error("a refused registration was saved")
		}
	})
}

// A key set's address is a request the service makes on an administrator's
// word, so it keeps the outbound rules: outside demo mode nothing on this
// machine or a private network is fetched, however the address is
// spelled; redirects are refused; and the form names the rule broken,
// never what the far side answered.
func TestKeySetAddressesInsideTheNetworkAreRefused(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		keys, _ := publicKeySet(t)
		var reached []string
		inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached = append(reached, r.URL.Path)
			switch r.URL.Path {
			case "/jwks":
				_, _ = w.Write([]byte(keys))
			case "/admin":
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte("<html>Router admin console</html>"))
			case "/page":
				_, _ = w.Write([]byte("<html>Router admin console</html>"))
			case "/large":
				_, _ = w.Write([]byte(strings.Repeat(" ", models.MaxPublicKeysLength+1)))
			case "/redirect":
				http.Redirect(w, r, "/jwks", http.StatusFound)
			}
		}))
		defer inside.Close()
		port := inside.Listener.Addr().(*net.TCPAddr).Port
		admin := s.browser(t)
		admin.signIn("admin")
		riverside := s.organisation(t, "Y90001")
		register := func(keysURL string) response {
			return admin.post("/clients/new", url.Values{"name": {"Integration engine"}, "organisation": {itoa(riverside.ID)},
				"scopes": {"system/Patient.rs"}, "keys_url": {keysURL}})
		}
		farSide := []string{"401", "Unauthorized", "Router admin console", "invalid character", "&lt;html"}
		refused := func(keysURL string, rule string) {
			t.Helper()
			answer := register(keysURL)
			if answer.status != http.StatusUnprocessableEntity || !strings.Contains(answer.body, "nhsuk-error-summary") || !strings.Contains(answer.body, rule) {
				t.Errorf("%s answered %d without %q", keysURL, answer.status, rule)
			}
			for _, words := range farSide {
				if strings.Contains(answer.body, words) {
					t.Errorf("%s: the form repeats the far side's %q", keysURL, words)
				}
			}
		}

		s.db.Model(&models.Setting{}).Where("value = ?", models.ModeDemo).Update("value", models.ModeLive)
		for _, host := range []string{"127.0.0.1", "127.1", "2130706433", "0177.0.0.1", "0x7f000001", "localhost.", "[::1]",
			"[::ffff:127.0.0.1]", "169.254.169.254", "10.1.2.3", "192.168.0.1", "0.0.0.0"} {
			refused(fmt.Sprintf("https://%s:%d/jwks", host, port), "the address is a private network address")
		}
		refused("https://admin:secret@keys.example.org/jwks", "without a user name or password")
		refused("https://keys.example.org/jwks#current", "without the # and what follows it")
		if len(reached) != 0 {
			t.Fatalf("outside demo mode the service fetched %v from this machine", reached)
		}

		// The demo's systems run on this machine, so the demo may fetch
		// from it; every other rule holds.
		s.db.Model(&models.Setting{}).Where("value = ?", models.ModeLive).Update("value", models.ModeDemo)
		refused(inside.URL+"/redirect", "it redirected, which is not allowed")
		refused(inside.URL+"/admin", "it did not answer with the key set")
		refused(inside.URL+"/page", "the answer was not a JSON key set")
		refused(inside.URL+"/large", "the answer was larger than 19 KB")
		if slices.Contains(reached, "/jwks") {
			t.Error("the redirect was followed")
		}
		if s.count(&models.APIClient{}) != 0 {
			t.Fatal("a refused key set address was registered")
		}
		if answer := register(inside.URL + "/jwks"); !clientPathPattern.MatchString(answer.url) {
			t.Errorf("a key set on this machine in demo mode went to %s", answer.url)
		}
	})
}
