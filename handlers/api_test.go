package handlers_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"healthpassport/models"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const tokenURL = "http://passport.test/oauth/token"

// apiClient is a registered machine client holding its private key.
type apiClient struct {
	id  string
	key *ecdsa.PrivateKey
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// registerClient registers a client for a practice, as the clients
// command does.
func (s *testServer) registerClient(t *testing.T, ods string, scopes ...string) apiClient {
	t.Helper()
	key := newKey(t)
	keys, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES384", Use: "sig"}}})
	client, err := s.store.CreateAPIClient(t.Context(), models.NewAPIClient{Name: "Riverside GP system", ODSCode: ods, Scopes: scopes, PublicKeys: string(keys)})
	if err != nil {
		t.Fatal(err)
	}
	return apiClient{id: client.ClientID, key: key}
}

// assertion signs a client assertion; change edits its claims.
func (a apiClient) assertion(t *testing.T, key *ecdsa.PrivateKey, change func(*jwt.Claims)) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES384, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.Claims{Issuer: a.id, Subject: a.id, Audience: jwt.Audience{tokenURL}, ID: rand.Text(),
		Expiry: jwt.NewNumericDate(time.Now().Add(4 * time.Minute))}
	if change != nil {
		change(&claims)
	}
	signed, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

type tokenAnswer struct {
	status      int
	AccessToken string `json:"access_token"`
	Scope       string `json:"scope"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func (s *testServer) requestToken(t *testing.T, assertion, scope string) tokenAnswer {
	t.Helper()
	res, err := http.PostForm(s.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_assertion_type": {models.ClientAssertionType}, "client_assertion": {assertion}, "scope": {scope}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	answer := tokenAnswer{status: res.StatusCode}
	if err := json.NewDecoder(res.Body).Decode(&answer); err != nil {
		t.Fatal(err)
	}
	return answer
}

// token gets an access token for the client with the given scopes.
func (s *testServer) token(t *testing.T, client apiClient, scope string) string {
	t.Helper()
	answer := s.requestToken(t, client.assertion(t, client.key, nil), scope)
	if answer.status != http.StatusOK || answer.AccessToken == "" {
		t.Fatalf("token refused: %d %s", answer.status, answer.Error)
	}
	return answer.AccessToken
}

type fhirAnswer struct {
	status int
	header http.Header
	body   map[string]any
}

func (s *testServer) fhir(t *testing.T, token, path string, header ...string) fhirAnswer {
	t.Helper()
	status, answered, body := s.call(t, http.MethodGet, token, s.URL+"/fhir/"+path, header...)
	return decodeAnswer(t, path, status, answered, body)
}

// decodeAnswer reads an API answer whose body is JSON.
func decodeAnswer(t *testing.T, what string, status int, header http.Header, body string) fhirAnswer {
	t.Helper()
	answer := fhirAnswer{status: status, header: header}
	if err := json.Unmarshal([]byte(body), &answer.body); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return answer
}

// call sends a request to the API with a token, when given, and headers,
// and reads the whole answer.
func (s *testServer) call(t *testing.T, method, token, address string, header ...string) (int, http.Header, string) {
	t.Helper()
	return s.send(t, method, token, address, nil, header...)
}

// send is call with a body. An address on http://passport.test, as the
// API's own links name it, goes to the test server.
func (s *testServer) send(t *testing.T, method, token, address string, body io.Reader, header ...string) (int, http.Header, string) {
	t.Helper()
	if strings.HasPrefix(address, "http://passport.test") {
		address = s.URL + strings.TrimPrefix(address, "http://passport.test")
	}
	req, err := http.NewRequest(method, address, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, string(answer)
}

func (a fhirAnswer) must(t *testing.T, status int, resourceType string) fhirAnswer {
	t.Helper()
	if a.status != status || a.body["resourceType"] != resourceType {
		t.Fatalf("answered %d %v; want %d %s: %v", a.status, a.body["resourceType"], status, resourceType, a.body)
	}
	if !strings.HasPrefix(a.header.Get("Content-Type"), "application/fhir+json") {
		t.Fatalf("Content-Type %q", a.header.Get("Content-Type"))
	}
	return a
}

func TestTokenEndpointRefusesBadAssertions(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		client := s.registerClient(t, "Y90001", "system/Patient.rs")
		refused := map[string]string{
			"wrong key":      client.assertion(t, newKey(t), nil),
			"wrong audience": client.assertion(t, client.key, func(c *jwt.Claims) { c.Audience = jwt.Audience{"http://elsewhere.test/token"} }),
			"expired":        client.assertion(t, client.key, func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(time.Now().Add(-time.Minute)) }),
			"too long":       client.assertion(t, client.key, func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(time.Now().Add(time.Hour)) }),
			"sub not client": client.assertion(t, client.key, func(c *jwt.Claims) { c.Subject = "someone-else" }),
			"no jti":         client.assertion(t, client.key, func(c *jwt.Claims) { c.ID = "" }),
			"issued a year ago": client.assertion(t, client.key, func(c *jwt.Claims) {
				c.IssuedAt = jwt.NewNumericDate(time.Now().AddDate(-1, 0, 0))
			}),
			"issued in the future": client.assertion(t, client.key, func(c *jwt.Claims) { c.IssuedAt = jwt.NewNumericDate(time.Now().Add(2 * time.Minute)) }),
			"not a JWT":            "not.a.jwt",
		}
		for name, assertion := range refused {
			if answer := s.requestToken(t, assertion, "system/Patient.rs"); answer.status != http.StatusUnauthorized || answer.Error != "invalid_client" {
				t.Errorf("%s: answered %d %q; want 401 invalid_client", name, answer.status, answer.Error)
			}
		}
		if answer := s.requestToken(t, client.assertion(t, client.key, nil), "system/Observation.rs"); answer.status != http.StatusBadRequest || answer.Error != "invalid_scope" {
			t.Errorf("scope not granted: answered %d %q; want 400 invalid_scope", answer.status, answer.Error)
		}
		if s.count(&models.APIAccessToken{}) != 0 {
			t.Error("a refused assertion got a token")
		}
	})
}

// Many copies of one assertion sent at the same instant get one token.
func TestReplayedAssertionGetsNoSecondToken(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		client := s.registerClient(t, "Y90001", "system/Patient.rs")
		assertion := client.assertion(t, client.key, nil)
		const copies = 8
		start := make(chan struct{})
		answers := make([]tokenAnswer, copies)
		var wg sync.WaitGroup
		for i := range copies {
			wg.Go(func() {
				<-start
				answers[i] = s.requestToken(t, assertion, "system/Patient.rs")
			})
		}
		close(start)
		wg.Wait()
		issued := 0
		for _, answer := range answers {
			switch answer.status {
			case http.StatusOK:
				issued++
			case http.StatusUnauthorized:
			default:
				t.Errorf("answered %d %q", answer.status, answer.Error)
			}
		}
		if issued != 1 || s.count(&models.APIAccessToken{}) != 1 {
			t.Fatalf("%d tokens issued for one assertion; want 1", issued)
		}
	})
}

func TestClientReadsItsPracticesPatientsAndIsAudited(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		client := s.registerClient(t, "Y90001", "system/Patient.rs", "system/Condition.rs", "system/Observation.rs")
		token := s.token(t, client, "system/Patient.rs system/Condition.rs system/Observation.rs")
		amelia := s.patient(t, ameliaRef)

		patient := s.fhir(t, token, "Patient/"+ameliaRef).must(t, http.StatusOK, "Patient")
		if patient.body["id"] != ameliaRef || !strings.Contains(mustJSON(t, patient.body), `"value":"`+amelia.NHSNumber+`"`) {
			t.Errorf("Patient: %v", patient.body)
		}
		found := s.fhir(t, token, "Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|"+amelia.NHSNumber).must(t, http.StatusOK, "Bundle")
		if found.body["total"] != 1.0 {
			t.Errorf("search by NHS number found %v", found.body["total"])
		}
		if none := s.fhir(t, token, "Patient?_lastUpdated=gt2999-01-01").must(t, http.StatusOK, "Bundle"); none.body["total"] != 0.0 {
			t.Errorf("_lastUpdated in the future found %v", none.body["total"])
		}
		conditions := s.fhir(t, token, "Condition?patient=Patient/"+ameliaRef).must(t, http.StatusOK, "Bundle")
		if !strings.Contains(mustJSON(t, conditions.body), `"code":"195967001"`) {
			t.Errorf("Amelia's asthma is missing: %v", conditions.body)
		}
		observations := s.fhir(t, token, "Observation?patient="+ameliaRef).must(t, http.StatusOK, "Bundle")
		body := mustJSON(t, observations.body)
		for _, want := range []string{`"code":"18491006"`, `"code":"33452-4"`, `"unit":"L/min"`, "UKCore-Observation"} {
			if !strings.Contains(body, want) {
				t.Errorf("peak flow observations lack %s", want)
			}
		}

		s.chainWaitingAudit()
		var entries []models.AuditEvent
		s.db.Where("action = ? AND actor_role = ?", models.AuditAPIRead, models.RoleAPIClient).Find(&entries)
		if len(entries) != 4 {
			t.Fatalf("%d API reads audited; want 4", len(entries))
		}
		for _, entry := range entries {
			if entry.PatientID == nil || *entry.PatientID != amelia.ID || !strings.Contains(entry.Detail, client.id) {
				t.Errorf("audit entry %+v does not name the client and patient", entry)
			}
		}
	})
}

func TestClientIsRefusedOtherPracticesScopesAndBadRequests(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		client := s.registerClient(t, "Y90001", "system/Patient.rs")
		token := s.token(t, client, "system/Patient.rs")

		s.fhir(t, token, "Patient/"+priyaRef).must(t, http.StatusNotFound, "OperationOutcome")
		s.fhir(t, token, "Condition?patient="+ameliaRef).must(t, http.StatusForbidden, "OperationOutcome")
		s.fhir(t, token, "Patient?name=Jones").must(t, http.StatusBadRequest, "OperationOutcome")
		s.fhir(t, token, "Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|123").must(t, http.StatusBadRequest, "OperationOutcome")
		s.fhir(t, token, "Patient/"+ameliaRef, "Accept", "application/fhir+xml").must(t, http.StatusNotAcceptable, "OperationOutcome")
		s.fhir(t, "", "Patient/"+ameliaRef).must(t, http.StatusUnauthorized, "OperationOutcome")
		s.fhir(t, "not-a-token", "Patient/"+ameliaRef).must(t, http.StatusUnauthorized, "OperationOutcome")
		if found := s.fhir(t, token, "Patient").must(t, http.StatusOK, "Bundle"); strings.Contains(mustJSON(t, found.body), priyaRef) {
			t.Error("a search found a patient of another practice")
		}
		if s.auditCount(models.AuditAccessRefused, priyaRef) != 1 {
			t.Error("the refused read was not audited")
		}

		if err := s.store.RevokeAPIClient(t.Context(), client.id); err != nil {
			t.Fatal(err)
		}
		s.fhir(t, token, "Patient/"+ameliaRef).must(t, http.StatusUnauthorized, "OperationOutcome")
		if answer := s.requestToken(t, client.assertion(t, client.key, nil), "system/Patient.rs"); answer.status != http.StatusUnauthorized {
			t.Errorf("a revoked client got a token: %d", answer.status)
		}
	})
}

func TestMetadataAndSMARTConfigurationTellWhatIsServed(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		metadata := s.fhir(t, "", "metadata").must(t, http.StatusOK, "CapabilityStatement")
		body := mustJSON(t, metadata.body)
		for _, want := range []string{`"fhirVersion":"4.0.1"`, `"type":"Patient"`, `"type":"Condition"`, `"type":"Observation"`, `"name":"identifier"`} {
			if !strings.Contains(body, want) {
				t.Errorf("CapabilityStatement lacks %s", want)
			}
		}
		res, err := http.Get(s.URL + "/.well-known/smart-configuration")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var config map[string]any
		json.NewDecoder(res.Body).Decode(&config)
		if config["token_endpoint"] != tokenURL {
			t.Errorf("token_endpoint %v", config["token_endpoint"])
		}
		configured := mustJSON(t, config)
		for _, want := range []string{`"permission-v1"`, `"permission-v2"`, `"system/*.rs"`, `"system/*.read"`, `"system/Patient.read"`} {
			if !strings.Contains(configured, want) {
				t.Errorf("smart-configuration lacks %s", want)
			}
		}
	})
}

func mustJSON(t *testing.T, value any) string {
	t.Helper()
	text, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

// A client asks for scopes in SMART v1's syntax or v2's, singly or with a
// wildcard, and is told what it was granted in the words it asked in.
func TestTokensAreGrantedInSMARTV1AndV2Syntax(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		patientsOnly := s.registerClient(t, "Y90001", "system/Patient.read")
		everything := s.registerClient(t, "Y90001", "system/*.rs")
		cases := []struct {
			client apiClient
			asked  string
			status int
			error  string
		}{
			{patientsOnly, "system/Patient.read", http.StatusOK, ""},
			{patientsOnly, "system/Patient.rs", http.StatusOK, ""},
			{patientsOnly, "system/Condition.read", http.StatusBadRequest, "invalid_scope"},
			{patientsOnly, "system/*.read", http.StatusBadRequest, "invalid_scope"},
			{patientsOnly, "system/Patient.write", http.StatusBadRequest, "invalid_scope"},
			{everything, "system/*.read", http.StatusOK, ""},
			{everything, "system/Condition.read system/Patient.rs", http.StatusOK, ""},
			{everything, "system/*.cruds", http.StatusBadRequest, "invalid_scope"},
			{everything, "system/Patient.rs launch", http.StatusBadRequest, "invalid_scope"},
			{everything, "patient/*.read", http.StatusBadRequest, "invalid_scope"},
		}
		for _, c := range cases {
			answer := s.requestToken(t, c.client.assertion(t, c.client.key, nil), c.asked)
			if answer.status != c.status || answer.Error != c.error {
				t.Errorf("asking for %q: %d %q, want %d %q", c.asked, answer.status, answer.Error, c.status, c.error)
			}
			if c.status == http.StatusOK && answer.Scope != c.asked {
				t.Errorf("asking for %q was granted %q", c.asked, answer.Scope)
			}
		}

		v1 := s.token(t, everything, "system/Condition.read system/Patient.read")
		s.fhir(t, v1, "Patient/"+ameliaRef).must(t, http.StatusOK, "Patient")
		s.fhir(t, v1, "Condition?patient="+ameliaRef).must(t, http.StatusOK, "Bundle")
		s.fhir(t, v1, "Observation?patient="+ameliaRef).must(t, http.StatusForbidden, "OperationOutcome")
		wildcard := s.token(t, everything, "system/*.read")
		s.fhir(t, wildcard, "Observation?patient="+ameliaRef).must(t, http.StatusOK, "Bundle")
	})
}
