package store

import (
	"context"
	"io"
	"log"
	"time"

	"gorm.io/gorm/logger"
)

// queryLogger logs slow and failed statements. Values are left out, since
// they hold people's health details, and so are refusals by a unique index:
// those are how "only one" rules are decided, and are answered to the
// person as a conflict, not faults of the service.
type queryLogger struct {
	logger.Interface
}

func newQueryLogger(w io.Writer) queryLogger {
	return queryLogger{logger.New(log.New(w, "", log.LstdFlags), logger.Config{
		SlowThreshold:             500 * time.Millisecond,
		LogLevel:                  logger.Warn,
		IgnoreRecordNotFoundError: true,
	})}
}

func (l queryLogger) LogMode(level logger.LogLevel) logger.Interface {
	return queryLogger{l.Interface.LogMode(level)}
}

func (l queryLogger) Trace(ctx context.Context, begin time.Time, statement func() (string, int64), err error) {
	if IsUniqueViolation(err) {
		err = nil
	}
	l.Interface.Trace(ctx, begin, statement, err)
}

// ParamsFilter leaves a statement's values out of the log.
func (l queryLogger) ParamsFilter(ctx context.Context, sql string, params ...any) (string, []any) {
	return sql, nil
}
