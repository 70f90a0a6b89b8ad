package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"healthpassport/models/outbound"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"gorm.io/gorm"
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
	RevokedAt      *time.Time
	CreatedAt      time.Time
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
	"Practitioner", "Organization"}

// ReadScope is the SMART v2 scope to read and search a resource type.
func ReadScope(resourceType string) string { return "system/" + resourceType + ".rs" }

// Token lifetimes. SMART asks that assertions expire within five minutes.
const (
	AccessTokenLifetime     = 5 * time.Minute
	maxAssertionLifetime    = 5 * time.Minute
	assertionClockTolerance = 30 * time.Second
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

func refuseClient(reason string) error { return &TokenRefusal{Code: ErrInvalidClient, Reason: reason} }

// NewAPIClient is what registering a client needs.
type NewAPIClient struct {
	Name       string
	ODSCode    string // the practice the client acts for
	Scopes     []string
	PublicKeys string // a JSON Web Key Set of public keys
	KeysURL    string // where PublicKeys was fetched from, if it was
}

// CreateAPIClient registers a client for a practice and gives it a new
// client id.
func (s *Store) CreateAPIClient(entry NewAPIClient) (*APIClient, error) {
	name := strings.TrimSpace(entry.Name)
	if name == "" || len(name) > 200 {
		return nil, errors.New("give the client a name of 200 characters or fewer")
	}
	if len(entry.Scopes) == 0 {
		return nil, fmt.Errorf("give the client one or more scopes, such as %s", ReadScope("Patient"))
	}
	for _, scope := range entry.Scopes {
		if !slices.ContainsFunc(APIResourceTypes, func(t string) bool { return ReadScope(t) == scope }) {
			return nil, fmt.Errorf("scope %q is not one the API grants: use system/TYPE.rs for TYPE one of %s", scope, strings.Join(APIResourceTypes, ", "))
		}
	}
	if _, err := publicKeySet(entry.PublicKeys); err != nil {
		return nil, err
	}
	var practice Organisation
	err := s.db.Where("ods_code = ? AND kind = ?", entry.ODSCode, OrganisationPractice).Take(&practice).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("no practice has the ODS code %q", entry.ODSCode)
	}
	if err != nil {
		return nil, err
	}
	client := newAPIClient(entry, practice.ID)
	return &client, s.db.Create(&client).Error
}

func newAPIClient(entry NewAPIClient, practiceID uint) APIClient {
	return APIClient{ClientID: strings.ToLower(rand.Text()), Name: strings.TrimSpace(entry.Name), OrganisationID: practiceID,
		Scopes: strings.Join(entry.Scopes, " "), PublicKeys: entry.PublicKeys, KeysURL: entry.KeysURL}
}

// RegisterAPIClient registers a client checked by CheckAPIClient, with its
// public keys in hand, and records who registered it.
func (s *Store) RegisterAPIClient(actor Actor, entry NewAPIClient) (*APIClient, error) {
	var client APIClient
	err := s.db.Transaction(func(tx *gorm.DB) error {
		var practice Organisation
		if err := tx.Where("ods_code = ? AND kind = ?", entry.ODSCode, OrganisationPractice).Take(&practice).Error; err != nil {
			return notFound(err)
		}
		client = newAPIClient(entry, practice.ID)
		client.CreatedAt = s.now()
		if err := tx.Create(&client).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditAPIClientRegistered, TargetType: "api-client", TargetID: client.ClientID,
			Detail: client.Name + " for " + practice.Name + ": " + client.Scopes})
	})
	return &client, err
}

// RegisteredClient is a client with the name of the practice it acts for.
type RegisteredClient struct {
	APIClient
	OrganisationName string
}

func (s *Store) registeredClients(organisationIDs []uint) *gorm.DB {
	return s.db.Model(&APIClient{}).Select("api_clients.*, organisations.name AS organisation_name").
		Joins("JOIN organisations ON organisations.id = api_clients.organisation_id").
		Where("api_clients.organisation_id IN ?", nonEmpty(organisationIDs))
}

// APIClientsAt lists the clients acting for some organisations, newest
// first.
func (s *Store) APIClientsAt(organisationIDs []uint) ([]RegisteredClient, error) {
	var clients []RegisteredClient
	err := s.registeredClients(organisationIDs).Order("api_clients.id DESC").Scan(&clients).Error
	return clients, err
}

// APIClientAt finds a client among those acting for some organisations.
func (s *Store) APIClientAt(organisationIDs []uint, id uint) (*RegisteredClient, error) {
	var clients []RegisteredClient
	if err := s.registeredClients(organisationIDs).Where("api_clients.id = ?", id).Scan(&clients).Error; err != nil {
		return nil, err
	}
	if len(clients) == 0 {
		return nil, ErrNotFound
	}
	return &clients[0], nil
}

// RevokeAPIClientAt stops a client, found among those acting for some
// organisations, at once, and records who did. A client already revoked
// is not found: the update decides, so two administrators revoking at
// once record one revocation.
func (s *Store) RevokeAPIClientAt(actor Actor, organisationIDs []uint, client *RegisteredClient) error {
	err := s.db.Transaction(func(tx *gorm.DB) error {
		result := tx.Model(&APIClient{}).
			Where("id = ? AND revoked_at IS NULL AND organisation_id IN ?", client.ID, nonEmpty(organisationIDs)).Update("revoked_at", s.now())
		if result.Error != nil {
			return result.Error
		}
		if result.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := cancelClientExports(tx, client.ID, s.now()); err != nil {
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditAPIClientRevoked, TargetType: "api-client", TargetID: client.ClientID, Detail: client.Name})
	})
	if err != nil {
		return err
	}
	return s.removeClientExportFiles(client.ID)
}

// nonEmpty is a list of ids fit for an IN list on both databases: one that
// matches nothing when there are none.
func nonEmpty(ids []uint) []uint {
	if len(ids) == 0 {
		return []uint{0}
	}
	return ids
}

// publicKeySet reads a JSON Web Key Set whose keys are all public keys for
// one of the assertion algorithms.
func publicKeySet(text string) (*jose.JSONWebKeySet, error) {
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

// IssueAccessToken checks a client assertion, a JWT signed with one of the
// client's registered keys, addressed to tokenURL, and gives a short-lived
// token for the scopes asked for, if the client holds them all. Each
// assertion is used once: its jti is recorded under a unique index, so a
// replay fails even when sent at the same moment as the original.
func (s *Store) IssueAccessToken(ctx context.Context, assertion, tokenURL, scope string) (*AccessGrant, error) {
	signed, err := jwt.ParseSigned(assertion, AssertionAlgorithms)
	if err != nil {
		return nil, refuseClient("the client assertion is not a JWT signed with RS384 or ES384")
	}
	var unverified jwt.Claims
	if err := signed.UnsafeClaimsWithoutVerification(&unverified); err != nil || unverified.Issuer == "" {
		return nil, refuseClient("the client assertion names no issuer")
	}
	var client APIClient
	err = s.db.WithContext(ctx).Where("client_id = ? AND revoked_at IS NULL", unverified.Issuer).Take(&client).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, refuseClient("no client has this id, or it has been revoked")
	}
	if err != nil {
		return nil, err
	}
	keys, err := publicKeySet(client.PublicKeys)
	if err != nil {
		return nil, err
	}
	candidates := keys.Keys
	if kid := signed.Headers[0].KeyID; kid != "" {
		candidates = keys.Key(kid)
	}
	var claims jwt.Claims
	verified := slices.ContainsFunc(candidates, func(key jose.JSONWebKey) bool {
		return key.Algorithm == signed.Headers[0].Algorithm && signed.Claims(key.Key, &claims) == nil
	})
	if !verified {
		return nil, refuseClient("the client assertion's signature does not match the client's registered keys")
	}
	now := s.now()
	err = claims.ValidateWithLeeway(jwt.Expected{Issuer: client.ClientID, Subject: client.ClientID,
		AnyAudience: jwt.Audience{tokenURL}, Time: now}, assertionClockTolerance)
	switch {
	case errors.Is(err, jwt.ErrInvalidAudience):
		return nil, refuseClient("the client assertion's aud must be " + tokenURL)
	case errors.Is(err, jwt.ErrExpired):
		return nil, refuseClient("the client assertion has expired")
	case err != nil:
		return nil, refuseClient("the client assertion's iss and sub must both be the client id, and it must be in date")
	case claims.Expiry == nil || claims.Expiry.Time().After(now.Add(maxAssertionLifetime+assertionClockTolerance)):
		return nil, refuseClient("the client assertion must expire within five minutes")
	case claims.IssuedAt != nil && claims.IssuedAt.Time().Before(now.Add(-maxAssertionLifetime-assertionClockTolerance)):
		// An assertion signed long ago and kept is one that may have been
		// taken: it must have been signed within the window it may live.
		return nil, refuseClient("the client assertion's iat must be within the last five minutes")
	case claims.ID == "" || len(claims.ID) > 255:
		return nil, refuseClient("the client assertion needs a jti of 255 characters or fewer")
	}
	granted := strings.Fields(scope)
	if len(granted) == 0 || slices.ContainsFunc(granted, func(s string) bool { return !slices.Contains(strings.Fields(client.Scopes), s) }) {
		return nil, &TokenRefusal{Code: ErrInvalidScope, Reason: "ask for one or more of the client's scopes: " + client.Scopes}
	}
	token := rand.Text()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("api_client_id = ? AND expires_at < ?", client.ID, now.Add(-assertionClockTolerance)).
			Delete(&APIClientAssertion{}).Error; err != nil {
			return err
		}
		if err := tx.Create(&APIClientAssertion{APIClientID: client.ID, JTI: claims.ID, ExpiresAt: claims.Expiry.Time()}).Error; err != nil {
			if isUniqueViolation(err) {
				return refuseClient("this client assertion has been used already: sign a new one with a new jti")
			}
			return err
		}
		return tx.Create(&APIAccessToken{TokenHash: tokenHash(token), APIClientID: client.ID,
			Scopes: strings.Join(granted, " "), ExpiresAt: now.Add(AccessTokenLifetime)}).Error
	})
	if err != nil {
		return nil, err
	}
	return &AccessGrant{Token: token, Scopes: granted, ExpiresIn: AccessTokenLifetime}, nil
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// APIPrincipal loads the client an access token was issued to, if the
// token is in date and the client not revoked: revoking a client ends its
// tokens at once.
func (s *Store) APIPrincipal(ctx context.Context, token string) (*Principal, error) {
	var issued struct {
		APIAccessToken
		Client APIClient `gorm:"embedded;embeddedPrefix:client_"`
	}
	err := s.db.WithContext(ctx).Table("api_access_tokens").
		Select(`api_access_tokens.*, api_clients.id AS client_id, api_clients.client_id AS client_client_id,
			api_clients.name AS client_name, api_clients.organisation_id AS client_organisation_id`).
		Joins("JOIN api_clients ON api_clients.id = api_access_tokens.api_client_id").
		Where("api_access_tokens.token_hash = ? AND api_access_tokens.expires_at > ? AND api_clients.revoked_at IS NULL",
			tokenHash(token), s.now()).
		Take(&issued).Error
	if err != nil {
		return nil, notFound(err)
	}
	return &Principal{Client: &issued.Client, Scopes: strings.Fields(issued.Scopes),
		PracticeIDs: []uint{issued.Client.OrganisationID}}, nil
}

// RevokeAPIClient stops a client at once: its tokens stop working and it
// gets no new ones.
func (s *Store) RevokeAPIClient(clientID string) error {
	var client APIClient
	err := s.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("client_id = ? AND revoked_at IS NULL", clientID).Take(&client).Error; err != nil {
			return notFound(err)
		}
		result := tx.Model(&APIClient{}).Where("id = ? AND revoked_at IS NULL", client.ID).Update("revoked_at", s.now())
		if result.Error == nil && result.RowsAffected == 0 {
			return ErrNotFound
		}
		if result.Error != nil {
			return result.Error
		}
		return cancelClientExports(tx, client.ID, s.now())
	})
	if err != nil {
		return err
	}
	return s.removeClientExportFiles(client.ID)
}

// keysFetchTimeout bounds fetching a client's key set while its
// administrator waits on the form.
const keysFetchTimeout = 5 * time.Second

// The clients key sets are fetched with: see the outbound package for the
// rules they keep.
var (
	liveKeySetClient = outbound.New(outbound.Config{Timeout: keysFetchTimeout, MaxBytes: MaxPublicKeysLength})
	demoKeySetClient = outbound.New(outbound.Config{Timeout: keysFetchTimeout, MaxBytes: MaxPublicKeysLength, AllowLoopback: true})
)

// Why a key set could not be fetched, beyond the outbound rules.
var (
	ErrKeySetRefused = errors.New("it did not answer with the key set")
	ErrNotAKeySet    = errors.New("the answer was not a JSON key set")
)

// FetchKeySet reads a client's JSON Web Key Set from the address its
// administrator gave, under the outbound rules, and checks it is a usable
// set of public keys. Its errors name our rule and never repeat what the
// far side said.
func FetchKeySet(ctx context.Context, address string, demo bool) (string, error) {
	client := liveKeySetClient
	if demo {
		client = demoKeySetClient
	}
	res, err := client.Get(ctx, address, http.Header{"Accept": {"application/json"}})
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return "", ErrKeySetRefused
	}
	keys := strings.TrimSpace(string(res.Body))
	if CheckPublicKeys(keys) != "" {
		return "", ErrNotAKeySet
	}
	return keys, nil
}
