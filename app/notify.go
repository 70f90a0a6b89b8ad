package app

import (
	"fmt"

	"healthpassport/models"
	"healthpassport/models/notify"

	"gorm.io/gorm"
)

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

// newStore is the store with messages sent as configured.
func newStore(db *gorm.DB, cfg Config) (*models.Store, error) {
	notifier, err := cfg.notifier()
	if err != nil {
		return nil, err
	}
	store := models.NewStore(db)
	store.UseNotifier(notifier, cfg.PublicURL)
	return store, nil
}
