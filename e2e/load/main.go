// Command load measures how many passport and caseload pages a second the
// service answers, on SQLite and on PostgreSQL, beside a static server
// sending the same bytes with the same headers: the most net/http could
// do on this computer. Everything listens on the loopback address only.
//
// PostgreSQL is measured when LOAD_DATABASE_URL or TEST_DATABASE_URL is
// set, in a schema of its own that is dropped afterwards.
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/store"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

func main() {
	sessions := flag.Int("sessions", 64, "signed-in sessions, each with a connection of its own")
	duration := flag.Duration("duration", 10*time.Second, "how long each page is measured")
	maxRequests := flag.Int("max-requests", 1_000_000, "most requests sent for each page")
	profiles := flag.String("profiles", "", "folder to write CPU and allocation profiles of each page's measurement to, for go tool pprof")
	pages := flag.String("pages", "passport,caseload,fhir", "which of passport, caseload and fhir (a connected system reading a patient) to measure")
	only := flag.String("databases", "SQLite,PostgreSQL", "which databases to measure on")
	hold := flag.Bool("hold", false, "instead of measuring, serve each page and its static copy and print a wrk command for each, until interrupted")
	useWrk := flag.Bool("wrk", false, "send the requests with wrk, a load generator of its own, instead of this program's Go client")
	queues := flag.Bool("queues", false, "instead of the pages, measure how long a red-zone reading's clinical work takes with and without a bulk export of a whole population running")
	queuePatients := flag.Int("queue-patients", 100_000, "with -queues, the population on PostgreSQL")
	queueSQLitePatients := flag.Int("queue-sqlite-patients", 10_000, "with -queues, the population on SQLite")
	queueReadings := flag.Int("queue-readings", 10, "with -queues, red-zone readings timed with the export and as many without")
	reuse := flag.Bool("reuse", false, "with -queues, keep the PostgreSQL population in a schema named by its size (passport_queues_100000) and use it again next time")
	flag.Parse()
	// The app logs every request as it does in service; the lines are
	// written nowhere so the table stays readable.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if *queues {
		limits := QueueLimits{Patients: map[string]int{"SQLite": *queueSQLitePatients, "PostgreSQL": *queuePatients},
			Readings: *queueReadings, Reuse: *reuse, Pause: 100 * time.Millisecond}
		failed := false
		for _, database := range databases() {
			if !slices.Contains(strings.Split(*only, ","), database.name) {
				continue
			}
			if err := measureQueues(database, limits); err != nil {
				fmt.Fprintf(os.Stderr, "load: %s: %v\n", database.name, err)
				failed = true
			}
		}
		if failed {
			os.Exit(1)
		}
		return
	}
	limits := Limits{Duration: *duration, MaxRequests: *maxRequests, Profiles: *profiles, Hold: *hold, Wrk: *useWrk}

	table := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	generator := fmt.Sprintf("Go client, at most %d requests", *maxRequests)
	if *useWrk {
		generator = fmt.Sprintf("wrk, %d threads", wrkThreads)
	}
	fmt.Fprintf(os.Stdout, "%d sessions, %d connections, %s a page (%s)\n\n", *sessions, *sessions, *duration, generator)
	fmt.Fprintln(table, "Database\tPage\tRequests a second\tp50\tp99\tFailed\tStatic a second\tStatic p99\tOf static\tCPU a request\tStatic CPU\t")
	failed := false
	for _, database := range databases() {
		if !slices.Contains(strings.Split(*only, ","), database.name) {
			continue
		}
		rows, err := measureDatabase(database, *sessions, strings.Split(*pages, ","), limits)
		if err != nil {
			fmt.Fprintf(os.Stderr, "load: %s: %v\n", database.name, err)
			failed = true
			continue
		}
		for _, row := range rows {
			if limits.Hold {
				continue // served, not measured
			}
			fmt.Fprintf(table, "%s\t%s\t%.0f\t%s\t%s\t%d\t%.0f\t%s\t%.1f%%\t%s\t%s\t\n", database.name, row.page,
				row.app.PerSecond(), milliseconds(row.app.P50), milliseconds(row.app.P99), row.app.Failures,
				row.static.PerSecond(), milliseconds(row.static.P99), 100*row.app.PerSecond()/row.static.PerSecond(),
				microseconds(row.app.CPUPerRequest()), microseconds(row.static.CPUPerRequest()))
			failed = failed || row.app.Failures > 0
		}
	}
	table.Flush()
	if failed {
		os.Exit(1)
	}
}

func microseconds(d time.Duration) string {
	return fmt.Sprintf("%d µs", d.Microseconds())
}

func milliseconds(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

type database struct {
	name string
	open func() (*gorm.DB, func(), error)
	// reuse opens the named schema, made if missing, and keeps it
	// afterwards; nil where the database has no schemas.
	reuse func(schema string) (*gorm.DB, func(), error)
}

// databases are SQLite in a temporary folder, and PostgreSQL when a URL is
// given for it.
func databases() []database {
	list := []database{{name: "SQLite", open: openSQLite}}
	postgresURL := os.Getenv("LOAD_DATABASE_URL")
	if postgresURL == "" {
		postgresURL = os.Getenv("TEST_DATABASE_URL")
	}
	if postgresURL == "" {
		fmt.Println("PostgreSQL is not measured: set LOAD_DATABASE_URL or TEST_DATABASE_URL to a postgres:// URL.")
		return list
	}
	return append(list, database{name: "PostgreSQL", open: func() (*gorm.DB, func(), error) { return openPostgres(postgresURL) },
		reuse: func(schema string) (*gorm.DB, func(), error) { return openSchema(postgresURL, schema) }})
}

func openSQLite() (*gorm.DB, func(), error) {
	dir, err := os.MkdirTemp("", "passport-load-")
	if err != nil {
		return nil, nil, err
	}
	db, err := store.Open("", dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return db, func() { closeDB(db); os.RemoveAll(dir) }, nil
}

// openPostgres works in a new schema, so that nothing already in the
// database is touched, and drops it at the end.
func openPostgres(base string) (*gorm.DB, func(), error) {
	admin, err := store.Open(base, "")
	if err != nil {
		return nil, nil, err
	}
	schema := "passport_load_" + models.RandomToken(6)
	if err := admin.Exec(`CREATE SCHEMA "` + schema + `"`).Error; err != nil {
		closeDB(admin)
		return nil, nil, err
	}
	dropSchema := func() {
		admin.Exec(`DROP SCHEMA "` + schema + `" CASCADE`)
		closeDB(admin)
	}
	db, err := openInSchema(base, schema)
	if err != nil {
		dropSchema()
		return nil, nil, err
	}
	return db, func() { closeDB(db); dropSchema() }, nil
}

// openSchema works in the named schema, made if it is missing, and leaves
// it in place for the next run.
func openSchema(base, schema string) (*gorm.DB, func(), error) {
	admin, err := store.Open(base, "")
	if err != nil {
		return nil, nil, err
	}
	err = admin.Exec(`CREATE SCHEMA IF NOT EXISTS "` + schema + `"`).Error
	closeDB(admin)
	if err != nil {
		return nil, nil, err
	}
	db, err := openInSchema(base, schema)
	if err != nil {
		return nil, nil, err
	}
	return db, func() { closeDB(db) }, nil
}

// openInSchema connects with the schema first on the search path.
func openInSchema(base, schema string) (*gorm.DB, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return store.Open(u.String(), "")
}

func closeDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.Close()
	}
}

type row struct {
	page        string
	app, static Result
}

// measureDatabase serves a demo database with a patient and a nurse for
// every session, signs them all in, and measures each of the pages asked
// for against its static copy.
func measureDatabase(database database, sessions int, pages []string, limits Limits) ([]row, error) {
	db, closeDB, err := database.open()
	if err != nil {
		return nil, err
	}
	defer closeDB()
	db.Logger = logger.Default.LogMode(logger.Silent)
	cfg := app.Config{Demo: true, DemoPassword: password, PublicURL: "http://127.0.0.1", AuditKey: auditKey, SecretKey: secretKey}
	if err := app.Prepare(db, cfg); err != nil {
		return nil, err
	}
	everyone, err := addPeople(db, sessions)
	if err != nil {
		return nil, fmt.Errorf("adding people: %w", err)
	}
	handler, err := app.Handler(db, cfg)
	if err != nil {
		return nil, err
	}
	baseURL, stop, err := serveLoopback(handler)
	if err != nil {
		return nil, err
	}
	defer stop()

	var rows []row
	for _, page := range []struct {
		path      string
		usernames []string
	}{{"/passport", everyone.patients}, {"/caseload", everyone.nurses}} {
		if !slices.Contains(pages, page.path[1:]) {
			continue
		}
		fmt.Fprintf(os.Stderr, "Measuring %s on %s\n", page.path, database.name)
		cookies, err := signInAll(baseURL, page.usernames)
		if err != nil {
			return nil, fmt.Errorf("signing in: %w", err)
		}
		measured, err := measurePage(baseURL+page.path, cookies, limits.profiledAs(database.name+page.path))
		if err != nil {
			return nil, err
		}
		measured.page = page.path
		rows = append(rows, measured)
	}
	if !slices.Contains(pages, "fhir") {
		return rows, nil
	}
	// A connected system reading a patient: every read is audited.
	tokens, path, err := fhirTokens(db, cfg, sessions)
	if err != nil {
		return nil, fmt.Errorf("registering a connected system: %w", err)
	}
	fmt.Fprintf(os.Stderr, "Measuring FHIR Patient reads on %s\n", database.name)
	var grants []Credential
	for _, token := range tokens {
		grants = append(grants, Credential{Header: "Authorization", Value: token})
	}
	measured, err := measurePage(baseURL+path, grants, limits.profiledAs(database.name+"/fhir"))
	if err != nil {
		return nil, err
	}
	measured.page = "FHIR Patient read"
	return append(rows, measured), nil
}

// measurePage measures a page of the app, then a static server sending
// one real answer of it.
func measurePage(pageURL string, cookies []Credential, limits Limits) (row, error) {
	capture, err := CapturePage(pageURL, cookies[0])
	if err != nil {
		return row{}, err
	}
	if limits.Hold {
		return row{}, hold(pageURL, capture, cookies[0])
	}
	stopProfiling, err := startProfiles(limits)
	if err != nil {
		return row{}, err
	}
	appResult, err := limits.measure(pageURL, cookies)
	if err != nil {
		return row{}, err
	}
	if err := stopProfiling(); err != nil {
		return row{}, err
	}
	staticURL, stop, err := serveLoopback(capture)
	if err != nil {
		return row{}, err
	}
	defer stop()
	limits.Profiles = "" // the yardstick is not profiled
	staticResult, err := limits.measure(staticURL, cookies)
	return row{app: appResult, static: staticResult}, err
}

// hold serves the captured page beside the app's and prints a wrk command
// for each, with one of the credentials, until the process is interrupted:
// an external load generator is not capped as the Go client here is.
func hold(pageURL string, capture Capture, credential Credential) error {
	staticURL, stop, err := serveLoopback(capture)
	if err != nil {
		return err
	}
	defer stop()
	interrupted := make(chan os.Signal, 1)
	signal.Notify(interrupted, os.Interrupt)
	defer signal.Stop(interrupted)
	u, err := url.Parse(pageURL)
	if err != nil {
		return err
	}
	for _, target := range []string{pageURL, staticURL + u.RequestURI()} {
		fmt.Printf("wrk -t2 -c64 -d10s --latency -H '%s: %s' %s\n", credential.Header, credential.Value, target)
	}
	fmt.Println("Serving until interrupted (Ctrl-C).")
	<-interrupted
	return nil
}
