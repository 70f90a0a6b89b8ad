package models

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"healthpassport/models/outbound"
)

// Limits on what registering a client takes.
const (
	MaxPublicKeysLength = 20000
	MaxKeysURLLength    = 2000
)

// APIClientEntry is a client as an administrator registers it: either its
// public keys or the address they are published at.
type APIClientEntry struct {
	Name         string
	Organisation string // the id of the practice it acts for
	Scopes       []string
	PublicKeys   string
	KeysURL      string
}

// CheckAPIClient checks a client's registration, for a practice among
// those the administrator looks after, and its keys by CheckAPIClientKeys.
func CheckAPIClient(entry APIClientEntry, practices []Organisation, demo bool) (NewAPIClient, FieldErrors) {
	var errs FieldErrors
	client := NewAPIClient{Name: strings.TrimSpace(entry.Name)}
	errs.requireText("name", client.Name, "Enter the system's name", "The system's name", 200)
	id, _ := strconv.ParseUint(entry.Organisation, 10, 64)
	if i := slices.IndexFunc(practices, func(o Organisation) bool { return uint64(o.ID) == id && o.Kind == OrganisationPractice }); i >= 0 {
		client.ODSCode = practices[i].ODSCode
	} else {
		errs.Add("organisation", "Choose the practice the system works for")
	}
	for _, scope := range entry.Scopes {
		if _, granted := ScopeResourceTypes(scope); !granted {
			errs.Add("scopes", "Choose what the system may read from the list")
		} else if !slices.Contains(client.Scopes, scope) {
			client.Scopes = append(client.Scopes, scope)
		}
	}
	if len(entry.Scopes) == 0 {
		errs.Add("scopes", "Choose what the system may read")
	}
	keys, keyErrs := CheckAPIClientKeys(entry.PublicKeys, entry.KeysURL, demo)
	client.PublicKeys, client.KeysURL = keys.PublicKeys, keys.KeysURL
	return client, append(errs, keyErrs...)
}

// CheckAPIClientKeys checks a client's keys, at registration or when an
// administrator changes them: either its public keys or the address they
// are published at. Demo mode lets keys come from a plain http address;
// otherwise only https will do. Keys fetched from an address are checked
// once they are in hand, by CheckPublicKeys.
func CheckAPIClientKeys(publicKeys, keysURL string, demo bool) (NewAPIClient, FieldErrors) {
	var errs FieldErrors
	client := NewAPIClient{PublicKeys: strings.TrimSpace(publicKeys), KeysURL: strings.TrimSpace(keysURL)}
	switch {
	case client.PublicKeys == "" && client.KeysURL == "":
		errs.Add("keys", "Paste the system's public keys, or enter the address they are published at")
	case client.PublicKeys != "" && client.KeysURL != "":
		errs.Add("keys", "Paste the public keys or enter their address, not both")
	case len(client.PublicKeys) > MaxPublicKeysLength:
		errs.Add("keys", "The public keys must be "+strconv.Itoa(MaxPublicKeysLength)+" characters or fewer")
	case client.PublicKeys != "":
		if message := CheckPublicKeys(client.PublicKeys); message != "" {
			errs.Add("keys", message)
		}
	default:
		if message := CheckKeysURL(client.KeysURL, demo); message != "" {
			errs.Add("keys_url", message)
		}
	}
	return client, errs
}

// CheckKeysURL checks the address of a client's key set: https (plain
// http too in demo mode), with no user name, password or #fragment, and
// not written as a private network address.
func CheckKeysURL(address string, demo bool) string {
	if len(address) > MaxKeysURLLength {
		return "The address must be " + strconv.Itoa(MaxKeysURLLength) + " characters or fewer"
	}
	return userAddressMessage(outbound.CheckAddress(address, demo, demo),
		"Enter the address of the key set, like https://example.com/.well-known/jwks.json")
}

// userAddressMessage puts the rule an address a user gave us broke into
// the words of the form's error message; enter says what to enter when
// the text is not a web address at all.
func userAddressMessage(err error, enter string) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, outbound.ErrNotHTTPS):
		return "Enter an address starting https://"
	case errors.Is(err, outbound.ErrUserInfo):
		return "Enter the address without a user name or password in it"
	case errors.Is(err, outbound.ErrFragment):
		return "Enter the address without the # and what follows it"
	case errors.Is(err, outbound.ErrPrivateAddress):
		return "Enter an address on the internet: the address is a private network address"
	}
	return enter
}

// CheckPublicKeys says, in words for the administrator, what is wrong with
// a JSON Web Key Set, or returns "" if it will do.
func CheckPublicKeys(keys string) string {
	if _, err := PublicKeySet(keys); err != nil {
		return "The public keys must be a JSON Web Key Set of public keys with \"alg\" RS384 or ES384: " + err.Error()
	}
	return ""
}

// GrantableScopes are the scopes the registration form offers, in SMART
// v2's syntax: reading and searching each resource type the API serves.
// ScopeResourceTypes accepts the v1 syntax and wildcards beside them.
func GrantableScopes() []string {
	scopes := make([]string, len(APIResourceTypes))
	for i, resourceType := range APIResourceTypes {
		scopes[i] = ReadScope(resourceType)
	}
	return scopes
}
