// Package nhslogin signs people in with NHS login, the NHS's OpenID Connect
// provider: the authorization code flow with PKCE, state and nonce, the
// service proving who it is with a signed assertion (private_key_jwt) rather
// than a shared secret, and the vector of trust NHS login vouches for
// checked against the one asked for.
package nhslogin

import (
	"context"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
)

// DefaultVectorsOfTrust ask for the highest identity proofing level, P9,
// which NHS login needs before it shares an NHS number, with any of its
// authentication methods.
var DefaultVectorsOfTrust = []string{"P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm"}

// Config is how the service is registered with NHS login.
type Config struct {
	Issuer         string          // like https://auth.login.nhs.uk
	ClientID       string          // given by NHS login
	PrivateKey     *rsa.PrivateKey // its public half is registered with NHS login
	VectorsOfTrust []string        // any of these is enough; DefaultVectorsOfTrust when empty
	RedirectURL    string          // where NHS login sends people back to
}

// Client talks to NHS login for the service.
type Client struct {
	clientID       string
	privateKey     *rsa.PrivateKey
	vectorsOfTrust []string
	vtr            string // vectorsOfTrust as the vtr parameter, a JSON list
	provider       *oidc.Provider
	oauth          oauth2.Config
	idTokens       *oidc.IDTokenVerifier
}

// New reads NHS login's discovery document and keys, so it needs NHS
// login to be reachable.
func New(ctx context.Context, cfg Config) (*Client, error) {
	provider, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("reading NHS login's discovery document: %w", err)
	}
	vectors := cfg.VectorsOfTrust
	if len(vectors) == 0 {
		vectors = DefaultVectorsOfTrust
	}
	vtr, err := json.Marshal(vectors)
	if err != nil {
		return nil, err
	}
	endpoint := provider.Endpoint()
	// The client assertion is the only credential; no secret is sent.
	endpoint.AuthStyle = oauth2.AuthStyleInParams
	return &Client{
		clientID:       cfg.ClientID,
		privateKey:     cfg.PrivateKey,
		vectorsOfTrust: vectors,
		vtr:            string(vtr),
		provider:       provider,
		oauth: oauth2.Config{
			ClientID:    cfg.ClientID,
			Endpoint:    endpoint,
			RedirectURL: cfg.RedirectURL,
			Scopes:      []string{oidc.ScopeOpenID, "profile"},
		},
		idTokens: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
	}, nil
}

// ParseVectorsOfTrust reads NHS_LOGIN_VTR, a JSON list like
// ["P9.Cp.Cd","P9.Cp.Ck","P9.Cm"].
func ParseVectorsOfTrust(value string) ([]string, error) {
	var vectors []string
	if err := json.Unmarshal([]byte(value), &vectors); err != nil || len(vectors) == 0 || slices.Contains(vectors, "") {
		return nil, errors.New(`it must be a JSON list of vectors of trust, like ["P9.Cp.Cd","P9.Cp.Ck","P9.Cm"]`)
	}
	return vectors, nil
}

// ParsePrivateKey reads an RSA private key in PEM, as PKCS #8 or PKCS #1.
func ParsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("it holds no PEM block")
	}
	if key, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return key, nil
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("it holds no private key: %w", err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("it holds a private key that is not RSA")
	}
	return rsaKey, nil
}

// Attempt is one sign-in in progress: the browser's session keeps it
// between sending the person to NHS login and their coming back, so that
// only the browser that started a sign-in can finish it.
type Attempt struct {
	State    string // ties NHS login's answer to this browser
	Nonce    string // ties the ID token to this attempt
	Verifier string // PKCE: proves the code is redeemed by whoever asked for it
}

// NewAttempt makes the secrets of a new sign-in.
func NewAttempt() Attempt {
	return Attempt{State: oauth2.GenerateVerifier(), Nonce: oauth2.GenerateVerifier(), Verifier: oauth2.GenerateVerifier()}
}

// AuthCodeURL is NHS login's page for the attempt.
func (c *Client) AuthCodeURL(a Attempt) string {
	return c.oauth.AuthCodeURL(a.State, oidc.Nonce(a.Nonce), oauth2.S256ChallengeOption(a.Verifier),
		oauth2.SetAuthURLParam("vtr", c.vtr))
}

// Identity is who NHS login says the person is.
type Identity struct {
	Subject     string // NHS login's lasting identifier for the person
	NHSNumber   string
	DateOfBirth time.Time
}

// Reasons an answer from NHS login is refused.
var (
	ErrWrongState         = errors.New("the state does not match the sign-in this browser started")
	ErrWrongNonce         = errors.New("the ID token's nonce does not match the sign-in")
	ErrLowVectorOfTrust   = errors.New("the ID token's vector of trust is not one that was asked for")
	ErrIncompleteIdentity = errors.New("NHS login did not give an NHS number and date of birth")
)

// Finish checks NHS login's answer to the attempt, redeems the code and
// returns the verified identity.
func (c *Client) Finish(ctx context.Context, a Attempt, state, code string) (Identity, error) {
	if a.State == "" || subtle.ConstantTimeCompare([]byte(state), []byte(a.State)) != 1 {
		return Identity{}, ErrWrongState
	}
	assertion, err := c.clientAssertion()
	if err != nil {
		return Identity{}, err
	}
	token, err := c.oauth.Exchange(ctx, code, oauth2.VerifierOption(a.Verifier),
		oauth2.SetAuthURLParam("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
		oauth2.SetAuthURLParam("client_assertion", assertion))
	if err != nil {
		return Identity{}, fmt.Errorf("redeeming the code: %w", err)
	}
	rawIDToken, _ := token.Extra("id_token").(string)
	idToken, err := c.idTokens.Verify(ctx, rawIDToken)
	if err != nil {
		return Identity{}, fmt.Errorf("checking the ID token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(a.Nonce)) != 1 {
		return Identity{}, ErrWrongNonce
	}
	var trust struct {
		VectorOfTrust string `json:"vot"`
	}
	if err := idToken.Claims(&trust); err != nil {
		return Identity{}, fmt.Errorf("reading the ID token: %w", err)
	}
	if !slices.Contains(c.vectorsOfTrust, trust.VectorOfTrust) {
		return Identity{}, fmt.Errorf("%w: got %q", ErrLowVectorOfTrust, trust.VectorOfTrust)
	}
	// The profile scope's claims come from the UserInfo endpoint.
	userInfo, err := c.provider.UserInfo(ctx, oauth2.StaticTokenSource(token))
	if err != nil {
		return Identity{}, fmt.Errorf("reading the person's details: %w", err)
	}
	if userInfo.Subject != idToken.Subject {
		return Identity{}, errors.New("the person's details are about someone other than the ID token")
	}
	var profile struct {
		NHSNumber string `json:"nhs_number"`
		BirthDate string `json:"birthdate"`
	}
	if err := userInfo.Claims(&profile); err != nil {
		return Identity{}, fmt.Errorf("reading the person's details: %w", err)
	}
	born, err := time.Parse(time.DateOnly, profile.BirthDate)
	if err != nil || profile.NHSNumber == "" {
		return Identity{}, ErrIncompleteIdentity
	}
	return Identity{Subject: idToken.Subject, NHSNumber: profile.NHSNumber, DateOfBirth: born}, nil
}

// clientAssertion proves to the token endpoint that the service is asking,
// signed with the service's private key as NHS login requires (RS512).
func (c *Client) clientAssertion() (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS512, Key: c.privateKey}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	now := time.Now()
	return jwt.Signed(signer).Claims(jwt.Claims{
		Issuer:   c.clientID,
		Subject:  c.clientID,
		Audience: jwt.Audience{c.oauth.Endpoint.TokenURL},
		ID:       oauth2.GenerateVerifier(),
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(5 * time.Minute)),
	}).Serialize()
}
