// Package nhslogintest runs an OpenID Connect provider that behaves like
// NHS login, inside the test process, with keys made for each run. It
// checks what NHS login checks (the client assertion, the PKCE verifier,
// the redirect address) and can be told to answer wrongly, as an attacker
// or a broken provider would.
package nhslogintest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Person is who signs in at the provider next.
type Person struct {
	Subject       string
	NHSNumber     string
	DateOfBirth   string // YYYY-MM-DD
	VectorOfTrust string // what the ID token's vot says
}

// Faults make the provider's next answers wrong.
type Faults struct {
	ReplaceState    bool // send the browser back with another state
	ReplaceNonce    bool // put another nonce in the ID token
	ExpiredIDToken  bool // issue an ID token that expired an hour ago
	WrongSigningKey bool // sign the ID token with a key not in the JWKS
}

// Provider is the running provider.
type Provider struct {
	*httptest.Server
	ClientID string
	// ClientKeyFile holds the client's private key in PEM; the provider
	// knows its public half, as NHS login does once a service registers.
	ClientKeyFile string

	clientKey  *rsa.PrivateKey
	signingKey *rsa.PrivateKey
	strayKey   *rsa.PrivateKey

	mu     sync.Mutex
	person Person
	faults Faults
	codes  map[string]grant  // by authorization code, each usable once
	tokens map[string]Person // by access token
}

type grant struct {
	person        Person
	faults        Faults
	redirectURI   string
	nonce         string
	codeChallenge string
}

// T is what Start needs of a test: *testing.T, or whatever stands in for
// one where there is none, as in a TestMain that serves a whole run.
type T interface {
	Helper()
	Fatal(args ...any)
	TempDir() string
	Cleanup(func())
}

// Start runs a provider until the test ends.
func Start(t T) *Provider {
	t.Helper()
	p := &Provider{
		ClientID:   "health-passport",
		clientKey:  newKey(t),
		signingKey: newKey(t),
		strayKey:   newKey(t),
		codes:      map[string]grant{},
		tokens:     map[string]Person{},
	}
	p.ClientKeyFile = filepath.Join(t.TempDir(), "nhs-login-key.pem")
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(p.clientKey))})
	if err := os.WriteFile(p.ClientKeyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.keys)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /userinfo", p.userInfo)
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

// SignInAs sets who signs in next, and clears any faults.
func (p *Provider) SignInAs(person Person) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.person, p.faults = person, Faults{}
}

// Misbehave makes the next sign-in go wrong in the given ways.
func (p *Provider) Misbehave(faults Faults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = faults
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.URL,
		"authorization_endpoint":                p.URL + "/authorize",
		"token_endpoint":                        p.URL + "/token",
		"userinfo_endpoint":                     p.URL + "/userinfo",
		"jwks_uri":                              p.URL + "/jwks",
		"id_token_signing_alg_values_supported": []string{"RS512"},
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (p *Provider) keys(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &p.signingKey.PublicKey, KeyID: "signing", Algorithm: string(jose.RS512), Use: "sig"},
	}})
}

// authorize signs the person in at once and sends the browser back.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != p.ClientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
		!strings.Contains(q.Get("scope"), "openid") || q.Get("vtr") == "" {
		http.Error(w, "invalid request", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	code := rand.Text()
	p.codes[code] = grant{person: p.person, faults: p.faults, redirectURI: q.Get("redirect_uri"),
		nonce: q.Get("nonce"), codeChallenge: q.Get("code_challenge")}
	state := q.Get("state")
	if p.faults.ReplaceState {
		state = rand.Text()
	}
	p.mu.Unlock()
	back := url.Values{"code": {code}, "state": {state}}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	g, ok := p.codes[r.PostFormValue("code")]
	delete(p.codes, r.PostFormValue("code"))
	p.mu.Unlock()
	challenge := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	switch {
	case !ok || r.PostFormValue("grant_type") != "authorization_code" || r.PostFormValue("redirect_uri") != g.redirectURI:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	case base64.RawURLEncoding.EncodeToString(challenge[:]) != g.codeChallenge:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "code verifier"})
		return
	case !p.clientAssertionValid(r):
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	now := time.Now()
	nonce, key, issued := g.nonce, p.signingKey, now
	if g.faults.ReplaceNonce {
		nonce = rand.Text()
	}
	if g.faults.WrongSigningKey {
		key = p.strayKey
	}
	if g.faults.ExpiredIDToken {
		issued = now.Add(-2 * time.Hour)
	}
	signer := must(jose.NewSigner(jose.SigningKey{Algorithm: jose.RS512, Key: jose.JSONWebKey{Key: key, KeyID: "signing"}},
		(&jose.SignerOptions{}).WithType("JWT")))
	idToken := must(jwt.Signed(signer).Claims(jwt.Claims{
		Issuer: p.URL, Subject: g.person.Subject, Audience: jwt.Audience{p.ClientID},
		IssuedAt: jwt.NewNumericDate(issued), Expiry: jwt.NewNumericDate(issued.Add(time.Hour)),
	}).Claims(map[string]any{"nonce": nonce, "vot": g.person.VectorOfTrust}).Serialize())
	accessToken := rand.Text()
	p.mu.Lock()
	p.tokens[accessToken] = g.person
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": accessToken, "token_type": "Bearer", "expires_in": 300, "id_token": idToken})
}

// clientAssertionValid checks the client authenticated by private_key_jwt:
// signed with its registered key, about itself, for this token endpoint.
func (p *Provider) clientAssertionValid(r *http.Request) bool {
	if r.PostFormValue("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" ||
		r.PostFormValue("client_secret") != "" {
		return false
	}
	assertion, err := jwt.ParseSigned(r.PostFormValue("client_assertion"), []jose.SignatureAlgorithm{jose.RS512})
	if err != nil {
		return false
	}
	var claims jwt.Claims
	if err := assertion.Claims(&p.clientKey.PublicKey, &claims); err != nil {
		return false
	}
	return claims.Issuer == p.ClientID && claims.Subject == p.ClientID && claims.ID != "" &&
		claims.Validate(jwt.Expected{AnyAudience: jwt.Audience{p.URL + "/token"}, Time: time.Now()}) == nil
}

func (p *Provider) userInfo(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	person, ok := p.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	p.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"sub": person.Subject, "nhs_number": person.NHSNumber, "birthdate": person.DateOfBirth})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func newKey(t T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
