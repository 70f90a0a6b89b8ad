package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"healthpassport/handlers"
	"healthpassport/handlers/nhslogin"

	"github.com/coreos/go-oidc/v3/oidc"
)

// nhsLoginClient connects to NHS login when it is configured; it is nil
// when NHS_LOGIN_ISSUER is not set.
func (cfg Config) nhsLoginClient() (*nhslogin.Client, error) {
	if cfg.NHSLoginIssuer == "" {
		return nil, nil
	}
	if cfg.NHSLoginClientID == "" || cfg.NHSLoginPrivateKey == "" {
		return nil, errors.New("NHS_LOGIN_ISSUER needs NHS_LOGIN_CLIENT_ID and NHS_LOGIN_PRIVATE_KEY as well")
	}
	pemBytes, err := os.ReadFile(cfg.NHSLoginPrivateKey)
	if err != nil {
		return nil, fmt.Errorf("NHS_LOGIN_PRIVATE_KEY: %w", err)
	}
	key, err := nhslogin.ParsePrivateKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("NHS_LOGIN_PRIVATE_KEY %s: %w", cfg.NHSLoginPrivateKey, err)
	}
	var vectors []string
	if cfg.NHSLoginVTR != "" {
		if vectors, err = nhslogin.ParseVectorsOfTrust(cfg.NHSLoginVTR); err != nil {
			return nil, fmt.Errorf("NHS_LOGIN_VTR: %w", err)
		}
	}
	// The context lasts as long as the client, which fetches NHS login's
	// keys again when they change, so it bounds each request instead.
	ctx := oidc.ClientContext(context.Background(), &http.Client{Timeout: 30 * time.Second})
	return nhslogin.New(ctx, nhslogin.Config{
		Issuer:         cfg.NHSLoginIssuer,
		ClientID:       cfg.NHSLoginClientID,
		PrivateKey:     key,
		VectorsOfTrust: vectors,
		RedirectURL:    cfg.PublicURL + handlers.NHSLoginCallbackPath,
	})
}

// origin is the scheme and host of an address, as a Content-Security-Policy
// names a source.
func origin(address string) string {
	u, err := url.Parse(address)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
