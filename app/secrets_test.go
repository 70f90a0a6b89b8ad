package app

import (
	"strings"
	"testing"

	"healthpassport/models"
	"healthpassport/models/modelstest"

	"gorm.io/gorm"
)

// TestStartingEncryptsSecretsAnEarlierVersionStoredInPlainText: a database
// whose webhook secrets and signing key were written in plain text has
// them encrypted with PASSPORT_SECRET_KEY when the service starts, and
// they still read back the same.
func TestStartingEncryptsSecretsAnEarlierVersionStoredInPlainText(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		cfg := Config{Demo: true, DemoPassword: "secrets-upgrade", SecretKey: otherSecretKey}
		if err := prepareRows(db, cfg); err != nil {
			t.Fatal(err)
		}
		var organisation models.Organisation
		db.Take(&organisation)
		const secret, signingKey = "whsec_QW4gZWFybGllciB2ZXJzaW9uJ3Mgc2VjcmV0LCAzMmI=", "c2lnbmluZyBrZXkgb2YgYW4gZWFybGllciB2ZXJzaW9u"
		for _, statement := range []string{
			"INSERT INTO webhook_endpoints (organisation_id, url, description, events, secret, previous_secret, created_by_id, created_at) " +
				"VALUES (?, 'https://gp.example.org/events', '', 'red_zone_reading', '" + secret + "', '', 1, CURRENT_TIMESTAMP)",
			"DELETE FROM settings WHERE key = 'signing_key'",
			"INSERT INTO settings (key, value) VALUES ('signing_key', '" + signingKey + "')",
		} {
			args := []any{}
			if strings.Contains(statement, "?") {
				args = append(args, organisation.ID)
			}
			if err := db.Exec(statement, args...).Error; err != nil {
				t.Fatal(err)
			}
		}
		plainText := func() (n int64) {
			var settings int64
			db.Raw("SELECT count(*) FROM webhook_endpoints WHERE secret = ?", secret).Scan(&n)
			db.Raw("SELECT count(*) FROM settings WHERE value = ?", signingKey).Scan(&settings)
			return n + settings
		}
		before := plainText()
		if err := prepareRows(db, cfg); err != nil {
			t.Fatal(err)
		}
		t.Logf("secrets stored in plain text: %d before starting, %d after", before, plainText())
		if before != 2 || plainText() != 0 {
			t.Errorf("secrets in plain text: %d before starting, %d after; want 2 and 0", before, plainText())
		}
		st, err := NewStore(db, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var endpoint models.WebhookEndpoint
		db.Take(&endpoint, "url = ?", "https://gp.example.org/events")
		if current, _, err := st.WebhookSecrets(&endpoint); err != nil || current != secret {
			t.Errorf("the webhook secret reads back as %q (%v)", current, err)
		}
		if key, err := st.SigningKey(t.Context()); err != nil || string(key) != "signing key of an earlier version" {
			t.Errorf("the signing key reads back as %q (%v)", key, err)
		}
	})
}
