package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"healthpassport/assets"
	"healthpassport/handlers"
	"healthpassport/migrations"
	"healthpassport/models"
	"healthpassport/models/demo"
	"healthpassport/models/jobs"
	"healthpassport/models/store"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
)

const usage = `Usage:
  passport serve [--addr HOST:PORT] [--demo]   serve Health Passport
  passport migrate                             bring the database up to date
  passport demo [--patients N] [--practices M] [--seed S]
                                               add a synthetic population to a demo database
  passport audit verify [--checkpoint FILE]    check that no audit entry was changed or removed and,
                                               with FILE, that the log still holds every checkpoint in it
  passport audit checkpoint                    sign the audit log's newest entry and count, keep the
                                               checkpoint, and print it as one line of JSON to keep elsewhere
  passport templates approve KEY VERSION --by NAME
                                               record that a clinical safety officer approved
                                               a condition template version for use with patients
  passport clients create NAME --practice ODS --scopes "system/Patient.rs ..." --keys FILE
                                               register a system that reads a practice's records
                                               through the FHIR API, with its public keys (a JWKS)
  passport clients revoke CLIENT_ID            stop a registered system at once
  passport admin create --name NAME --email EMAIL --icb ICB --ods CODE
                                               invite an administrator of the ICB (added if new) and
                                               print their activation code

Environment:
  DATABASE_URL              PostgreSQL URL; without it an SQLite file is used
  MIGRATE_DATABASE_URL      PostgreSQL URL of the schema's owner, for migrate (default DATABASE_URL);
                            when set, serve runs as DATABASE_URL's role and never migrates
  PASSPORT_DATA_DIR         folder for the SQLite file (default ./data)
  PASSPORT_DEMO_PASSWORD    password of the demo accounts (default passport-demo)
  PASSPORT_PUBLIC_URL       address printed on activation letters
  PASSPORT_TRUSTED_PROXIES  comma-separated proxy addresses to take client addresses from
  PASSPORT_HASH_MEMORY_MB   memory for checking passwords at once, 19 MB each (default 128)
  PASSPORT_SHUTDOWN_GRACE   how long a stopping server lets requests in flight and background
                            work finish, like 10s or 1m (default 10s)
  PASSPORT_AUDIT_KEY        secret of 32 characters or more that the audit log is signed with;
                            needed by every command but migrate, except in the demo, which makes
                            one in the data folder (audit.key)
  PASSPORT_AUDIT_KEY_PREVIOUS
                            keys used before PASSPORT_AUDIT_KEY, separated by spaces or commas,
                            to check the entries they signed
  NOTIFY_API_KEY            GOV.UK Notify API key; without it messages stay in the outbox,
                            which administrators read on the Messages page
  NOTIFY_BASE_URL           GOV.UK Notify's API (default https://api.notifications.service.gov.uk)
  NOTIFY_TEMPLATES          template ids as JSON, by channel or by kind and channel:
                            {"sms": "…", "email": "…", "letter": "…", "prescription-ready.sms": "…"}
`

// Main runs the command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, nil)))
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cfg := configFromEnv(os.Getenv)
	command := args[0]
	if command == "audit" && len(args) > 1 && (args[1] == "verify" || args[1] == "checkpoint") {
		command, args = "audit "+args[1], args[1:]
	}
	flags := flag.NewFlagSet("passport "+command, flag.ContinueOnError)
	flags.SetOutput(stderr)
	flagArgs := args[1:]
	var approval templateApproval
	var population demo.PopulationSpec
	var client clientCommand
	var administrator newAdministrator
	var checkpoints string
	if command == "admin" && len(args) > 1 && args[1] == "create" {
		command, flagArgs = "admin create", args[2:]
	}
	switch command {
	case "serve":
		flags.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on, HOST:PORT")
		flags.BoolVar(&cfg.Demo, "demo", false, "serve demo data (refused on a database not created for the demo)")
	case "demo":
		flags.IntVar(&population.Patients, "patients", 1000, "how many patients")
		flags.IntVar(&population.Practices, "practices", 10, "how many practices share them")
		flags.Uint64Var(&population.Seed, "seed", 1, "seed of the random choices: the same seed gives the same population")
	case "migrate", "audit checkpoint":
	case "audit verify":
		flags.StringVar(&checkpoints, "checkpoint", "", "file of checkpoints, one JSON line each, that the log must still hold")
	case "templates":
		var err error
		if approval, flagArgs, err = readTemplateApproval(args[1:]); err != nil {
			fmt.Fprintf(stderr, "passport: %v\n", err)
			return 2
		}
		flags.StringVar(&approval.by, "by", "", "name of the clinical safety officer who approves the template")
	case "clients":
		var err error
		if client, flagArgs, err = readClientCommand(args[1:]); err != nil {
			fmt.Fprintf(stderr, "passport: %v\n", err)
			return 2
		}
		if client.action == "create" {
			flags.StringVar(&client.practice, "practice", "", "ODS code of the practice the system reads for")
			flags.StringVar(&client.scopes, "scopes", "", "space-separated SMART scopes, such as system/Patient.rs")
			flags.StringVar(&client.keysFile, "keys", "", "file holding the system's public keys as a JSON Web Key Set")
		}
	case "admin create":
		flags.StringVar(&administrator.name, "name", "", "the administrator's full name")
		flags.StringVar(&administrator.email, "email", "", "the administrator's work email address")
		flags.StringVar(&administrator.icb, "icb", "", "the name of their integrated care board")
		flags.StringVar(&administrator.ods, "ods", "", "the ICB's ODS code")
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "passport: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err := flags.Parse(flagArgs); err != nil {
		return 2
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "passport: unexpected argument %q\n", flags.Arg(0))
		return 2
	}
	if command == "demo" {
		cfg.Demo = true
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintf(stderr, "passport: %v\n", err)
		return 2
	}
	// Every command but migrate may write or check audit entries, and
	// read the secrets kept in the database.
	if command != "migrate" {
		if err := cfg.requireKeys(); err != nil {
			fmt.Fprintf(stderr, "passport: %v\n", err)
			return 2
		}
	}
	if err := assets.Check(); err != nil {
		fmt.Fprintf(stderr, "passport: %v\n", err)
		return 1
	}
	var err error
	switch command {
	case "migrate":
		err = migrate(cfg, stdout)
	case "audit verify":
		err = verifyAudit(cfg, checkpoints, stdout)
	case "audit checkpoint":
		err = auditCheckpoint(cfg, stdout)
	case "templates":
		err = approveTemplate(cfg, approval, stdout)
	case "demo":
		err = buildPopulation(cfg, population, stdout)
	case "clients":
		err = runClientCommand(cfg, client, stdout)
	case "admin create":
		err = createAdministrator(cfg, administrator, stdout)
	default:
		err = prepareAndServe(cfg, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "passport: %v\n", err)
		return 1
	}
	return 0
}

// open connects to the database at databaseURL, or to the SQLite file, and
// gives back what closes it again.
func open(databaseURL string, cfg Config) (*gorm.DB, func(), error) {
	db, err := store.Open(databaseURL, cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	return db, func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	}, nil
}

// migrate brings the schema up to date as its owner and, when the service
// runs as another PostgreSQL role, gives that role its rights.
func migrate(cfg Config, stdout io.Writer) error {
	db, closeDB, err := open(cfg.MigrateURL, cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := Prepare(db, cfg); err != nil {
		return err
	}
	if cfg.MigrateURL != cfg.DatabaseURL {
		var owner string
		if err := db.Raw(`SELECT current_user`).Scan(&owner).Error; err != nil {
			return err
		}
		if role := cfg.servingRole(); role != owner {
			if err := migrations.GrantServingRole(db, role); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(stdout, "Database is up to date (%s).\n", migrations.Latest())
	return nil
}

// auditStore opens the database for the audit commands, which read and
// check but never migrate.
func auditStore(cfg Config) (*store.Store, func(), error) {
	db, closeDB, err := open(cfg.DatabaseURL, cfg)
	if err != nil {
		return nil, nil, err
	}
	st, err := NewStore(db, cfg)
	if err == nil {
		err = migrations.CheckCurrent(db)
	}
	if err != nil {
		closeDB()
		return nil, nil, err
	}
	return st, closeDB, nil
}

// verifyAudit walks the audit log's hash chain and, given a file of
// checkpoints, checks the log still holds each.
func verifyAudit(cfg Config, checkpointFile string, stdout io.Writer) error {
	var checkpoints []models.AuditCheckpoint
	if checkpointFile != "" {
		var err error
		if checkpoints, err = readCheckpoints(checkpointFile); err != nil {
			return err
		}
	}
	st, closeDB, err := auditStore(cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	verified, err := st.VerifyAuditLog(context.Background())
	if err != nil {
		return err
	}
	for i, checkpoint := range checkpoints {
		if err := st.VerifyAuditCheckpoint(context.Background(), checkpoint); err != nil {
			return fmt.Errorf("%s line %d: %w", checkpointFile, i+1, err)
		}
	}
	fmt.Fprintf(stdout, "All %d audit entries verified.\n", verified)
	if len(checkpoints) > 0 {
		fmt.Fprintf(stdout, "The log still holds all %d checkpoints in %s.\n", len(checkpoints), checkpointFile)
	}
	return nil
}

// readCheckpoints reads a file of checkpoints, one JSON object a line, as
// passport audit checkpoint prints them; blank lines are skipped.
func readCheckpoints(path string) ([]models.AuditCheckpoint, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the checkpoints: %w", err)
	}
	var checkpoints []models.AuditCheckpoint
	for i, line := range strings.Split(string(content), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var checkpoint models.AuditCheckpoint
		if err := json.Unmarshal([]byte(line), &checkpoint); err != nil {
			return nil, fmt.Errorf("%s line %d is not a checkpoint: %w", path, i+1, err)
		}
		checkpoints = append(checkpoints, checkpoint)
	}
	if len(checkpoints) == 0 {
		return nil, fmt.Errorf("%s holds no checkpoint", path)
	}
	return checkpoints, nil
}

// auditCheckpoint checks the audit log, signs and keeps a checkpoint of
// it, and prints the checkpoint as one line of JSON.
func auditCheckpoint(cfg Config, stdout io.Writer) error {
	st, closeDB, err := auditStore(cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	checkpoint, err := st.AuditCheckpoint(context.Background())
	if err != nil {
		return err
	}
	line, err := json.Marshal(checkpoint)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", line)
	return nil
}

// ready opens the database the service uses and readies it. With a
// migrating role of its own, the schema is that role's business: the
// service only checks it.
func ready(cfg Config) (*gorm.DB, func(), error) {
	db, closeDB, err := open(cfg.DatabaseURL, cfg)
	if err != nil {
		return nil, nil, err
	}
	if cfg.MigrateURL == cfg.DatabaseURL {
		err = Prepare(db, cfg)
	} else if err = migrations.CheckCurrent(db); err == nil {
		err = prepareRows(db, cfg)
	}
	if err != nil {
		closeDB()
		return nil, nil, err
	}
	return db, closeDB, nil
}

func prepareAndServe(cfg Config, stdout io.Writer) error {
	db, closeDB, err := ready(cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	if cfg.Demo {
		if err := addDemoPopulation(db, cfg); err != nil {
			return fmt.Errorf("adding the demo's patients: %w", err)
		}
	}
	return serve(cfg, db, stdout)
}

// demoPopulation is the synthetic population a new demo database is given
// as it is first served: enough patients, registered over months at four
// practices, for the commissioner's dashboard to show figures that
// disclosure control lets through, and few enough to be added in a second
// or two.
var demoPopulation = demo.PopulationSpec{Patients: 300, Practices: 4, Seed: 1}

// addDemoPopulation adds the demo's population unless it is there already.
func addDemoPopulation(db *gorm.DB, cfg Config) error {
	spec := demoPopulation
	spec.Today = time.Now()
	st, err := NewStore(db, cfg)
	if err != nil {
		return err
	}
	_, err = demo.BuildPopulation(context.Background(), st, spec, cfg.DemoPassword)
	if errors.Is(err, demo.ErrPopulationExists) {
		return nil
	}
	return err
}

// approveTemplate records a clinical safety officer's approval of a
// template version.
func approveTemplate(cfg Config, approval templateApproval, stdout io.Writer) error {
	db, closeDB, err := ready(cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	st, err := NewStore(db, cfg)
	if err != nil {
		return err
	}
	template, err := st.ApproveTemplate(context.Background(), approval.key, approval.version, approval.by)
	if err != nil {
		return fmt.Errorf("template %s version %d: %w", approval.key, approval.version, err)
	}
	fmt.Fprintf(stdout, "%s template version %d is approved for use with patients, by %s.\n", template.Name, template.Version, template.ApprovedBy)
	return nil
}

// buildPopulation readies a demo database, refusing one created for real
// use, and adds a synthetic population to it, with a year of activity up
// to today.
func buildPopulation(cfg Config, spec demo.PopulationSpec, stdout io.Writer) error {
	cfg.Demo = true
	db, closeDB, err := ready(cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	spec.Today = time.Now()
	started := time.Now()
	st, err := NewStore(db, cfg)
	if err != nil {
		return err
	}
	summary, err := demo.BuildPopulation(context.Background(), st, spec, cfg.DemoPassword)
	if err != nil {
		return err
	}
	practices := "practices"
	if spec.Practices == 1 {
		practices = "practice"
	}
	fmt.Fprintf(stdout, "Added %d patients at %d %s in %s: %d accounts, %d plans, %d readings, %d alerts, "+
		"%d prescription requests, %d reviews, %d shares, %d feedback and %d audit entries.\n",
		summary.Patients, spec.Practices, practices, time.Since(started).Round(100*time.Millisecond), summary.Accounts, summary.Plans, summary.Readings,
		summary.Alerts, summary.Prescriptions, summary.Reviews, summary.Shares, summary.Feedback, summary.AuditEntries)
	return nil
}

// templateApproval is what "passport templates approve" records.
type templateApproval struct {
	key     string
	version int
	by      string
}

// readTemplateApproval reads "approve KEY VERSION" and returns the flags
// that follow.
func readTemplateApproval(args []string) (templateApproval, []string, error) {
	if len(args) < 3 || args[0] != "approve" {
		return templateApproval{}, nil, errors.New("templates: say approve, the template's key and its version")
	}
	version, err := strconv.Atoi(args[2])
	if err != nil || version < 1 {
		return templateApproval{}, nil, fmt.Errorf("templates: version %q must be a whole number, like 2", args[2])
	}
	return templateApproval{key: args[1], version: version}, args[3:], nil
}

// Prepare migrates the database and readies it to serve.
func Prepare(db *gorm.DB, cfg Config) error {
	if err := migrations.Run(db); err != nil {
		return fmt.Errorf("migrating the database: %w", err)
	}
	return prepareRows(db, cfg)
}

// prepareRows checks the mode the database was created in, encrypts with
// the current secret key the secrets written in plain text by earlier
// versions or encrypted with a previous key, adds the standard templates
// and, in demo mode, the demo data. It changes rows only, never the
// schema, so the serving role can run it.
func prepareRows(db *gorm.DB, cfg Config) error {
	st, err := NewStore(db, cfg)
	if err != nil {
		return err
	}
	mode := models.ModeLive
	if cfg.Demo {
		mode = models.ModeDemo
	}
	if err := st.ClaimMode(context.Background(), mode); err != nil {
		return err
	}
	// migrate runs without the key; the instances that serve seal them.
	if cfg.SecretKey != "" {
		if _, err := st.ResealSecrets(context.Background()); err != nil {
			return fmt.Errorf("encrypting the secrets kept in the database with PASSPORT_SECRET_KEY: %w", err)
		}
	}
	if err := st.EnsureStandardTemplates(context.Background()); err != nil {
		return fmt.Errorf("adding the standard condition templates: %w", err)
	}
	if cfg.Demo {
		return demo.Seed(context.Background(), st, cfg.DemoPassword)
	}
	return nil
}

// serve answers requests until the process is asked to stop (SIGTERM or
// Ctrl-C). It then stops accepting, lets the requests in flight finish and
// only then stops the background work, all within cfg.ShutdownGrace.
func serve(cfg Config, db *gorm.DB, stdout io.Writer) error {
	listener, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.Addr, err)
	}
	handler, err := Handler(db, cfg)
	if err != nil {
		return err
	}
	server := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := NewStore(db, cfg)
	if err != nil {
		return err
	}
	queue, err := jobs.Start(context.WithoutCancel(ctx), st)
	if err != nil {
		return err
	}

	fmt.Fprintf(stdout, "Health Passport is running at http://%s\n", listener.Addr())
	if cfg.Demo {
		fmt.Fprintf(stdout, "Demo accounts: %s. Password: %s\n", strings.Join(demo.Usernames, ", "), cfg.DemoPassword)
	}
	errs := make(chan error, 1)
	go func() { errs <- server.Serve(listener) }()
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal ends the process at once

	slog.Info("stopping: finishing the requests in flight", "grace", cfg.ShutdownGrace)
	grace, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	var stopErrs []error
	if err := server.Shutdown(grace); err != nil {
		server.Close()
		stopErrs = append(stopErrs, fmt.Errorf("requests still running after %s were cut off: %w", cfg.ShutdownGrace, err))
	}
	// The queue stops after the server has drained, so that no request
	// still running finds it gone; jobs cut short are run again by River's
	// rescuer.
	if err := queue.Stop(grace); err != nil {
		stopErrs = append(stopErrs, fmt.Errorf("stopping background work: %w", err))
	}
	return errors.Join(stopErrs...)
}

// Handler wires the whole service: assets, then sessions around the pages.
func Handler(db *gorm.DB, cfg Config) (http.Handler, error) {
	models.LimitHashMemory(cfg.HashMemoryMB)
	st, err := NewStore(db, cfg)
	if err != nil {
		return nil, err
	}
	signingKey, err := st.SigningKey(context.Background())
	if err != nil {
		return nil, fmt.Errorf("reading the signing key: %w", err)
	}
	gin.SetMode(gin.ReleaseMode)
	sessions := scs.New()
	sessions.Store = store.NewSessionStore(db)
	sessions.Codec = store.SessionCodec{}
	sessions.Lifetime = handlers.SessionLifetime
	// No idle timeout here: the handlers end idle sessions, by role, and
	// can only tell people why if the session is still there to look at.
	sessions.Cookie.Name = "passport_session"
	sessions.Cookie.HttpOnly = true
	sessions.Cookie.SameSite = http.SameSiteLaxMode
	sessions.Cookie.Path = "/"
	sessions.Cookie.Persist = false // gone when the browser closes
	if cfg.secure() {
		sessions.Cookie.Secure = true
		sessions.Cookie.Name = "__Host-passport_session"
	}
	sessions.ErrorFunc = handlers.SessionError

	engine := gin.New()
	engine.ContextWithFallback = true
	if err := engine.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		panic(err) // validated in Config.validate
	}
	h := handlers.New(st, sessions, signingKey, cfg.PublicURL)
	nhsLogin, err := cfg.nhsLoginClient()
	if err != nil {
		return nil, fmt.Errorf("setting up NHS login: %w", err)
	}
	h.OfferNHSLogin(nhsLogin)
	engine.Use(gin.CustomRecovery(h.Recover))
	h.Routes(engine)

	// Health checks and assets need no session.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := st.Ping(r.Context()); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	})
	mux.Handle("/assets/", assets.Handler())
	// Machine clients use the FHIR API with bearer tokens, not sessions.
	api := gin.New()
	api.ContextWithFallback = true
	if err := api.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		panic(err) // validated in Config.validate
	}
	api.Use(gin.CustomRecovery(h.Recover))
	h.APIRoutes(api)
	for _, path := range []string{"/fhir/", "/oauth/token", "/.well-known/smart-configuration"} {
		mux.Handle(path, api)
	}
	mux.Handle("/", inTurn(store.ConcurrentRequests(), prefetchSignedIn(sessions.LoadAndSave(engine))))
	// Signing in with NHS login posts a form that the service answers with
	// a redirect to NHS login: browsers hold such redirects to the form's
	// own form-action, so NHS login's origin must be in it.
	var formTargets []string
	if nhsLogin != nil {
		formTargets = append(formTargets, origin(cfg.NHSLoginIssuer))
	}
	return requestID(logRequests(securityHeaders(cfg.secure(), contentSecurityPolicy(formTargets...), checkInput(limitBody(mux))))), nil
}
