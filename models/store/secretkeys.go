package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"healthpassport/models"
)

// MinSecretKeyLength is the shortest secret key accepted, in characters.
const MinSecretKeyLength = 32

// ErrNoSecretKey means the store was given no key to seal secrets with.
var ErrNoSecretKey = errors.New("no secret key: set PASSPORT_SECRET_KEY")

// SecretKeyUnknown means a secret was sealed with a key the service was not
// given: PASSPORT_SECRET_KEY or PASSPORT_SECRET_KEY_PREVIOUS is wrong.
type SecretKeyUnknown struct{ ID, Column string }

func (e *SecretKeyUnknown) Error() string {
	return fmt.Sprintf("%s was sealed with secret key %s, which is neither PASSPORT_SECRET_KEY nor one of PASSPORT_SECRET_KEY_PREVIOUS", e.Column, e.ID)
}

// SecretKey seals the secrets the service must read back (webhook signing
// secrets, its own signing key) with AES-256-GCM. It is derived from a
// secret kept outside the database, so that a copy of the database alone
// gives none of them away.
type SecretKey struct {
	// ID names the key beside every secret it seals. It is derived apart
	// from the cipher key, so it tells nothing about it.
	ID   string
	aead cipher.AEAD
}

// NewSecretKey derives the cipher key from a secret of at least
// MinSecretKeyLength characters with HKDF-SHA256.
func NewSecretKey(secret string) (SecretKey, error) {
	if len(secret) < MinSecretKeyLength {
		return SecretKey{}, fmt.Errorf("a secret key must be %d characters or more", MinSecretKeyLength)
	}
	derive := func(label string, size int) []byte {
		key, err := hkdf.Key(sha256.New, []byte(secret), nil, "health-passport "+label, size)
		if err != nil {
			panic(err) // only for a size HKDF cannot give
		}
		return key
	}
	block, err := aes.NewCipher(derive("secret-seal-v1", 32))
	if err != nil {
		return SecretKey{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return SecretKey{}, err
	}
	return SecretKey{ID: hex.EncodeToString(derive("secret key id", 8)), aead: aead}, nil
}

// SecretKeys are the key new secrets are sealed with and the keys it
// replaced, which secrets sealed before a rotation are opened with until
// the service reseals them as it starts.
type SecretKeys struct {
	current SecretKey
	byID    map[string]SecretKey
}

// NewSecretKeys derives the current key and any previous ones.
func NewSecretKeys(current string, previous ...string) (*SecretKeys, error) {
	key, err := NewSecretKey(current)
	if err != nil {
		return nil, err
	}
	keys := &SecretKeys{current: key, byID: map[string]SecretKey{key.ID: key}}
	for _, secret := range previous {
		old, err := NewSecretKey(secret)
		if err != nil {
			return nil, fmt.Errorf("previous key: %w", err)
		}
		keys.byID[old.ID] = old
	}
	return keys, nil
}

// CurrentID is the id of the key new secrets are sealed with.
func (k *SecretKeys) CurrentID() string { return k.current.ID }

// seal encrypts plaintext with the current key under a random nonce, bound
// to where it is kept (like "webhook_endpoints.secret:7"), so that a sealed
// value copied to another row or column does not open. It gives the
// base64 of nonce and ciphertext, and the key's id.
func (k *SecretKeys) seal(plaintext, place string) (sealed, keyID string, err error) {
	if k == nil {
		return "", "", ErrNoSecretKey
	}
	nonce := models.RandomBytes(k.current.aead.NonceSize())
	out := k.current.aead.Seal(nonce, nonce, []byte(plaintext), []byte(place))
	return base64.RawStdEncoding.EncodeToString(out), k.current.ID, nil
}

// open decrypts what seal gave for the same place, with the key it names.
func (k *SecretKeys) open(sealed, keyID, place string) (string, error) {
	if k == nil {
		return "", ErrNoSecretKey
	}
	key, ok := k.byID[keyID]
	if !ok {
		return "", &SecretKeyUnknown{ID: keyID, Column: place}
	}
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < key.aead.NonceSize() {
		return "", fmt.Errorf("%s is not a sealed secret", place)
	}
	plaintext, err := key.aead.Open(nil, raw[:key.aead.NonceSize()], raw[key.aead.NonceSize():], []byte(place))
	if err != nil {
		return "", fmt.Errorf("%s does not open with secret key %s: it was changed or moved from another row", place, keyID)
	}
	return string(plaintext), nil
}

// fallbackSecretKeys are the keys of a store not given its own. Only tests
// set them, through UseSecretKeysByDefault; the service always gives its
// store the configured keys.
var fallbackSecretKeys *SecretKeys

// UseSecretKeysByDefault gives every store made after it the keys, unless
// it is given others. The test databases' package calls it; the service
// never does.
func UseSecretKeysByDefault(keys *SecretKeys) { fallbackSecretKeys = keys }

// WithSecretKeys seals secrets with the current key and opens them with
// any of the keys.
func (s *Store) WithSecretKeys(keys *SecretKeys) *Store {
	s.secretKeys = keys
	return s
}

// ResealSecrets seals, with the current key, every secret that is not
// sealed with it yet: those written in plain text before secrets were
// sealed, and those sealed with a previous key. The service runs it as it
// starts, so that a previous key is needed only until then. It gives the
// number of secrets sealed anew.
func (s *Store) ResealSecrets(ctx context.Context) (int, error) {
	if s.secretKeys == nil {
		return 0, ErrNoSecretKey
	}
	current := s.secretKeys.CurrentID()
	// openOld reads a value written in plain text (no key id) or sealed
	// with a previous key.
	openOld := func(value, keyID, place string) (string, error) {
		if keyID == "" || value == "" {
			return value, nil
		}
		return s.secretKeys.open(value, keyID, place)
	}
	resealed := 0
	var endpoints []models.WebhookEndpoint
	if err := s.db.WithContext(ctx).Where("secret_key_id <> ?", current).Find(&endpoints).Error; err != nil {
		return 0, err
	}
	for _, endpoint := range endpoints {
		updates := map[string]any{"secret_key_id": current}
		for column, value := range map[string]string{"secret": endpoint.SealedSecret, "previous_secret": endpoint.SealedPreviousSecret} {
			place := webhookSecretPlace(column, endpoint.ID)
			plaintext, err := openOld(value, endpoint.SecretKeyID, place)
			if err != nil {
				return resealed, err
			}
			updates[column] = ""
			if plaintext != "" {
				if updates[column], _, err = s.secretKeys.seal(plaintext, place); err != nil {
					return resealed, err
				}
			}
		}
		// Another instance starting at the same time may have done it.
		update := s.db.WithContext(ctx).Model(&models.WebhookEndpoint{}).
			Where("id = ? AND secret_key_id = ? AND secret = ?", endpoint.ID, endpoint.SecretKeyID, endpoint.SealedSecret).Updates(updates)
		if update.Error != nil {
			return resealed, update.Error
		}
		resealed += int(update.RowsAffected)
	}
	var settings []models.Setting
	if err := s.db.WithContext(ctx).Where("key IN ? AND secret_key_id <> ?", secretSettings, current).Find(&settings).Error; err != nil {
		return resealed, err
	}
	for _, setting := range settings {
		place := settingPlace(setting.Key)
		plaintext, err := openOld(setting.Value, setting.SecretKeyID, place)
		if err != nil {
			return resealed, err
		}
		sealed, _, err := s.secretKeys.seal(plaintext, place)
		if err != nil {
			return resealed, err
		}
		update := s.db.WithContext(ctx).Model(&models.Setting{}).Where("key = ? AND secret_key_id = ? AND value = ?", setting.Key, setting.SecretKeyID, setting.Value).
			Updates(map[string]any{"value": sealed, "secret_key_id": current})
		if update.Error != nil {
			return resealed, update.Error
		}
		resealed += int(update.RowsAffected)
	}
	return resealed, nil
}

// secretSettings are the settings whose values are secrets the service
// reads back, kept sealed.
var secretSettings = []string{settingSigningKey}
