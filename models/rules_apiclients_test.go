package models_test

import (
	"testing"

	"healthpassport/models"
)

// privateHostSpellings write an address inside the network in the ways a
// check on the text "127.0.0.1" alone misses.
var privateHostSpellings = []string{"127.0.0.1", "127.1", "2130706433", "0177.0.0.1", "0x7f000001", "localhost.", "localhost",
	"[::1]", "[::ffff:127.0.0.1]", "169.254.169.254", "10.1.2.3", "192.168.0.1", "0.0.0.0"}

func TestCheckKeysURL(t *testing.T) {
	tests := []struct {
		address string
		demo    bool
		want    string
	}{
		{"https://gp.example/.well-known/jwks.json", false, ""},
		{"http://localhost:8080/jwks.json", true, ""},
		{"http://gp.example/jwks.json", false, "Enter an address starting https://"},
		{"https://user:pw@gp.example/jwks.json", false, "Enter the address without a user name or password in it"},
		{"https://user@gp.example/jwks.json", true, "Enter the address without a user name or password in it"},
		{"https://gp.example/jwks.json#keys", false, "Enter the address without the # and what follows it"},
		{"https://gp.example/jwks.json#", false, "Enter the address without the # and what follows it"},
		{"http://127.0.0.1:8080/jwks.json", true, ""},
		{"http://10.0.0.5/jwks.json", true, "Enter an address on the internet: the address is a private network address"},
		{"ftp://gp.example/jwks.json", true, "Enter the address of the key set, like https://example.com/.well-known/jwks.json"},
		{"gp.example/jwks.json", false, "Enter the address of the key set, like https://example.com/.well-known/jwks.json"},
		{"https://", false, "Enter the address of the key set, like https://example.com/.well-known/jwks.json"},
		{"https://gp.example/" + string(make([]byte, models.MaxKeysURLLength)), false, "The address must be 2000 characters or fewer"},
	}
	for _, host := range privateHostSpellings {
		tests = append(tests, struct {
			address string
			demo    bool
			want    string
		}{"https://" + host + ":8443/jwks", false, "Enter an address on the internet: the address is a private network address"})
	}
	for _, test := range tests {
		if got := models.CheckKeysURL(test.address, test.demo); got != test.want {
			t.Errorf("CheckKeysURL(%.40q, %v) = %q; want %q", test.address, test.demo, got, test.want)
		}
	}
}

func TestCheckAPIClient(t *testing.T) {
	practices := []models.Organisation{{ID: 2, Kind: models.OrganisationPractice, ODSCode: "Y90001"}, {ID: 1, Kind: models.OrganisationICB, ODSCode: "QXX"}}
	keysURL := "https://gp.example/jwks.json"
	tests := []struct {
		name  string
		entry models.APIClientEntry
		want  []models.FieldError
	}{
		{"valid", models.APIClientEntry{Name: " GP system ", Organisation: "2", Scopes: []string{"system/Patient.rs", "system/Patient.rs"}, KeysURL: keysURL}, nil},
		{"empty", models.APIClientEntry{}, []models.FieldError{
			{Field: "name", Message: "Enter the system's name"},
			{Field: "organisation", Message: "Choose the practice the system works for"},
			{Field: "scopes", Message: "Choose what the system may read"},
			{Field: "keys", Message: "Paste the system's public keys, or enter the address they are published at"}}},
		{"an ICB", models.APIClientEntry{Name: "x", Organisation: "1", Scopes: []string{"system/Patient.rs"}, KeysURL: keysURL},
			[]models.FieldError{{Field: "organisation", Message: "Choose the practice the system works for"}}},
		{"a write scope", models.APIClientEntry{Name: "x", Organisation: "2", Scopes: []string{"system/Patient.cruds"}, KeysURL: keysURL},
			[]models.FieldError{{Field: "scopes", Message: "Choose what the system may read from the list"}}},
		{"both kinds of keys", models.APIClientEntry{Name: "x", Organisation: "2", Scopes: []string{"system/Patient.rs"}, KeysURL: keysURL, PublicKeys: "{}"},
			[]models.FieldError{{Field: "keys", Message: "Paste the public keys or enter their address, not both"}}},
		{"keys not a set", models.APIClientEntry{Name: "x", Organisation: "2", Scopes: []string{"system/Patient.rs"}, PublicKeys: `{"keys": []}`},
			[]models.FieldError{{Field: "keys", Message: `The public keys must be a JSON Web Key Set of public keys with "alg" RS384 or ES384: the JSON Web Key Set has no keys`}}},
	}
	for _, test := range tests {
		client, errs := models.CheckAPIClient(test.entry, practices, false)
		if len(errs) != len(test.want) {
			t.Errorf("%s: %v; want %v", test.name, errs, test.want)
			continue
		}
		for i := range errs {
			if errs[i] != test.want[i] {
				t.Errorf("%s: %v; want %v", test.name, errs[i], test.want[i])
			}
		}
		if test.want == nil && (client.Name != "GP system" || client.ODSCode != "Y90001" || len(client.Scopes) != 1) {
			t.Errorf("%s: checked client %+v", test.name, client)
		}
	}
}
