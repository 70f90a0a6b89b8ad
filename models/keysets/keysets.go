// Package keysets fetches the JSON Web Key Sets that API clients publish,
// under the outbound client's rules.
package keysets

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"healthpassport/models"
	"healthpassport/models/outbound"
)

// fetchTimeout bounds fetching a client's key set while its
// administrator waits on the form.
const fetchTimeout = 5 * time.Second

// The clients key sets are fetched with: see the outbound package for the
// rules they keep.
var (
	liveClient = outbound.New(outbound.Config{Timeout: fetchTimeout, MaxBytes: models.MaxPublicKeysLength})
	demoClient = outbound.New(outbound.Config{Timeout: fetchTimeout, MaxBytes: models.MaxPublicKeysLength, AllowLoopback: true})
)

// Why a key set could not be fetched, beyond the outbound rules.
var (
	ErrRefused    = errors.New("it did not answer with the key set")
	ErrNotAKeySet = errors.New("the answer was not a JSON key set")
)

// Fetch reads a client's JSON Web Key Set from the address its
// administrator gave, under the outbound rules, and checks it is a usable
// set of public keys. Its errors name our rule and never repeat what the
// far side said.
func Fetch(ctx context.Context, address string, demo bool) (string, error) {
	client := liveClient
	if demo {
		client = demoClient
	}
	res, err := client.Get(ctx, address, http.Header{"Accept": {"application/json"}})
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return "", ErrRefused
	}
	keys := strings.TrimSpace(string(res.Body))
	if models.CheckPublicKeys(keys) != "" {
		return "", ErrNotAKeySet
	}
	return keys, nil
}
