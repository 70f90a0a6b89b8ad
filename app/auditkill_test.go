package app

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/store"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// killTestAuditKey signs the log of the kill test's throwaway databases.
const killTestAuditKey = "the audit key of a log that is killed mid-read, 32+"

// TestAuditedReadsSurviveAKill has a carer open a passport over and over
// from eight connections while the service is killed (SIGKILL: no shutdown,
// no last fold), then starts it again on the same database. Every read
// that was answered has its audit entry, once, in a chain that verifies:
// an entry is committed before the page is sent, and what was still
// waiting to be chained when the process died is chained by the next one
// within a second or so of its start. On SQLite, and on PostgreSQL in a
// database of its own when TEST_DATABASE_URL is set.
func TestAuditedReadsSurviveAKill(t *testing.T) {
	bin := passportCommand(t)
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		killWhileReading(t, bin, []string{"PASSPORT_DATA_DIR=" + dir}, func() (*gorm.DB, error) { return store.Open("", dir) })
	})
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		return
	}
	t.Run("postgres", func(t *testing.T) {
		admin, err := store.Open(base, "")
		if err != nil {
			t.Fatal(err)
		}
		admin.Logger = logger.Default.LogMode(logger.Silent)
		name := "passport_kill_" + strings.ToLower(models.RandomToken(6))
		if err := admin.Exec(`CREATE DATABASE "` + name + `"`).Error; err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			admin.Exec(`DROP DATABASE "` + name + `" WITH (FORCE)`)
			closeDatabase(admin)
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		databaseURL := u.String()
		killWhileReading(t, bin, []string{"PASSPORT_DATA_DIR=" + t.TempDir(), "DATABASE_URL=" + databaseURL},
			func() (*gorm.DB, error) { return store.Open(databaseURL, "") })
	})
}

// killWhileReading kills the demo served with env while a carer reads, and
// serves it again; open opens the same database in this process.
func killWhileReading(t *testing.T, bin string, env []string, open func() (*gorm.DB, error)) {
	env = append(env, "PASSPORT_DEMO_PASSWORD=kill-test", "PASSPORT_AUDIT_KEY="+killTestAuditKey)
	first := serveDemo(t, bin, env...)
	carer := signInAs(t, "http://"+first.addr, "carer", "kill-test")

	var answered sync.Map // request id → true, for every read answered 200
	var count atomic.Int64
	var readers sync.WaitGroup
	for range 8 {
		readers.Go(func() {
			for {
				res, err := carer.client.Get(carer.base + "/passport/demoamelia0000001")
				if err != nil {
					return // the service is gone
				}
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					answered.Store(res.Header.Get("X-Request-Id"), true)
					count.Add(1)
				}
			}
		})
	}
	for deadline := time.Now().Add(10 * time.Second); count.Load() < 200; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d reads answered in 10 seconds", count.Load())
		}
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	readers.Wait()
	<-first.exited

	db, err := open()
	if err != nil {
		t.Fatal(err)
	}
	db.Logger = logger.Default.LogMode(logger.Silent)
	t.Cleanup(func() { closeDatabase(db) })
	var waiting int64
	db.Model(&models.PendingAuditEvent{}).Count(&waiting)
	t.Logf("%d reads answered; %d entries waiting to be chained when the service was killed", count.Load(), waiting)

	// The fold runs within a fifth of a second of the service starting;
	// the bound is for a busy machine, where starting takes seconds.
	second := serveDemo(t, bin, env...)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		db.Model(&models.PendingAuditEvent{}).Count(&waiting)
		if waiting == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d entries still waiting 30 seconds after the service started again", waiting)
		}
	}
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := second.waitForExit(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d: %s", code, second.stderr.String())
	}

	keys, err := store.NewAuditKeys(killTestAuditKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.NewStore(db).WithAuditKeys(keys).VerifyAuditLog(t.Context()); err != nil {
		t.Fatalf("the audit log does not verify: %v", err)
	}
	lost := 0
	answered.Range(func(requestID, _ any) bool {
		var entries int64
		db.Model(&models.AuditEvent{}).Where("request_id = ? AND action = ?", requestID, models.AuditPassportViewed).Count(&entries)
		if entries != 1 {
			lost++
			t.Errorf("read %s answered 200 has %d audit entries; want 1", requestID, entries)
		}
		return true
	})
	if lost > 0 {
		t.Errorf("%d of %d answered reads lost their audit entry", lost, count.Load())
	}
}

func closeDatabase(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.Close()
	}
}
