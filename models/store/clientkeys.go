package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"healthpassport/models"
	"healthpassport/models/keysets"

	"github.com/go-jose/go-jose/v4"
	"gorm.io/gorm"
)

// A client whose keys are published at an address may change them when it
// likes: it adds a key before it signs with it, and withdraws a key it no
// longer trusts. The set last fetched is kept on the client's row, with
// the time it expires, so that every instance shares it; it is fetched
// again once it expires, or when an assertion names a key id it lacks.
// Every fetch made for a token request is claimed first on the row, at
// most once per models.KeySetRefetchInterval, so that neither an attacker
// sending made-up key ids nor many instances at once can make us hammer
// the client's server.

// errKeysAskedRecently is a fetch not made because the client's key set
// was asked for within models.KeySetRefetchInterval.
var errKeysAskedRecently = errors.New("the client's key set was asked for less than a minute ago")

// assertionKeys are the keys to check a client's assertion with, whose
// header names kid (or no key id, if empty): the keys registered, or
// those fetched from the client's address while they are in date. A key
// set that cannot be fetched leaves the last one fetched in place, to be
// used until it expires.
func (s *Store) assertionKeys(ctx context.Context, client *models.APIClient, kid string) (*jose.JSONWebKeySet, error) {
	if client.KeysURL == "" {
		return models.PublicKeySet(client.PublicKeys)
	}
	if !s.clientKeysExpired(client) && !lacksKey(client.PublicKeys, kid) {
		return models.PublicKeySet(client.PublicKeys)
	}
	err := s.refetchClientKeys(ctx, client)
	var refusal *models.TokenRefusal
	switch {
	case err == nil:
	case errors.As(err, &refusal):
		// The last set fetched still serves an assertion it can check
		// while it is in date.
		if s.clientKeysExpired(client) || lacksKey(client.PublicKeys, kid) {
			return nil, err
		}
	case errors.Is(err, errKeysAskedRecently):
		switch {
		case client.KeysURL == "":
			// An administrator has just pasted keys in.
		case s.clientKeysExpired(client):
			return nil, refuseClient("the client's key set has expired and could not be fetched again just now: try again in a minute")
		case lacksKey(client.PublicKeys, kid):
			return nil, refuseClient("the client's key set has no key with the assertion's kid, and was fetched less than a minute ago: " +
				"publish the key before signing with it, and try again in a minute")
		}
	default:
		return nil, err
	}
	return models.PublicKeySet(client.PublicKeys)
}

func (s *Store) clientKeysExpired(client *models.APIClient) bool {
	return client.KeysExpireAt == nil || !s.now().Before(*client.KeysExpireAt)
}

// lacksKey reports whether an assertion naming kid names a key the set
// does not hold.
func lacksKey(publicKeys, kid string) bool {
	keys, err := models.PublicKeySet(publicKeys)
	return kid != "" && (err != nil || len(keys.Key(kid)) == 0)
}

// refetchClientKeys fetches a client's key set again, if no one has asked
// for it within models.KeySetRefetchInterval, and keeps it on the client's
// row and in client. If someone has, it reads the row again instead, in
// case they fetched a newer set, and returns errKeysAskedRecently. A set
// that cannot be fetched is a *models.TokenRefusal saying why, and leaves
// the row's keys as they were.
func (s *Store) refetchClientKeys(ctx context.Context, client *models.APIClient) error {
	now := s.now()
	claimed := s.db.WithContext(ctx).Model(&models.APIClient{}).
		Where("id = ? AND keys_url = ? AND (keys_checked_at IS NULL OR keys_checked_at <= ?)", client.ID, client.KeysURL, now.Add(-models.KeySetRefetchInterval)).
		Update("keys_checked_at", now)
	if claimed.Error != nil {
		return claimed.Error
	}
	if claimed.RowsAffected == 0 {
		if err := s.db.WithContext(ctx).Select("public_keys", "keys_url", "keys_expire_at").Take(client, client.ID).Error; err != nil {
			return err
		}
		return errKeysAskedRecently
	}
	demo, err := s.IsDemo(ctx)
	if err != nil {
		return err
	}
	fetched, err := keysets.Fetch(ctx, client.KeysURL, demo)
	if err != nil {
		// The client id and our rule's words only: the far side's answer
		// is never repeated, and nothing here is about a person.
		slog.Warn("a client's key set could not be fetched", "client_id", client.ClientID, "error", err)
		return refuseClient("the client's key set could not be fetched from its address: " + err.Error())
	}
	expires := now.Add(fetched.Lifetime)
	err = s.db.WithContext(ctx).Model(&models.APIClient{}).Where("id = ? AND keys_url = ?", client.ID, client.KeysURL).
		Updates(map[string]any{"public_keys": fetched.Keys, "keys_fetched_at": now, "keys_expire_at": expires}).Error
	if err != nil {
		return err
	}
	client.PublicKeys, client.KeysFetchedAt, client.KeysExpireAt = fetched.Keys, &now, &expires
	return nil
}

// keysFetchedAt gives, for a client's keys fetched from an address at now
// to be kept for lifetime, the columns that say so; for keys pasted in,
// it clears them.
func keysFetchedAt(keysURL string, now time.Time, lifetime time.Duration) (fetchedAt, expireAt *time.Time) {
	if keysURL == "" {
		return nil, nil
	}
	expires := now.Add(lifetime)
	return &now, &expires
}

// UpdateAPIClientKeysAt gives a client, found among those acting for some
// organisations and not revoked, new keys, checked by CheckAPIClientKeys,
// keeping its client id, and records who did. Keys fetched from an
// address are kept for their lifetime, and may be fetched again at once
// on an unknown key id.
func (s *Store) UpdateAPIClientKeysAt(ctx context.Context, actor models.Actor, organisationIDs []uint, client *models.RegisteredClient, keys models.NewAPIClient) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		fetchedAt, expireAt := keysFetchedAt(keys.KeysURL, now, keys.KeysLifetime)
		result := tx.Model(&models.APIClient{}).Where("id = ? AND revoked_at IS NULL AND organisation_id IN ?", client.ID, orNone(organisationIDs)).
			Updates(map[string]any{"public_keys": keys.PublicKeys, "keys_url": keys.KeysURL,
				"keys_fetched_at": fetchedAt, "keys_expire_at": expireAt, "keys_checked_at": nil})
		if result.Error != nil {
			return result.Error
		}
		if result.RowsAffected == 0 {
			return models.ErrNotFound
		}
		detail := client.Name + ": keys pasted in"
		if keys.KeysURL != "" {
			detail = client.Name + ": keys fetched from " + keys.KeysURL
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditAPIClientKeysChanged, TargetType: "api-client", TargetID: client.ClientID, Detail: detail})
	})
}
