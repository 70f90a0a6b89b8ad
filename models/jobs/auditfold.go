package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"healthpassport/models/store"
)

// AuditFoldInterval is how often the service chains the audit entries
// waiting to be (store.Store.Audit): a record read is in the chain within
// about this long. It runs outside the job queue: a job a tick would be a
// row written and removed five times a second, and on SQLite the queue
// itself looks for work only once a second.
const AuditFoldInterval = 200 * time.Millisecond

// auditFolder chains waiting audit entries every interval on one goroutine,
// until stopped.
type auditFolder struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func startAuditFolder(ctx context.Context, s *store.Store, interval time.Duration) *auditFolder {
	ctx, cancel := context.WithCancel(ctx)
	f := &auditFolder{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		var lastErr string // a fold that keeps failing is logged once, not five times a second
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
			_, err := s.FoldPendingAudit(ctx)
			switch {
			case err == nil:
				lastErr = ""
			case ctx.Err() != nil:
				return
			case err.Error() != lastErr:
				lastErr = err.Error()
				slog.Error("chaining waiting audit entries", "error", err)
			}
		}
	}()
	return f
}

// stop stops the ticking, then chains what is still waiting, so that an
// instance stopped in the ordinary way leaves nothing behind; what a killed
// one leaves is chained by the next fold of any instance.
func (f *auditFolder) stop(ctx context.Context, s *store.Store) error {
	f.cancel()
	<-f.done
	if _, err := s.FoldPendingAudit(ctx); err != nil {
		return fmt.Errorf("chaining the waiting audit entries: %w", err)
	}
	return nil
}
