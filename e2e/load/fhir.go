package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"healthpassport/app"
	"healthpassport/models"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"gorm.io/gorm"
)

// fhirTokens registers a connected system for the demo practice, as the
// clients command does, and gives an access token for each connection,
// so every connection reads as a grant of its own, and the path of one
// patient the system may read.
func fhirTokens(db *gorm.DB, cfg app.Config, connections int) ([]string, string, error) {
	st, err := app.NewStore(db, cfg)
	if err != nil {
		return nil, "", err
	}
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	keys, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "load", Algorithm: "ES384", Use: "sig"}}})
	if err != nil {
		return nil, "", err
	}
	client, err := st.CreateAPIClient(context.Background(), models.NewAPIClient{Name: "Load measurement", ODSCode: "Y90001",
		Scopes: []string{models.ReadScope("Patient")}, PublicKeys: string(keys)})
	if err != nil {
		return nil, "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES384, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "load"))
	if err != nil {
		return nil, "", err
	}
	tokenURL := cfg.PublicURL + "/oauth/token"
	var tokens []string
	for range connections {
		assertion, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: client.ClientID, Subject: client.ClientID,
			Audience: jwt.Audience{tokenURL}, ID: rand.Text(), Expiry: jwt.NewNumericDate(time.Now().Add(4 * time.Minute))}).Serialize()
		if err != nil {
			return nil, "", err
		}
		grant, err := st.IssueAccessToken(context.Background(), assertion, tokenURL, models.ReadScope("Patient"))
		if err != nil {
			return nil, "", fmt.Errorf("getting an access token: %w", err)
		}
		tokens = append(tokens, "Bearer "+grant.Token)
	}
	var patient models.Patient
	if err := db.Where("family_name = ?", "Load").Order("id").First(&patient).Error; err != nil {
		return nil, "", err
	}
	return tokens, "/fhir/Patient/" + patient.Ref, nil
}
