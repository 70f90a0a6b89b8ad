package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"healthpassport/models"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"gorm.io/gorm"
)

func refuseClient(reason string) error {
	return &models.TokenRefusal{Code: models.ErrInvalidClient, Reason: reason}
}

// CreateAPIClient registers a client for a practice and gives it a new
// client id.
func (s *Store) CreateAPIClient(ctx context.Context, entry models.NewAPIClient) (*models.APIClient, error) {
	name := strings.TrimSpace(entry.Name)
	if name == "" || len(name) > 200 {
		return nil, errors.New("give the client a name of 200 characters or fewer")
	}
	if len(entry.Scopes) == 0 {
		return nil, fmt.Errorf("give the client one or more scopes, such as %s", models.ReadScope("Patient"))
	}
	for _, scope := range entry.Scopes {
		if _, granted := models.ScopeResourceTypes(scope); !granted {
			return nil, fmt.Errorf("scope %q is not one the API grants: use system/TYPE.rs or system/TYPE.read for TYPE * or one of %s",
				scope, strings.Join(models.APIResourceTypes, ", "))
		}
	}
	if _, err := models.PublicKeySet(entry.PublicKeys); err != nil {
		return nil, err
	}
	var practice models.Organisation
	err := s.db.WithContext(ctx).Where("ods_code = ? AND kind = ?", entry.ODSCode, models.OrganisationPractice).Take(&practice).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("no practice has the ODS code %q", entry.ODSCode)
	}
	if err != nil {
		return nil, err
	}
	client := newAPIClient(entry, practice.ID, s.now())
	return &client, s.db.WithContext(ctx).Create(&client).Error
}

func newAPIClient(entry models.NewAPIClient, practiceID uint, now time.Time) models.APIClient {
	fetchedAt, expireAt := keysFetchedAt(entry.KeysURL, now, entry.KeysLifetime)
	return models.APIClient{ClientID: strings.ToLower(rand.Text()), Name: strings.TrimSpace(entry.Name), OrganisationID: practiceID,
		Scopes: strings.Join(entry.Scopes, " "), PublicKeys: entry.PublicKeys, KeysURL: entry.KeysURL,
		KeysFetchedAt: fetchedAt, KeysExpireAt: expireAt, CreatedAt: now}
}

// RegisterAPIClient registers a client checked by CheckAPIClient, with its
// public keys in hand, and records who registered it.
func (s *Store) RegisterAPIClient(ctx context.Context, actor models.Actor, entry models.NewAPIClient) (*models.APIClient, error) {
	var client models.APIClient
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var practice models.Organisation
		if err := tx.Where("ods_code = ? AND kind = ?", entry.ODSCode, models.OrganisationPractice).Take(&practice).Error; err != nil {
			return notFound(err)
		}
		client = newAPIClient(entry, practice.ID, s.now())
		if err := tx.Create(&client).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditAPIClientRegistered, TargetType: "api-client", TargetID: client.ClientID,
			Detail: client.Name + " for " + practice.Name + ": " + client.Scopes})
	})
	return &client, err
}

// registeredClients are the clients acting for some organisations; each
// reads registeredClientColumns.
func (s *Store) registeredClients(ctx context.Context, organisationIDs []uint) *gorm.DB {
	return s.db.WithContext(ctx).Model(&models.APIClient{}).
		Joins("JOIN organisations ON organisations.id = api_clients.organisation_id").
		Where("api_clients.organisation_id IN ?", orNone(organisationIDs))
}

const registeredClientColumns = "api_clients.*, organisations.name AS organisation_name"

// APIClientsAt lists a page of the clients acting for some organisations,
// newest first: those still connected (models.ClientActive), those
// revoked (models.ClientRevoked), or both when state is empty.
func (s *Store) APIClientsAt(ctx context.Context, organisationIDs []uint, state string, page int) (models.Listing[models.RegisteredClient], error) {
	q := s.registeredClients(ctx, organisationIDs)
	switch state {
	case models.ClientActive:
		q = q.Where("api_clients.revoked_at IS NULL")
	case models.ClientRevoked:
		q = q.Where("api_clients.revoked_at IS NOT NULL")
	}
	return listPage[models.RegisteredClient](q, registeredClientColumns, "api_clients.id DESC", page)
}

// APIClientAt finds a client among those acting for some organisations.
func (s *Store) APIClientAt(ctx context.Context, organisationIDs []uint, id uint) (*models.RegisteredClient, error) {
	var clients []models.RegisteredClient
	if err := s.registeredClients(ctx, organisationIDs).Select(registeredClientColumns).Where("api_clients.id = ?", id).Scan(&clients).Error; err != nil {
		return nil, err
	}
	if len(clients) == 0 {
		return nil, models.ErrNotFound
	}
	return &clients[0], nil
}

// RevokeAPIClientAt stops a client, found among those acting for some
// organisations, at once, and records who did. A client already revoked
// is not found: the update decides, so two administrators revoking at
// once record one revocation.
func (s *Store) RevokeAPIClientAt(ctx context.Context, actor models.Actor, organisationIDs []uint, client *models.RegisteredClient) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		result := tx.Model(&models.APIClient{}).
			Where("id = ? AND revoked_at IS NULL AND organisation_id IN ?", client.ID, orNone(organisationIDs)).Update("revoked_at", s.now())
		if result.Error != nil {
			return result.Error
		}
		if result.RowsAffected == 0 {
			return models.ErrNotFound
		}
		if err := cancelClientExports(tx, client.ID, s.now()); err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditAPIClientRevoked, TargetType: "api-client", TargetID: client.ClientID, Detail: client.Name})
	})
	if err != nil {
		return err
	}
	return s.removeClientExportFiles(ctx, client.ID)
}

// IssueAccessToken checks a client assertion, a JWT signed with one of the
// client's registered keys, addressed to tokenURL, and gives a short-lived
// token for the scopes asked for, if the client holds them all. Each
// assertion is used once: its jti is recorded under a unique index, so a
// replay fails even when sent at the same moment as the original.
func (s *Store) IssueAccessToken(ctx context.Context, assertion, tokenURL, scope string) (*models.AccessGrant, error) {
	signed, err := jwt.ParseSigned(assertion, models.AssertionAlgorithms)
	if err != nil {
		return nil, refuseClient("the client assertion is not a JWT signed with RS384 or ES384")
	}
	var unverified jwt.Claims
	if err := signed.UnsafeClaimsWithoutVerification(&unverified); err != nil || unverified.Issuer == "" {
		return nil, refuseClient("the client assertion names no issuer")
	}
	var client models.APIClient
	err = s.db.WithContext(ctx).Where("client_id = ? AND revoked_at IS NULL", unverified.Issuer).Take(&client).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, refuseClient("no client has this id, or it has been revoked")
	}
	if err != nil {
		return nil, err
	}
	keys, err := s.assertionKeys(ctx, &client, signed.Headers[0].KeyID)
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
		AnyAudience: jwt.Audience{tokenURL}, Time: now}, models.AssertionClockTolerance)
	switch {
	case errors.Is(err, jwt.ErrInvalidAudience):
		return nil, refuseClient("the client assertion's aud must be " + tokenURL)
	case errors.Is(err, jwt.ErrExpired):
		return nil, refuseClient("the client assertion has expired")
	case err != nil:
		return nil, refuseClient("the client assertion's iss and sub must both be the client id, and it must be in date")
	case claims.Expiry == nil || claims.Expiry.Time().After(now.Add(models.MaxAssertionLifetime+models.AssertionClockTolerance)):
		return nil, refuseClient("the client assertion must expire within five minutes")
	case claims.IssuedAt != nil && claims.IssuedAt.Time().Before(now.Add(-models.MaxAssertionLifetime-models.AssertionClockTolerance)):
		// An assertion signed long ago and kept is one that may have been
		// taken: it must have been signed within the window it may live.
		return nil, refuseClient("the client assertion's iat must be within the last five minutes")
	case claims.ID == "" || len(claims.ID) > 255:
		return nil, refuseClient("the client assertion needs a jti of 255 characters or fewer")
	}
	granted := strings.Fields(scope)
	if len(granted) == 0 || slices.ContainsFunc(granted, func(asked string) bool { return !scopeHeld(strings.Fields(client.Scopes), asked) }) {
		return nil, &models.TokenRefusal{Code: models.ErrInvalidScope,
			Reason: "ask for one or more of the client's scopes, in SMART v2 or v1 syntax: " + client.Scopes}
	}
	token := rand.Text()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("api_client_id = ? AND expires_at < ?", client.ID, now.Add(-models.AssertionClockTolerance)).
			Delete(&models.APIClientAssertion{}).Error; err != nil {
			return err
		}
		if err := tx.Create(&models.APIClientAssertion{APIClientID: client.ID, JTI: claims.ID, ExpiresAt: claims.Expiry.Time()}).Error; err != nil {
			if IsUniqueViolation(err) {
				return refuseClient("this client assertion has been used already: sign a new one with a new jti")
			}
			return err
		}
		return tx.Create(&models.APIAccessToken{TokenHash: tokenHash(token), APIClientID: client.ID,
			Scopes: strings.Join(granted, " "), ExpiresAt: now.Add(models.AccessTokenLifetime)}).Error
	})
	if err != nil {
		return nil, err
	}
	return &models.AccessGrant{Token: token, Scopes: granted, ExpiresIn: models.AccessTokenLifetime}, nil
}

// scopeHeld reports whether a client registered with some scopes may be
// granted the scope it asks for: one the API grants, in either SMART
// syntax, covering only resource types the client may read.
func scopeHeld(registered []string, asked string) bool {
	covered, granted := models.ScopeResourceTypes(asked)
	return granted && !slices.ContainsFunc(covered, func(resourceType string) bool { return !models.ScopesCover(registered, resourceType) })
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// APIPrincipal loads the client an access token was issued to, if the
// token is in date and the client not revoked: revoking a client ends its
// tokens at once.
func (s *Store) APIPrincipal(ctx context.Context, token string) (*models.Principal, error) {
	var issued struct {
		models.APIAccessToken
		Client models.APIClient `gorm:"embedded;embeddedPrefix:client_"`
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
	return &models.Principal{Client: &issued.Client, Scopes: strings.Fields(issued.Scopes),
		PracticeIDs: []uint{issued.Client.OrganisationID}}, nil
}

// RevokeAPIClient stops a client at once: its tokens stop working and it
// gets no new ones.
func (s *Store) RevokeAPIClient(ctx context.Context, clientID string) error {
	var client models.APIClient
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("client_id = ? AND revoked_at IS NULL", clientID).Take(&client).Error; err != nil {
			return notFound(err)
		}
		result := tx.Model(&models.APIClient{}).Where("id = ? AND revoked_at IS NULL", client.ID).Update("revoked_at", s.now())
		if result.Error == nil && result.RowsAffected == 0 {
			return models.ErrNotFound
		}
		if result.Error != nil {
			return result.Error
		}
		return cancelClientExports(tx, client.ID, s.now())
	})
	if err != nil {
		return err
	}
	return s.removeClientExportFiles(ctx, client.ID)
}
