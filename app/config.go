// Package app reads the configuration, wires the parts together and runs
// the server.
package app

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"healthpassport/models"
)

// Config is everything that can be set from the command line and environment.
type Config struct {
	Addr           string   // --addr
	Demo           bool     // --demo
	DatabaseURL    string   // DATABASE_URL: PostgreSQL; empty means embedded SQLite
	MigrateURL     string   // MIGRATE_DATABASE_URL: PostgreSQL as the schema's owner; defaults to DatabaseURL
	DataDir        string   // PASSPORT_DATA_DIR: where the SQLite file lives
	DemoPassword   string   // PASSPORT_DEMO_PASSWORD
	PublicURL      string   // PASSPORT_PUBLIC_URL: printed on activation letters
	TrustedProxies []string // PASSPORT_TRUSTED_PROXIES: addresses whose X-Forwarded-For is believed
	// HashMemoryMB (PASSPORT_HASH_MEMORY_MB) bounds the memory the password
	// checks running at once may take, 19 MB each; zero means 128 MB.
	HashMemoryMB int
	hashMemory   string // PASSPORT_HASH_MEMORY_MB as given, checked by validate
	// ShutdownGrace (PASSPORT_SHUTDOWN_GRACE) is how long a stopping server
	// waits for requests in flight and background work to finish.
	ShutdownGrace time.Duration
	shutdownGrace string // PASSPORT_SHUTDOWN_GRACE as given, checked by validate
	// NHS login is offered beside passwords when NHSLoginIssuer is set.
	NHSLoginIssuer     string // NHS_LOGIN_ISSUER
	NHSLoginClientID   string // NHS_LOGIN_CLIENT_ID
	NHSLoginPrivateKey string // NHS_LOGIN_PRIVATE_KEY: path of the PEM file of the key registered with NHS login
	NHSLoginVTR        string // NHS_LOGIN_VTR: a JSON list of vectors of trust; P9 when empty
	// Messages are sent through GOV.UK Notify when NotifyAPIKey is set,
	// and kept in the outbox otherwise.
	NotifyAPIKey    string // NOTIFY_API_KEY
	NotifyBaseURL   string // NOTIFY_BASE_URL: Notify's API, its own by default
	NotifyTemplates string // NOTIFY_TEMPLATES: a JSON object of template ids by channel or kind.channel
}

const (
	defaultAddr         = "127.0.0.1:8080"
	defaultDataDir      = "./data"
	defaultDemoPassword = "passport-demo"
	// defaultShutdownGrace is shorter than the 30 seconds most container
	// platforms allow between asking a process to stop and killing it.
	defaultShutdownGrace = 10 * time.Second
)

// configFromEnv reads the environment; flags are applied after.
func configFromEnv(getenv func(string) string) Config {
	cfg := Config{
		Addr:         defaultAddr,
		DatabaseURL:  getenv("DATABASE_URL"),
		MigrateURL:   getenv("MIGRATE_DATABASE_URL"),
		DataDir:      getenv("PASSPORT_DATA_DIR"),
		DemoPassword: getenv("PASSPORT_DEMO_PASSWORD"),
		PublicURL:    strings.TrimRight(getenv("PASSPORT_PUBLIC_URL"), "/"),
		hashMemory:   getenv("PASSPORT_HASH_MEMORY_MB"),

		NHSLoginIssuer:     strings.TrimRight(getenv("NHS_LOGIN_ISSUER"), "/"),
		NHSLoginClientID:   getenv("NHS_LOGIN_CLIENT_ID"),
		NHSLoginPrivateKey: getenv("NHS_LOGIN_PRIVATE_KEY"),
		NHSLoginVTR:        getenv("NHS_LOGIN_VTR"),

		NotifyAPIKey:    getenv("NOTIFY_API_KEY"),
		NotifyBaseURL:   getenv("NOTIFY_BASE_URL"),
		NotifyTemplates: getenv("NOTIFY_TEMPLATES"),
	}
	cfg.ShutdownGrace, cfg.shutdownGrace = defaultShutdownGrace, getenv("PASSPORT_SHUTDOWN_GRACE")
	if cfg.MigrateURL == "" {
		cfg.MigrateURL = cfg.DatabaseURL
	}
	if cfg.DataDir == "" {
		cfg.DataDir = defaultDataDir
	}
	if cfg.DemoPassword == "" {
		cfg.DemoPassword = defaultDemoPassword
	}
	for _, proxy := range strings.Split(getenv("PASSPORT_TRUSTED_PROXIES"), ",") {
		if proxy = strings.TrimSpace(proxy); proxy != "" {
			cfg.TrustedProxies = append(cfg.TrustedProxies, proxy)
		}
	}
	return cfg
}

// validate checks the configuration, saying in one line what is wrong.
func (cfg *Config) validate() error {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("--addr must be HOST:PORT, like %s (got %q)", defaultAddr, cfg.Addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("--addr has a port that is not a number from 0 to 65535 (got %q)", port)
	}
	if cfg.Demo && len(cfg.DemoPassword) < 8 {
		return errors.New("PASSPORT_DEMO_PASSWORD must be 8 characters or more")
	}
	for _, proxy := range cfg.TrustedProxies {
		if _, err := netip.ParsePrefix(proxy); err != nil {
			if _, err := netip.ParseAddr(proxy); err != nil {
				return fmt.Errorf("PASSPORT_TRUSTED_PROXIES has %q, which is not an IP address or range", proxy)
			}
		}
	}
	if cfg.hashMemory != "" {
		mb, err := strconv.Atoi(cfg.hashMemory)
		if err != nil || mb < models.HashMemoryPerCheckMB {
			return fmt.Errorf("PASSPORT_HASH_MEMORY_MB must be a whole number of megabytes, %d or more (got %q)",
				models.HashMemoryPerCheckMB, cfg.hashMemory)
		}
		cfg.HashMemoryMB = mb
	}
	if cfg.shutdownGrace != "" {
		grace, err := time.ParseDuration(cfg.shutdownGrace)
		if err != nil || grace < 0 {
			return fmt.Errorf("PASSPORT_SHUTDOWN_GRACE must be a length of time, like 10s or 1m (got %q)", cfg.shutdownGrace)
		}
		cfg.ShutdownGrace = grace
	}
	if cfg.PublicURL == "" {
		if host == "" {
			host = "localhost"
		}
		cfg.PublicURL = "http://" + net.JoinHostPort(host, port)
	}
	if cfg.MigrateURL != cfg.DatabaseURL {
		if cfg.DatabaseURL == "" {
			return errors.New("MIGRATE_DATABASE_URL needs DATABASE_URL as well: SQLite has no roles")
		}
		if u, err := url.Parse(cfg.MigrateURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return errors.New("MIGRATE_DATABASE_URL must be a postgres:// URL")
		}
		if cfg.servingRole() == "" {
			return errors.New("DATABASE_URL must name the serving role, like postgres://passport_app@host/passport, when MIGRATE_DATABASE_URL is set")
		}
	}
	if info, err := os.Stat(cfg.DataDir); cfg.DatabaseURL == "" && err == nil && !info.IsDir() {
		return fmt.Errorf("PASSPORT_DATA_DIR %s is a file, not a folder", cfg.DataDir)
	}
	return nil
}

// servingRole is the PostgreSQL role named in DATABASE_URL, if any.
func (cfg Config) servingRole() string {
	u, err := url.Parse(cfg.DatabaseURL)
	if err != nil {
		return ""
	}
	return u.User.Username()
}

// secure says whether the service runs behind HTTPS: always, except the
// demo, which serves plain HTTP on this computer.
func (cfg Config) secure() bool { return !cfg.Demo }
