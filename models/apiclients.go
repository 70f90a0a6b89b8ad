package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// RoleAPIClient is how the audit log names a machine client acting through
// the FHIR API: the entry's detail says which.
const RoleAPIClient Role = "api-client"

// APIClient is a machine client, such as a GP system, that reads the
// records of one organisation's patients through the FHIR API. It proves
// who it is by signing assertions with a private key whose public half is
// registered here (SMART Backend Services).
type APIClient struct {
	ID             uint
	ClientID       string
	Name           string
	OrganisationID uint
	Scopes         string // space-separated SMART v2 system scopes
	PublicKeys     string // a JSON Web Key Set
	KeysURL        string // where PublicKeys was fetched from, if it was
	// For keys fetched from KeysURL: when they were fetched, until when
	// they may be kept, and when they were last asked for (see
	// keysets.MinLifetime and KeySetRefetchInterval).
	KeysFetchedAt *time.Time
	KeysExpireAt  *time.Time
	KeysCheckedAt *time.Time
	RevokedAt     *time.Time
	CreatedAt     time.Time
}

// APIClientAssertion is a client assertion already used: each may get a
// token only once, so a copied assertion is worth nothing.
type APIClientAssertion struct {
	ID          uint
	APIClientID uint
	JTI         string `gorm:"column:jti"`
	ExpiresAt   time.Time
}

// APIAccessToken is a token issued to a client. Only its hash is kept.
type APIAccessToken struct {
	ID          uint
	TokenHash   string
	APIClientID uint
	Scopes      string
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// APIResourceTypes are the FHIR resource types the API serves; a client
// may be granted reading and searching each, as system/Type.rs.
var APIResourceTypes = []string{"Patient", "RelatedPerson", "Condition", "CarePlan", "MedicationStatement", "Observation",
	"Practitioner", "Organization", "Group"}

// ReadScope is the SMART v2 scope to read and search a resource type.
func ReadScope(resourceType string) string { return "system/" + resourceType + ".rs" }

// KeySetRefetchInterval is the least time between two requests for a
// client's key set on its token requests: an assertion signed with a key
// id the client's set lacks asks for the set again, and one who sends such
// assertions by the thousand must not make us send as many to the client.
const KeySetRefetchInterval = time.Minute

// Token lifetimes. SMART asks that assertions expire within five minutes.
const (
	AccessTokenLifetime     = 5 * time.Minute
	MaxAssertionLifetime    = 5 * time.Minute
	AssertionClockTolerance = 30 * time.Second
)

// AssertionAlgorithms are the signature algorithms SMART Backend Services
// names for client assertions.
var AssertionAlgorithms = []jose.SignatureAlgorithm{jose.RS384, jose.ES384}

// ClientAssertionType is the only kind of client assertion accepted.
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Why a client is refused a token, as OAuth 2.0 names it.
var (
	ErrInvalidClient = errors.New("invalid_client")
	ErrInvalidScope  = errors.New("invalid_scope")
)

// TokenRefusal is a refused token request: Code is the OAuth error, Reason
// says why for the client's developers.
type TokenRefusal struct {
	Code   error
	Reason string
}

func (e *TokenRefusal) Error() string { return e.Code.Error() + ": " + e.Reason }
func (e *TokenRefusal) Unwrap() error { return e.Code }

// NewAPIClient is what registering a client needs.
type NewAPIClient struct {
	Name       string
	ODSCode    string // the practice the client acts for
	Scopes     []string
	PublicKeys string // a JSON Web Key Set of public keys
	KeysURL    string // where PublicKeys was fetched from, if it was
	// KeysLifetime is how long keys fetched from KeysURL may be kept.
	KeysLifetime time.Duration
}

// Which clients a list of connected systems shows.
const (
	ClientActive  = "active"
	ClientRevoked = "revoked"
)

// RegisteredClient is a client with the name of the practice it acts for.
type RegisteredClient struct {
	APIClient
	OrganisationName string
}

// PublicKeySet reads a JSON Web Key Set whose keys are all public keys for
// one of the assertion algorithms.
func PublicKeySet(text string) (*jose.JSONWebKeySet, error) {
	var keys jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(text), &keys); err != nil {
		return nil, fmt.Errorf("the public keys are not a JSON Web Key Set: %w", err)
	}
	if len(keys.Keys) == 0 {
		return nil, errors.New("the JSON Web Key Set has no keys")
	}
	for _, key := range keys.Keys {
		if !key.IsPublic() {
			return nil, errors.New("the JSON Web Key Set holds a private key: register only the public half")
		}
		if !slices.Contains(AssertionAlgorithms, jose.SignatureAlgorithm(key.Algorithm)) {
			return nil, fmt.Errorf("key %q must have \"alg\" RS384 or ES384", key.KeyID)
		}
	}
	return &keys, nil
}

// AccessGrant is an access token issued to a client.
type AccessGrant struct {
	Token     string
	Scopes    []string
	ExpiresIn time.Duration
}
