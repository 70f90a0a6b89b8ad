// Package app reads the configuration, wires the parts together and runs
// the server.
package app

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"healthpassport/models"
	"healthpassport/models/store"
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
	// The audit log is signed with AuditKey (PASSPORT_AUDIT_KEY); entries
	// signed before a rotation are checked with AuditKeysPrevious
	// (PASSPORT_AUDIT_KEY_PREVIOUS, separated by spaces or commas). In the
	// demo, without it, a key is made once and kept in the data folder.
	AuditKey          string
	AuditKeysPrevious []string
	// The secrets the service must read back from the database (webhook
	// signing secrets, its own signing key) are encrypted with SecretKey
	// (PASSPORT_SECRET_KEY); those encrypted before a rotation are read
	// with SecretKeysPrevious (PASSPORT_SECRET_KEY_PREVIOUS) and encrypted
	// anew as the service starts. In the demo, without it, a key is made
	// once and kept in the data folder.
	SecretKey          string
	SecretKeysPrevious []string
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

		AuditKey:          getenv("PASSPORT_AUDIT_KEY"),
		AuditKeysPrevious: keyList(getenv("PASSPORT_AUDIT_KEY_PREVIOUS")),

		SecretKey:          getenv("PASSPORT_SECRET_KEY"),
		SecretKeysPrevious: keyList(getenv("PASSPORT_SECRET_KEY_PREVIOUS")),
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

// keyList splits a list of keys separated by spaces or commas.
func keyList(keys string) []string {
	return strings.FieldsFunc(keys, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
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
	for _, keys := range []struct {
		spec     demoKey
		current  string
		previous []string
	}{{auditKeySpec, cfg.AuditKey, cfg.AuditKeysPrevious}, {secretKeySpec, cfg.SecretKey, cfg.SecretKeysPrevious}} {
		if keys.current != "" && len(keys.current) < keys.spec.minimum {
			return fmt.Errorf("%s must be %d characters or more", keys.spec.env, keys.spec.minimum)
		}
		for _, previous := range keys.previous {
			if len(previous) < keys.spec.minimum {
				return fmt.Errorf("%s_PREVIOUS holds a key shorter than %d characters", keys.spec.env, keys.spec.minimum)
			}
		}
	}
	if info, err := os.Stat(cfg.DataDir); cfg.DatabaseURL == "" && err == nil && !info.IsDir() {
		return fmt.Errorf("PASSPORT_DATA_DIR %s is a file, not a folder", cfg.DataDir)
	}
	return nil
}

// demoKey names a key the service needs from outside the database, and
// where the demo keeps the one it makes when it is not given one.
type demoKey struct {
	env     string // the variable that gives it
	file    string // its file in the data folder, in the demo
	purpose string // what it does, as the end of a sentence
	minimum int    // its shortest length, in characters
}

var (
	auditKeySpec = demoKey{env: "PASSPORT_AUDIT_KEY", file: "audit.key",
		purpose: "that the audit log is signed with", minimum: store.MinAuditKeyLength}
	secretKeySpec = demoKey{env: "PASSPORT_SECRET_KEY", file: "secret.key",
		purpose: "that the secrets kept in the database are encrypted with", minimum: store.MinSecretKeyLength}
)

// requireKeys makes sure the audit log and the secrets kept in the
// database have their keys.
func (cfg *Config) requireKeys() error {
	if err := cfg.requireKey(&cfg.AuditKey, auditKeySpec); err != nil {
		return err
	}
	return cfg.requireKey(&cfg.SecretKey, secretKeySpec)
}

// requireKey makes sure a key is set: from its variable, or in the demo
// without it the key kept in the data folder, made the first time with
// crypto/rand and read again on every start after.
func (cfg *Config) requireKey(key *string, spec demoKey) error {
	if *key != "" {
		return nil
	}
	if !cfg.Demo {
		return fmt.Errorf("%s must be set: a secret of %d characters or more, kept outside the database, "+
			"%s (for example: openssl rand -base64 48)", spec.env, spec.minimum, spec.purpose)
	}
	path := filepath.Join(cfg.DataDir, spec.file)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("cannot create the data folder %s: %w", cfg.DataDir, err)
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		secret := make([]byte, 32)
		_, _ = rand.Read(secret) // never fails
		_, err = file.WriteString(base64.RawURLEncoding.EncodeToString(secret) + "\n")
		if closeErr := file.Close(); err == nil {
			err = closeErr
		}
		if err != nil {
			os.Remove(path)
			return fmt.Errorf("writing the demo's %s to %s: %w", spec.env, path, err)
		}
	} else if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("making the demo's %s in %s: %w", spec.env, path, err)
	}
	kept, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading the demo's %s: %w", spec.env, err)
	}
	*key = strings.TrimSpace(string(kept))
	if len(*key) < spec.minimum {
		return fmt.Errorf("%s must hold a key of %d characters or more", path, spec.minimum)
	}
	return nil
}

// auditKeys are the configured audit keys, or nil when none is set, as in
// tests that build a Config of their own.
func (cfg Config) auditKeys() (*store.AuditKeys, error) {
	if cfg.AuditKey == "" {
		return nil, nil
	}
	keys, err := store.NewAuditKeys(cfg.AuditKey, cfg.AuditKeysPrevious...)
	if err != nil {
		return nil, fmt.Errorf("PASSPORT_AUDIT_KEY: %w", err)
	}
	return keys, nil
}

// secretKeys are the configured secret keys, or nil when none is set, as
// in tests that build a Config of their own.
func (cfg Config) secretKeys() (*store.SecretKeys, error) {
	if cfg.SecretKey == "" {
		return nil, nil
	}
	keys, err := store.NewSecretKeys(cfg.SecretKey, cfg.SecretKeysPrevious...)
	if err != nil {
		return nil, fmt.Errorf("PASSPORT_SECRET_KEY: %w", err)
	}
	return keys, nil
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
