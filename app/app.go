package app

import (
	"context"
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
	"syscall"
	"time"

	"healthpassport/assets"
	"healthpassport/handlers"
	"healthpassport/migrations"
	"healthpassport/models"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
)

const usage = `Usage:
  passport serve [--addr HOST:PORT] [--demo]   serve Health Passport
  passport migrate                             bring the database up to date
  passport templates approve KEY VERSION --by NAME
                                               record that a clinical safety officer approved
                                               a condition template version for use with patients

Environment:
  DATABASE_URL              PostgreSQL URL; without it an SQLite file is used
  PASSPORT_DATA_DIR         folder for the SQLite file (default ./data)
  PASSPORT_DEMO_PASSWORD    password of the demo accounts (default passport-demo)
  PASSPORT_PUBLIC_URL       address printed on activation letters
  PASSPORT_TRUSTED_PROXIES  comma-separated proxy addresses to take client addresses from
`

// Main runs the command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, nil)))
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cfg := configFromEnv(os.Getenv)
	flags := flag.NewFlagSet("passport "+args[0], flag.ContinueOnError)
	flags.SetOutput(stderr)
	flagArgs := args[1:]
	var approval templateApproval
	switch args[0] {
	case "serve":
		flags.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on, HOST:PORT")
		flags.BoolVar(&cfg.Demo, "demo", false, "serve demo data (refused on a database not created for the demo)")
	case "migrate":
	case "templates":
		var err error
		if approval, flagArgs, err = readTemplateApproval(args[1:]); err != nil {
			fmt.Fprintf(stderr, "passport: %v\n", err)
			return 2
		}
		flags.StringVar(&approval.by, "by", "", "name of the clinical safety officer who approves the template")
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
	if err := cfg.validate(); err != nil {
		fmt.Fprintf(stderr, "passport: %v\n", err)
		return 2
	}
	if err := assets.Check(); err != nil {
		fmt.Fprintf(stderr, "passport: %v\n", err)
		return 1
	}
	db, err := models.Open(cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		fmt.Fprintf(stderr, "passport: %v\n", err)
		return 1
	}
	if err := Prepare(db, cfg); err != nil {
		fmt.Fprintf(stderr, "passport: %v\n", err)
		return 1
	}
	switch args[0] {
	case "migrate":
		fmt.Fprintf(stdout, "Database is up to date (%s).\n", migrations.Latest())
		return 0
	case "templates":
		template, err := models.NewStore(db).ApproveTemplate(approval.key, approval.version, approval.by)
		if err != nil {
			fmt.Fprintf(stderr, "passport: template %s version %d: %v\n", approval.key, approval.version, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s template version %d is approved for use with patients, by %s.\n", template.Name, template.Version, template.ApprovedBy)
		return 0
	}
	if err := serve(cfg, db, stdout); err != nil {
		fmt.Fprintf(stderr, "passport: %v\n", err)
		return 1
	}
	return 0
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

// Prepare migrates the database, checks the mode it was created in and, in
// demo mode, adds the demo data.
func Prepare(db *gorm.DB, cfg Config) error {
	if err := migrations.Run(db); err != nil {
		return fmt.Errorf("migrating the database: %w", err)
	}
	store := models.NewStore(db)
	mode := models.ModeLive
	if cfg.Demo {
		mode = models.ModeDemo
	}
	if err := store.ClaimMode(mode); err != nil {
		return err
	}
	if err := store.EnsureStandardTemplates(); err != nil {
		return fmt.Errorf("adding the standard condition templates: %w", err)
	}
	if cfg.Demo {
		return store.SeedDemo(cfg.DemoPassword)
	}
	return nil
}

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
	go sweep(ctx, models.NewStore(db), models.NewSessionStore(db))

	fmt.Fprintf(stdout, "Health Passport is running at http://%s\n", listener.Addr())
	if cfg.Demo {
		fmt.Fprintf(stdout, "Demo accounts: nurse, patient, carer, admin, commissioner. Password: %s\n", cfg.DemoPassword)
	}
	errs := make(chan error, 1)
	go func() { errs <- server.Serve(listener) }()
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// sweep removes expired sessions and old sign-in attempts now and then.
func sweep(ctx context.Context, store *models.Store, sessions *models.SessionStore) {
	ticker := time.NewTicker(10 * time.Minute)
	defer ticker.Stop()
	for {
		if err := sessions.DeleteExpired(); err != nil {
			slog.Error("removing expired sessions", "error", err)
		}
		if err := store.ForgetEndedDevices(); err != nil {
			slog.Error("removing ended devices", "error", err)
		}
		if err := store.ForgetAttemptsBefore(time.Now().Add(-24 * time.Hour)); err != nil {
			slog.Error("removing old sign-in attempts", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// Handler wires the whole service: assets, then sessions around the pages.
func Handler(db *gorm.DB, cfg Config) (http.Handler, error) {
	store := models.NewStore(db)
	signingKey, err := store.SigningKey()
	if err != nil {
		return nil, fmt.Errorf("reading the signing key: %w", err)
	}
	gin.SetMode(gin.ReleaseMode)
	sessions := scs.New()
	sessions.Store = models.NewSessionStore(db)
	sessions.Lifetime = handlers.SessionLifetime
	sessions.IdleTimeout = handlers.StaffIdleTimeout
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
	h := handlers.New(store, sessions, signingKey, cfg.PublicURL)
	engine.Use(gin.CustomRecovery(h.Recover))
	h.Routes(engine)

	// Health checks and assets need no session.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := store.Ping(r.Context()); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	})
	mux.Handle("/assets/", assets.Handler())
	mux.Handle("/", sessions.LoadAndSave(engine))
	return requestID(logRequests(securityHeaders(cfg.secure(), limitBody(mux)))), nil
}
