package app

import (
	"fmt"
	"path/filepath"

	"healthpassport/models"
	"healthpassport/models/fhirmap"
	"healthpassport/models/notify"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// NewStore is the store as the service runs it: bulk exports are written
// under the data folder, whichever database is used, messages are sent as
// configured, the audit log is signed with the configured keys, and the
// secrets kept in the database are sealed with the configured secret keys.
func NewStore(db *gorm.DB, cfg Config) (*store.Store, error) {
	notifier, err := cfg.notifier()
	if err != nil {
		return nil, err
	}
	st := store.NewStore(db).WithExports(store.Exports{
		Storage: models.DirStorage(filepath.Join(cfg.DataDir, "exports")),
		Types:   fhirmap.ExportTypes,
	})
	st.UseNotifier(notifier, cfg.PublicURL)
	if notifier == nil && cfg.Demo {
		st.LogKeptMessages()
	}
	keys, err := cfg.auditKeys()
	if err != nil {
		return nil, err
	}
	if keys != nil {
		st.WithAuditKeys(keys)
	}
	secretKeys, err := cfg.secretKeys()
	if err != nil {
		return nil, err
	}
	if secretKeys != nil {
		st.WithSecretKeys(secretKeys)
	}
	return st, nil
}

// notifier sends messages through GOV.UK Notify when an API key is set;
// it is nil otherwise, and messages stay in the outbox for administrators
// to read.
func (cfg Config) notifier() (*notify.Client, error) {
	if cfg.NotifyAPIKey == "" {
		return nil, nil
	}
	templates, err := notify.ParseTemplates(cfg.NotifyTemplates)
	if err != nil {
		return nil, fmt.Errorf("NOTIFY_TEMPLATES: %w", err)
	}
	client, err := notify.New(cfg.NotifyAPIKey, cfg.NotifyBaseURL, templates)
	if err != nil {
		return nil, fmt.Errorf("NOTIFY_API_KEY: %w", err)
	}
	return client, nil
}
