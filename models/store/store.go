// Package store is the one way into the database: every query, each taking
// the caller's context, and every query that returns patient data scoped
// by the person asking.
package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"time"

	"healthpassport/models"
	"healthpassport/models/notify"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

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
	// jobRetries, when set, are the waits before each retry of any other
	// failed job: see RetryJobsAfter.
	jobRetries []time.Duration
	// notifier sends messages through GOV.UK Notify; nil keeps them in
	// the outbox. serviceAddress is where messages say to sign in.
	notifier       *notify.Client
	serviceAddress string
	// logKept writes the messages kept in the outbox to the log, codes
	// and all: only for the demo, so that its journeys can be finished.
	logKept bool
	// passports are passports read lately: see LoadPassport. instance
	// tells this store's passports from another's in the same process.
	passports *lru.Cache[models.PassportState, passportParts]
	instance  uint64
	// auditKeys sign new audit entries and check old ones: see
	// WithAuditKeys. Without them no entry can be written.
	auditKeys *AuditKeys
	// auditQueue writes the audit entries kept at the same moment together.
	auditQueue *auditQueue
	// secretKeys seal the secrets the service reads back: see
	// WithSecretKeys and ResealSecrets.
	secretKeys *SecretKeys
}

func NewStore(db *gorm.DB) *Store {
	passports, err := lru.New[models.PassportState, passportParts](keptPassports)
	if err != nil {
		panic(err) // only for a size below one
	}
	return &Store{db: db, jobs: jobInserter(db), now: func() time.Time { return time.Now().UTC() },
		webhookRetries: webhookRetrySchedule, passports: passports, instance: binary.BigEndian.Uint64(models.RandomBytes(8)),
		auditKeys: fallbackAuditKeys, auditQueue: &auditQueue{}, secretKeys: fallbackSecretKeys}
}

// Now is the time by the store's clock.
func (s *Store) Now() time.Time { return s.now() }

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
		return models.ErrNotFound
	}
	return err
}
