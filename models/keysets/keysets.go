// Package keysets fetches the JSON Web Key Sets that API clients publish,
// under the outbound client's rules, and says how long each may be kept.
package keysets

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"healthpassport/models"
	"healthpassport/models/outbound"

	"github.com/go-jose/go-jose/v4"
)

// fetchTimeout bounds fetching a client's key set while its
// administrator waits on the form, or its token request waits.
const fetchTimeout = 5 * time.Second

// How long a fetched key set is kept before it is fetched again: as long
// as the answer's Cache-Control max-age, or its Expires, says, but never
// less than MinLifetime, so that a client whose answers forbid caching is
// not fetched on every token request, and never more than MaxLifetime, so
// that a key the client withdraws stops working within a day even if its
// answers asked to be kept longer.
const (
	MinLifetime = 5 * time.Minute
	MaxLifetime = 24 * time.Hour
)

// The clients key sets are fetched with: see the outbound package for the
// rules they keep.
var (
	liveClient = outbound.New(outbound.Config{Timeout: fetchTimeout, MaxBytes: models.MaxPublicKeysLength})
	demoClient = outbound.New(outbound.Config{Timeout: fetchTimeout, MaxBytes: models.MaxPublicKeysLength, AllowLoopback: true})
)

// Why a key set could not be fetched, beyond the outbound rules.
var (
	ErrRefused      = errors.New("it did not answer with the key set")
	ErrNotAKeySet   = errors.New("the answer was not a JSON key set")
	ErrNoUsableKeys = errors.New("the key set has no keys to use: each must be a public key with \"alg\" RS384 or ES384")
)

// KeySet is a client's key set as fetched: the JSON Web Key Set, and how
// long it may be kept.
type KeySet struct {
	Keys     string
	Lifetime time.Duration
}

// Fetch reads a client's JSON Web Key Set from the address its
// administrator gave, under the outbound rules, and checks it is a usable
// set of public keys. Its errors name our rule and never repeat what the
// far side said.
func Fetch(ctx context.Context, address string, demo bool) (KeySet, error) {
	client := liveClient
	if demo {
		client = demoClient
	}
	res, err := client.Get(ctx, address, http.Header{"Accept": {"application/json"}})
	if err != nil {
		return KeySet{}, err
	}
	if res.StatusCode != http.StatusOK {
		return KeySet{}, ErrRefused
	}
	keys := strings.TrimSpace(string(res.Body))
	var set jose.JSONWebKeySet
	if json.Unmarshal([]byte(keys), &set) != nil {
		return KeySet{}, ErrNotAKeySet
	}
	if models.CheckPublicKeys(keys) != "" {
		return KeySet{}, ErrNoUsableKeys
	}
	return KeySet{Keys: keys, Lifetime: lifetime(res.Caching)}, nil
}

// lifetime is how long an answer with these headers may be kept, within
// MinLifetime and MaxLifetime: Cache-Control's max-age, less the Age the
// answer has already spent in a cache, or else Expires less Date.
// no-store and no-cache, or no word on caching at all, mean the least.
func lifetime(caching http.Header) time.Duration {
	kept, said := cacheControlLifetime(caching)
	if !said {
		kept = expiresLifetime(caching)
	}
	return min(max(kept, MinLifetime), MaxLifetime)
}

// cacheControlLifetime reads Cache-Control; said is false if it names no
// lifetime.
func cacheControlLifetime(caching http.Header) (kept time.Duration, said bool) {
	for _, header := range caching.Values("Cache-Control") {
		for directive := range strings.SplitSeq(header, ",") {
			name, value, _ := strings.Cut(strings.ToLower(strings.TrimSpace(directive)), "=")
			switch name {
			case "no-store", "no-cache":
				return 0, true
			case "max-age":
				seconds, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64)
				if err != nil {
					return 0, true
				}
				age, _ := strconv.ParseInt(caching.Get("Age"), 10, 64)
				return time.Duration(min(seconds-max(age, 0), int64(MaxLifetime/time.Second))) * time.Second, true
			}
		}
	}
	return 0, false
}

// expiresLifetime reads Expires against the answer's own Date, so that our
// clock and the far side's need not agree; an Expires that cannot be read
// means already expired, as HTTP says.
func expiresLifetime(caching http.Header) time.Duration {
	expires, err := http.ParseTime(caching.Get("Expires"))
	if err != nil {
		return 0
	}
	date, err := http.ParseTime(caching.Get("Date"))
	if err != nil {
		return 0
	}
	return expires.Sub(date)
}
