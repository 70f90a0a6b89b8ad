package store

import (
	"context"
	"sync"

	"healthpassport/models"

	"gorm.io/gorm"
)

// auditQueueBatch is the most waiting entries one insert writes: 14 columns
// each, well under both engines' limits on bound parameters.
const auditQueueBatch = 500

// auditQueue gathers the entries that requests running at the same moment
// keep, so that one insert, and one commit, writes them all: under load,
// each read would otherwise wait for a commit of its own. It is group
// commit without a goroutine of its own: the first request to find no
// insert running writes the batch; the others wait for theirs to commit,
// and when an insert ends, the request first in line writes the next.
type auditQueue struct {
	mu      sync.Mutex
	queued  []*queuedAudit
	writing bool
}

type queuedAudit struct {
	entry models.PendingAuditEvent
	done  chan error    // the entry's outcome, once its insert has ended
	lead  chan struct{} // closed when this entry's request is to write the next batch
}

// keep writes the entry to audit_pending, with whatever else is queued, and
// returns once it is committed, or with the error that kept it out.
func (q *auditQueue) keep(ctx context.Context, db *gorm.DB, entry models.PendingAuditEvent) error {
	mine := &queuedAudit{entry: entry, done: make(chan error, 1), lead: make(chan struct{})}
	q.mu.Lock()
	q.queued = append(q.queued, mine)
	if q.writing {
		q.mu.Unlock()
		select {
		case err := <-mine.done:
			return err
		case <-mine.lead:
		}
	} else {
		q.writing = true
		q.mu.Unlock()
	}
	q.writeBatch(ctx, db)
	return <-mine.done
}

// writeBatch writes the oldest queued entries, tells each request its
// outcome, and hands the writing on to the request first in line, if any.
// The insert does not stop when the writer's own request does: the others
// are waiting on it.
func (q *auditQueue) writeBatch(ctx context.Context, db *gorm.DB) {
	q.mu.Lock()
	batch := q.queued[:min(len(q.queued), auditQueueBatch)]
	q.queued = q.queued[len(batch):]
	q.mu.Unlock()

	db = db.WithContext(context.WithoutCancel(ctx)).Session(&gorm.Session{SkipDefaultTransaction: true})
	entries := make([]models.PendingAuditEvent, len(batch))
	for i, queued := range batch {
		entries[i] = queued.entry
	}
	// One statement: all of the batch is committed, or none of it.
	if err := db.Create(&entries).Error; err == nil {
		for _, queued := range batch {
			queued.done <- nil
		}
	} else {
		// One entry the database refuses must not cost the others theirs:
		// each is tried on its own, and fails alone.
		for _, queued := range batch {
			entry := queued.entry
			queued.done <- db.Create(&entry).Error
		}
	}

	q.mu.Lock()
	if len(q.queued) > 0 {
		close(q.queued[0].lead)
	} else {
		q.writing = false
	}
	q.mu.Unlock()
}
