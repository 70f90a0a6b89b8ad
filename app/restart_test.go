package app

import (
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// throwawayPostgres is a PostgreSQL server of the test's own, which it may
// stop and start as it likes.
type throwawayPostgres struct {
	bin, data, socket, log string
	port                   int
}

// startThrowawayPostgres starts a new PostgreSQL cluster on a free port
// with the machine's own server programs, as the postgres user when run as
// root (PostgreSQL refuses to run as root).
func startThrowawayPostgres(t *testing.T) *throwawayPostgres {
	t.Helper()
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(found) == 0 {
		t.Skip("needs PostgreSQL's server programs (initdb, pg_ctl) in /usr/lib/postgresql/*/bin")
	}
	sort.Strings(found)
	// Not t.TempDir: its parent is closed to other users, postgres included.
	dir, err := os.MkdirTemp("", "passport-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg := &throwawayPostgres{bin: filepath.Dir(found[len(found)-1]), data: filepath.Join(dir, "data"), socket: dir,
		log: filepath.Join(dir, "server.log"), port: freePort(t)}
	if os.Geteuid() == 0 {
		if err := exec.Command("chown", "postgres", dir).Run(); err != nil {
			t.Skipf("needs a postgres user to run PostgreSQL as: %v", err)
		}
	}
	t.Cleanup(func() {
		pg.run(t, "pg_ctl", "-D", pg.data, "-m", "immediate", "stop")
		os.RemoveAll(dir)
	})
	pg.run(t, "initdb", "-D", pg.data, "-A", "trust", "-U", "postgres")
	pg.mustRun(t, "pg_ctl", "-D", pg.data, "-l", pg.log, "-w", "start",
		"-o", "-p "+strconv.Itoa(pg.port)+" -k "+pg.socket+" -c listen_addresses=127.0.0.1 -c fsync=off")
	return pg
}

func (pg *throwawayPostgres) url() string {
	return "postgres://postgres@127.0.0.1:" + strconv.Itoa(pg.port) + "/postgres?sslmode=disable"
}

// restart stops the server as a deploy or failover would, cutting off every
// connection, and starts it again.
func (pg *throwawayPostgres) restart(t *testing.T) {
	pg.mustRun(t, "pg_ctl", "-D", pg.data, "-l", pg.log, "-m", "fast", "-w", "restart")
}

func (pg *throwawayPostgres) run(t *testing.T, program string, args ...string) ([]byte, error) {
	program = filepath.Join(pg.bin, program)
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "postgres", "--", program}, args...)
		program = "runuser"
	}
	return exec.Command(program, args...).CombinedOutput()
}

func (pg *throwawayPostgres) mustRun(t *testing.T, program string, args ...string) {
	t.Helper()
	if out, err := pg.run(t, program, args...); err != nil {
		log, _ := os.ReadFile(pg.log)
		t.Fatalf("%s: %v\n%s\n%s", program, err, out, log)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	return listener.Addr().(*net.TCPAddr).Port
}

// signedInBrowser is the demo patient signed in with a browser that does not
// follow redirects, so that each answer is seen as it is.
type signedInBrowser struct {
	client *http.Client
	base   string
	token  string
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func signInPatient(t *testing.T, base, password string) *signedInBrowser {
	t.Helper()
	b := signInAs(t, base, "patient", password)
	b.readToken(t, "/passport") // signed in, the session has a token of its own
	return b
}

// signInAs signs a demo account in, as a browser would.
func signInAs(t *testing.T, base, username, password string) *signedInBrowser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &signedInBrowser{base: base, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	b.readToken(t, "/sign-in")
	res, err := b.client.PostForm(base+"/sign-in", url.Values{"username": {username}, "password": {password}, "csrf_token": {b.token}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("signing in: %v %v", res, err)
	}
	res.Body.Close()
	return b
}

func (b *signedInBrowser) readToken(t *testing.T, path string) {
	t.Helper()
	res, err := b.client.Get(b.base + path)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	token := csrfField.FindSubmatch(page)
	if token == nil {
		t.Fatalf("%s (%d) has no anti-forgery token", path, res.StatusCode)
	}
	b.token = string(token[1])
}

// readiness is what /readyz answered, once polling stops.
type readiness struct {
	sawUnavailable bool
	stop           chan struct{}
	done           chan struct{}
}

// watchReadiness asks /readyz over and over until stopped, noting whether
// it ever said the service was unavailable.
func watchReadiness(base string) *readiness {
	r := &readiness{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		client := &http.Client{Timeout: 5 * time.Second}
		for {
			select {
			case <-r.stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			if res, err := client.Get(base + "/readyz"); err == nil {
				res.Body.Close()
				r.sawUnavailable = r.sawUnavailable || res.StatusCode == http.StatusServiceUnavailable
			}
		}
	}()
	return r
}

func (r *readiness) stopWatching() bool {
	close(r.stop)
	<-r.done
	return r.sawUnavailable
}

func TestReadingsSurviveADatabaseRestart(t *testing.T) {
	pg := startThrowawayPostgres(t)
	db, err := store.Open(pg.url(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	cfg := Config{Demo: true, DemoPassword: "restart-test", PublicURL: "http://passport.test"}
	server := serveForTest(t, db, cfg)
	patient := signInPatient(t, server.URL, cfg.DemoPassword)
	var amelia models.Patient
	if err := db.First(&amelia, "ref = ?", "demoamelia0000001").Error; err != nil {
		t.Fatal(err)
	}
	before := countReadings(t, db, amelia.ID)

	// The patient records readings one after another, in a few tabs at
	// once. When one fails, the browser sends the same form, with the same
	// one-time key, again.
	const tabs = 4
	var (
		mu           sync.Mutex
		requests     int
		failedKeys   = map[string]bool{}
		acknowledged = map[string]string{} // one-time key: the reading it led to
	)
	stopWriting := make(chan struct{})
	var writing sync.WaitGroup
	for range tabs {
		writing.Go(func() {
			path := server.URL + "/passport/demoamelia0000001/readings/peak-flow"
			for {
				select {
				case <-stopWriting:
					return
				default:
				}
				form := url.Values{"litres": {"280"}, "submission_key": {rand.Text()}, "csrf_token": {patient.token}}
				for giveUp := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
					res, err := patient.client.PostForm(path, form)
					mu.Lock()
					requests++
					if err == nil {
						res.Body.Close()
						if res.StatusCode == http.StatusSeeOther {
							acknowledged[form.Get("submission_key")] = res.Header.Get("Location")
							mu.Unlock()
							break
						}
					}
					failedKeys[form.Get("submission_key")] = true
					mu.Unlock()
					if time.Now().After(giveUp) {
						t.Errorf("a reading was still refused 30 seconds after the first try: %v %v", res, err)
						return
					}
				}
			}
		})
	}

	time.Sleep(time.Second)
	watch := watchReadiness(server.URL)
	pg.restart(t)
	waitReady(t, server.URL)
	if !watch.stopWatching() {
		t.Error("/readyz never answered 503 while the database was down")
	}
	time.Sleep(time.Second)
	close(stopWriting)
	writing.Wait()

	stored := countReadings(t, db, amelia.ID) - before
	readingPath := regexp.MustCompile(`^/passport/demoamelia0000001/readings/(\d+)$`)
	for key, location := range acknowledged {
		m := readingPath.FindStringSubmatch(location)
		if m == nil {
			t.Errorf("key %s led to %q; want a reading", key, location)
			continue
		}
		var n int64
		db.Model(&models.Reading{}).Where("id = ? AND patient_id = ?", m[1], amelia.ID).Count(&n)
		if n != 1 {
			t.Errorf("acknowledged reading %s is not stored", m[1])
		}
	}
	if stored != int64(len(acknowledged)) {
		t.Errorf("%d readings stored for %d acknowledged; want one for each", stored, len(acknowledged))
	}
	retried := 0
	for key := range failedKeys {
		if _, ok := acknowledged[key]; ok {
			retried++
		}
	}
	t.Logf("through a database restart: %d requests, %d readings acknowledged, %d failed then retried with the same key, %d readings stored",
		requests, len(acknowledged), retried, stored)
	if retried == 0 {
		t.Error("no request failed: the restart did not happen under the stream of readings")
	}
}

func countReadings(t *testing.T, db *gorm.DB, patientID uint) int64 {
	t.Helper()
	var n int64
	if err := db.Model(&models.Reading{}).Where("patient_id = ?", patientID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// waitReady waits for /readyz to answer 200 again, with no restart of the
// service.
func waitReady(t *testing.T, base string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatal("/readyz was not 200 within 30 seconds of the database coming back")
}

// serveForTest prepares a test's database as the service does and serves
// it until the test ends.
func serveForTest(t *testing.T, db *gorm.DB, cfg Config) *httptest.Server {
	t.Helper()
	if err := Prepare(db, cfg); err != nil {
		t.Fatal(err)
	}
	handler, err := Handler(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)
	return server
}
