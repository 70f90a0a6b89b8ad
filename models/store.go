package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"time"

	"healthpassport/models/notify"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// ErrNotFound means the record does not exist or the person asking may not see it.
var ErrNotFound = errors.New("not found")

// Store is the one way into the database.
type Store struct {
	db   *gorm.DB
	jobs *river.Client[*sql.Tx] // inserts only: see Enqueue
	now  func() time.Time
	// exports is where bulk exports are written, and how: see WithExports.
	exports Exports
	// webhookRetries are the waits between attempts to deliver a webhook:
	// see RetryWebhooksAfter.
	webhookRetries []time.Duration
	// jobRetries are the waits before each retry of any other failed job:
	// see RetryJobsAfter.
	jobRetries retrySchedule
	// notifier sends messages through GOV.UK Notify; nil keeps them in
	// the outbox. serviceAddress is where messages say to sign in.
	notifier       *notify.Client
	serviceAddress string
	// logKept writes the messages kept in the outbox to the log, codes
	// and all: only for the demo, so that its journeys can be finished.
	logKept bool
	// passports are passports read lately: see LoadPassport. instance
	// tells this store's passports from another's in the same process.
	passports *lru.Cache[PassportState, passportParts]
	instance  uint64
	// auditKeys sign new audit entries and check old ones: see
	// WithAuditKeys. Without them no entry can be written.
	auditKeys *AuditKeys
	// secretKeys seal the secrets the service reads back: see
	// WithSecretKeys and ResealSecrets.
	secretKeys *SecretKeys
}

func NewStore(db *gorm.DB) *Store {
	passports, err := lru.New[PassportState, passportParts](keptPassports)
	if err != nil {
		panic(err) // only for a size below one
	}
	return &Store{db: db, jobs: jobInserter(db), now: func() time.Time { return time.Now().UTC() },
		webhookRetries: webhookRetrySchedule, passports: passports, instance: binary.BigEndian.Uint64(randomBytes(8)),
		auditKeys: fallbackAuditKeys, secretKeys: fallbackSecretKeys}
}

// DB is the connection, for wiring only (sessions, migrations, health checks).
func (s *Store) DB() *gorm.DB { return s.db }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// randomBytes is n bytes from crypto/rand, which never fails.
func randomBytes(n int) []byte {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	return buf
}

// randomString draws n characters from a 32-character alphabet with
// crypto/rand; 32 divides 256, so every character is equally likely.
func randomString(alphabet string, n int) string {
	if len(alphabet) != 32 {
		panic("randomString needs a 32-character alphabet")
	}
	buf := randomBytes(n)
	for i, b := range buf {
		buf[i] = alphabet[int(b)%32]
	}
	return string(buf)
}

// RandomToken is n random lowercase letters and digits.
func RandomToken(n int) string { return randomString(refAlphabet, n) }
