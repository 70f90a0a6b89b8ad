package store

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"healthpassport/models"
)

// MinAuditKeyLength is the shortest audit key accepted, in characters.
const MinAuditKeyLength = 32

// ErrNoAuditKey means the store was given no key to sign audit entries with.
var ErrNoAuditKey = errors.New("no audit key: set PASSPORT_AUDIT_KEY")

// AuditKey signs audit entries and checkpoints. It is derived from a secret
// kept outside the database, so that whoever can write the database cannot
// recompute the chain after changing an entry.
type AuditKey struct {
	// ID names the key on every entry it signs. It is derived apart from
	// the signing keys, so it tells nothing about them.
	ID         string
	entries    []byte // HMAC-SHA256 key for audit-event-v2
	checkpoint []byte // HMAC-SHA256 key for audit-checkpoint-v1
}

// NewAuditKey derives the audit keys from a secret of at least
// MinAuditKeyLength characters, each with HKDF-SHA256 and a label of its own.
func NewAuditKey(secret string) (AuditKey, error) {
	if len(secret) < MinAuditKeyLength {
		return AuditKey{}, fmt.Errorf("an audit key must be %d characters or more", MinAuditKeyLength)
	}
	derive := func(label string, size int) []byte {
		key, err := hkdf.Key(sha256.New, []byte(secret), nil, "health-passport "+label, size)
		if err != nil {
			panic(err) // only for a size HKDF cannot give
		}
		return key
	}
	return AuditKey{
		ID:         hex.EncodeToString(derive("audit key id", 8)),
		entries:    derive("audit-event-v2", sha256.Size),
		checkpoint: derive("audit-checkpoint-v1", sha256.Size),
	}, nil
}

// AuditKeys are the key new entries are signed with and the keys it
// replaced, which entries written before a rotation are checked with.
type AuditKeys struct {
	current AuditKey
	byID    map[string]AuditKey
}

// NewAuditKeys derives the current key and any previous ones.
func NewAuditKeys(current string, previous ...string) (*AuditKeys, error) {
	key, err := NewAuditKey(current)
	if err != nil {
		return nil, err
	}
	keys := &AuditKeys{current: key, byID: map[string]AuditKey{key.ID: key}}
	for _, secret := range previous {
		old, err := NewAuditKey(secret)
		if err != nil {
			return nil, fmt.Errorf("previous key: %w", err)
		}
		keys.byID[old.ID] = old
	}
	return keys, nil
}

// CurrentID is the id of the key new entries are signed with.
func (k *AuditKeys) CurrentID() string { return k.current.ID }

// key is the key with the given id, if it is one of these.
func (k *AuditKeys) key(id string) (AuditKey, bool) {
	if k == nil {
		return AuditKey{}, false
	}
	key, ok := k.byID[id]
	return key, ok
}

// EventMAC is the hex HMAC-SHA256 (audit-event-v2) that chains an entry
// signed with the key to the hash of the one before it. It covers what
// AuditEventHash covers, under its own version label, and the key's id.
func (key AuditKey) EventMAC(previous string, event models.AuditEvent) string {
	mac := hmac.New(sha256.New, key.entries)
	models.WriteField(mac, "audit-event-v2")
	models.WriteField(mac, key.ID)
	models.WriteField(mac, previous)
	models.WriteEventFields(mac, event)
	return hex.EncodeToString(mac.Sum(nil))
}

// PendingMAC is the hex HMAC-SHA256 (audit-pending-v1) that signs an entry
// while it waits to be chained. It covers what EventMAC covers but the
// entry before, which it has none of yet, and its id, written as 0; its
// own label keeps it from ever passing for a chained entry's.
func (key AuditKey) PendingMAC(event models.AuditEvent) string {
	mac := hmac.New(sha256.New, key.entries)
	models.WriteField(mac, "audit-pending-v1")
	models.WriteField(mac, key.ID)
	event.ID = 0
	models.WriteEventFields(mac, event)
	return hex.EncodeToString(mac.Sum(nil))
}

// checkpointSignature is the hex HMAC-SHA256 of a checkpoint's fields.
func checkpointSignature(key AuditKey, checkpoint models.AuditCheckpoint) string {
	mac := hmac.New(sha256.New, key.checkpoint)
	for _, field := range []string{
		"audit-checkpoint-v1",
		key.ID,
		strconv.FormatUint(uint64(checkpoint.LastEventID), 10),
		checkpoint.LastHash,
		strconv.FormatInt(checkpoint.Entries, 10),
		checkpoint.At.UTC().Format("2006-01-02T15:04:05.000000Z"),
	} {
		models.WriteField(mac, field)
	}
	return hex.EncodeToString(mac.Sum(nil))
}

// fallbackAuditKeys are the keys of a store not given its own. Only tests
// set them, through UseAuditKeysByDefault; the service always gives its
// store the configured keys.
var fallbackAuditKeys *AuditKeys

// UseAuditKeysByDefault gives every store made after it the keys, unless it
// is given others. The test databases' package calls it, so that the many
// stores tests make sign their entries alike; the service never does.
func UseAuditKeysByDefault(keys *AuditKeys) { fallbackAuditKeys = keys }

// WithAuditKeys signs new audit entries with the current key and checks
// entries with any of the keys.
func (s *Store) WithAuditKeys(keys *AuditKeys) *Store {
	s.auditKeys = keys
	return s
}
