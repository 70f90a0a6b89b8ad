package store_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

const (
	newSecretKey   = "the secret key that replaced the test one, 32+"
	wrongSecretKey = "a secret key that sealed none of these rows, 32+"
)

func secretKeys(t *testing.T, current string, previous ...string) *store.SecretKeys {
	t.Helper()
	keys, err := store.NewSecretKeys(current, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// registerBareEndpoint registers an endpoint for the first organisation.
func registerBareEndpoint(t *testing.T, st *store.Store, db *gorm.DB, address string) *models.WebhookEndpoint {
	t.Helper()
	var organisation models.Organisation
	if err := db.Take(&organisation).Error; err != nil {
		t.Fatal(err)
	}
	endpoint, err := st.RegisterWebhook(t.Context(), models.Actor{UserID: 1, Role: models.RoleAdmin},
		models.WebhookEndpoint{OrganisationID: organisation.ID, URL: address, Events: models.EventRedZoneReading})
	if err != nil {
		t.Fatal(err)
	}
	return endpoint
}

// storedSecrets are the secret columns as written, with their key ids.
type storedSecrets struct {
	Secret, PreviousSecret, SecretKeyID string
}

func storedSecretsOf(t *testing.T, db *gorm.DB, id uint) storedSecrets {
	t.Helper()
	var stored storedSecrets
	if err := db.Raw("SELECT secret, previous_secret, secret_key_id FROM webhook_endpoints WHERE id = ?", id).Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	return stored
}

func storedSetting(t *testing.T, db *gorm.DB, key string) models.Setting {
	t.Helper()
	var setting models.Setting
	if err := db.Take(&setting, "key = ?", key).Error; err != nil {
		t.Fatal(err)
	}
	return setting
}

func TestSecretsReadBackAreStoredEncrypted(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		endpoint := registerBareEndpoint(t, st, db, "https://gp.example.org/events")
		rotated, err := st.RotateWebhookSecret(t.Context(), models.Actor{UserID: 1, Role: models.RoleAdmin}, endpoint)
		if err != nil {
			t.Fatal(err)
		}
		stored := storedSecretsOf(t, db, endpoint.ID)
		for _, secret := range []string{endpoint.Secret, rotated} {
			body := strings.TrimPrefix(secret, "whsec_")
			if strings.Contains(stored.Secret, body) || strings.Contains(stored.PreviousSecret, body) {
				t.Errorf("a webhook secret is stored in plain text: %+v", stored)
			}
		}
		keys := secretKeys(t, modelstest.SecretKey)
		if stored.SecretKeyID != keys.CurrentID() || stored.Secret == "" || stored.PreviousSecret == "" {
			t.Errorf("stored %+v; want both secrets sealed with key %s", stored, keys.CurrentID())
		}
		var reread models.WebhookEndpoint
		db.Take(&reread, endpoint.ID)
		if current, previous, err := st.WebhookSecrets(&reread); err != nil || current != rotated || previous != endpoint.Secret {
			t.Errorf("read back %q %q %v; want the new and the old secret", current, previous, err)
		}

		signingKey, err := st.SigningKey(t.Context())
		if err != nil || len(signingKey) != 32 {
			t.Fatalf("signing key of %d bytes: %v", len(signingKey), err)
		}
		setting := storedSetting(t, db, "signing_key")
		if strings.Contains(setting.Value, base64.StdEncoding.EncodeToString(signingKey)) || setting.SecretKeyID != keys.CurrentID() {
			t.Errorf("the signing key is stored as %+v", setting)
		}
		if again, err := st.SigningKey(t.Context()); err != nil || string(again) != string(signingKey) {
			t.Errorf("the signing key changed on reading it again: %v", err)
		}
	})
}

func TestSealedSecretOpensOnlyInItsRowAndWithItsKey(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		first := registerBareEndpoint(t, st, db, "https://gp.example.org/one")
		second := registerBareEndpoint(t, st, db, "https://gp.example.org/two")
		if _, err := st.SigningKey(t.Context()); err != nil {
			t.Fatal(err)
		}
		// The first endpoint's secret copied into the second's row does not open.
		if err := db.Exec("UPDATE webhook_endpoints SET secret = ? WHERE id = ?", storedSecretsOf(t, db, first.ID).Secret, second.ID).Error; err != nil {
			t.Fatal(err)
		}
		var moved models.WebhookEndpoint
		db.Take(&moved, second.ID)
		if secret, _, err := st.WebhookSecrets(&moved); err == nil || secret != "" || !strings.Contains(err.Error(), "webhook_endpoints.secret:") {
			t.Errorf("a secret moved from another row opened as %q (%v)", secret, err)
		}

		var endpoint models.WebhookEndpoint
		db.Take(&endpoint, first.ID)
		wrong := store.NewStore(db).WithSecretKeys(secretKeys(t, wrongSecretKey))
		_, _, err := wrong.WebhookSecrets(&endpoint)
		var unknown *store.SecretKeyUnknown
		if !errors.As(err, &unknown) || !strings.Contains(err.Error(), "PASSPORT_SECRET_KEY") {
			t.Errorf("opening with the wrong key: %v; want a clear error naming PASSPORT_SECRET_KEY", err)
		}
		if _, err := wrong.SigningKey(t.Context()); !errors.As(err, &unknown) {
			t.Errorf("reading the signing key with the wrong key: %v", err)
		}
	})
}

func TestPlainTextSecretsAreEncryptedAndOldKeysRotatedAtStart(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		endpoint := registerBareEndpoint(t, st, db, "https://gp.example.org/events")
		signingKey, err := st.SigningKey(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		// Rows as an earlier version wrote them: secrets in plain text.
		legacy, legacyPrevious := "whsec_"+base64.StdEncoding.EncodeToString([]byte("an earlier version's secret, 32b")), "whsec_b2xk"
		if err := db.Exec("UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, secret_key_id = '' WHERE id = ?", legacy, legacyPrevious, endpoint.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("UPDATE settings SET value = ?, secret_key_id = '' WHERE key = 'signing_key'", base64.StdEncoding.EncodeToString(signingKey)).Error; err != nil {
			t.Fatal(err)
		}
		countPlainText := func() int64 {
			var n int64
			db.Raw("SELECT count(*) FROM webhook_endpoints WHERE secret LIKE 'whsec_%' OR previous_secret LIKE 'whsec_%'").Scan(&n)
			var settings int64
			db.Raw("SELECT count(*) FROM settings WHERE key = 'signing_key' AND value = ?", base64.StdEncoding.EncodeToString(signingKey)).Scan(&settings)
			return n + settings
		}
		before := countPlainText()

		resealed, err := st.ResealSecrets(t.Context())
		if err != nil || resealed != 2 {
			t.Fatalf("sealed %d secrets (%v); want the endpoint and the signing key", resealed, err)
		}
		after := countPlainText()
		t.Logf("secrets stored in plain text: %d before, %d after", before, after)
		if before != 2 || after != 0 {
			t.Errorf("secrets in plain text: %d before, %d after; want 2 and 0", before, after)
		}
		opens := func(store *store.Store, keyID string) {
			t.Helper()
			var reread models.WebhookEndpoint
			db.Take(&reread, endpoint.ID)
			if current, previous, err := store.WebhookSecrets(&reread); err != nil || current != legacy || previous != legacyPrevious || reread.SecretKeyID != keyID {
				t.Errorf("read back %q %q under key %s (%v)", current, previous, reread.SecretKeyID, err)
			}
			if key, err := store.SigningKey(t.Context()); err != nil || string(key) != string(signingKey) {
				t.Errorf("the signing key changed: %v", err)
			}
		}
		opens(st, secretKeys(t, modelstest.SecretKey).CurrentID())
		if again, err := st.ResealSecrets(t.Context()); err != nil || again != 0 {
			t.Errorf("starting again sealed %d anew (%v); want none", again, err)
		}

		// A new key, with the old one as previous, reseals every secret.
		rotatedKeys := secretKeys(t, newSecretKey, wrongSecretKey, modelstest.SecretKey)
		rotated := store.NewStore(db).WithSecretKeys(rotatedKeys)
		if resealed, err := rotated.ResealSecrets(t.Context()); err != nil || resealed != 2 {
			t.Fatalf("rotating sealed %d (%v); want 2", resealed, err)
		}
		onlyNew := store.NewStore(db).WithSecretKeys(secretKeys(t, newSecretKey))
		opens(onlyNew, rotatedKeys.CurrentID())
		var unknown *store.SecretKeyUnknown
		if _, err := st.SigningKey(t.Context()); !errors.As(err, &unknown) {
			t.Errorf("the old key alone still opens the signing key: %v", err)
		}
		// A start without the key the rows were sealed with stops clearly.
		if _, err := store.NewStore(db).WithSecretKeys(secretKeys(t, wrongSecretKey)).ResealSecrets(t.Context()); !errors.As(err, &unknown) {
			t.Errorf("starting with the wrong key: %v; want SecretKeyUnknown", err)
		}
	})
}
