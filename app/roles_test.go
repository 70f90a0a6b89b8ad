package app

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"healthpassport/models"
	"healthpassport/models/store"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

func TestAuditVerifyNamesTheFirstTamperedEntry(t *testing.T) {
	env := map[string]string{"PASSPORT_DATA_DIR": t.TempDir()}
	if code, _, stderr := run(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	db, err := store.Open("", env["PASSPORT_DATA_DIR"])
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		sqlDB, _ := db.DB()
		sqlDB.Close()
	}()
	st := store.NewStore(db)
	for range 3 {
		if err := st.Audit(t.Context(), models.Actor{Role: models.RoleNurse}, models.AuditEntry{Action: models.AuditPatientViewed}); err != nil {
			t.Fatal(err)
		}
	}
	// Waiting to be chained, they are checked all the same.
	if code, stdout, stderr := run(t, env, "audit", "verify"); code != 0 || stdout != "All 3 audit entries verified.\n" {
		t.Fatalf("untouched log, waiting: %d %q %q", code, stdout, stderr)
	}
	if _, err := st.FoldPendingAudit(t.Context()); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := run(t, env, "audit", "verify"); code != 0 || stdout != "All 3 audit entries verified.\n" {
		t.Fatalf("untouched log: %d %q %q", code, stdout, stderr)
	}
	for _, statement := range []string{
		`DROP TRIGGER audit_events_no_update`,
		`UPDATE audit_events SET detail = 'nothing happened' WHERE id = 2`,
	} {
		if err := db.Exec(statement).Error; err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := run(t, env, "audit", "verify")
	if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 ||
		!regexp.MustCompile(`^passport: audit entry 2 \(\d{4}-\d\d-\d\dT[^,]+, patient\.viewed\) does not match`).MatchString(stderr) {
		t.Errorf("tampered log: %d %q %q", code, stdout, stderr)
	}
}

// TestServingRoleCannotRewriteTheAuditLog migrates as the schema's owner
// and serves as a role of its own, which must be able to do the service's
// work but not change, remove or empty audit entries, nor lift the triggers
// that guard them.
func TestServingRoleCannotRewriteTheAuditLog(t *testing.T) {
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Skip("needs PostgreSQL: set TEST_DATABASE_URL")
	}
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
	if err != nil {
		t.Fatal(err)
	}
	token := models.RandomToken(8)
	role, schema := "passport_serving_"+token, "test_roles_"+token
	for _, statement := range []string{
		`CREATE ROLE ` + role + ` LOGIN PASSWORD 'serving-password'`,
		`CREATE SCHEMA ` + schema,
	} {
		if err := admin.Exec(statement).Error; err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Exec(`DROP OWNED BY ` + role)
		admin.Exec(`DROP ROLE ` + role)
		if sqlDB, err := admin.DB(); err == nil {
			sqlDB.Close()
		}
	})
	ownerURL, _ := url.Parse(base)
	query := ownerURL.Query()
	query.Set("search_path", schema)
	ownerURL.RawQuery = query.Encode()
	servingURL := *ownerURL
	servingURL.User = url.UserPassword(role, "serving-password")
	env := map[string]string{"MIGRATE_DATABASE_URL": ownerURL.String(), "DATABASE_URL": servingURL.String()}

	code, _, stderr := run(t, env, "serve", "--addr", "127.0.0.1:0")
	if code != 1 || stderr != "passport: the database is not up to date: run passport migrate\n" {
		t.Fatalf("serving before migrating: %d %q", code, stderr)
	}
	for range 2 {
		if code, _, stderr := run(t, env, "migrate"); code != 0 {
			t.Fatalf("migrate: %s", stderr)
		}
	}

	owner, err := store.Open(ownerURL.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	serving, err := store.Open(servingURL.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, db := range []*gorm.DB{owner, serving} {
		db.Logger = logger.Default.LogMode(logger.Silent)
		t.Cleanup(func() {
			if sqlDB, err := db.DB(); err == nil {
				sqlDB.Close()
			}
		})
	}
	st := store.NewStore(serving)
	if err := st.Audit(t.Context(), models.Actor{Role: models.RoleAdmin}, models.AuditEntry{Action: models.AuditPatientViewed}); err != nil {
		t.Fatalf("the serving role cannot add an audit entry: %v", err)
	}
	for _, statement := range []string{
		`UPDATE audit_events SET detail = 'nothing happened'`,
		`DELETE FROM audit_events`,
		`TRUNCATE audit_events`,
		`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`,
		`DROP TABLE audit_events`,
		`UPDATE audit_pending SET detail = 'nothing happened'`,
		`TRUNCATE audit_pending`,
		`CREATE TABLE audit_copy (id integer)`,
		`INSERT INTO schema_migrations (id) VALUES ('9999_forged')`,
	} {
		err := serving.Exec(statement).Error
		if err == nil || !strings.Contains(err.Error(), "SQLSTATE 42501") {
			t.Errorf("%s: %v; want refused for lack of privilege", statement, err)
		}
	}

	// It may remove waiting entries, but only as it chains them.
	if err := serving.Exec(`DELETE FROM audit_pending`).Error; err == nil || !strings.Contains(err.Error(), "leave only as they are chained") {
		t.Errorf("removing a waiting entry unchained: %v; want refused", err)
	}

	// The service's own work, from start-up to a sign-in, as the serving role.
	hash, err := models.HashPassword(t.Context(), "serving-role-password")
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.Create(&models.User{Username: "auditor", PasswordHash: hash, Role: models.RoleAdmin, DisplayName: "Alex Auditor"}).Error; err != nil {
		t.Fatal(err)
	}
	cfg := Config{PublicURL: "https://passport.test"}
	if err := prepareRows(serving, cfg); err != nil {
		t.Fatalf("starting up as the serving role: %v", err)
	}
	handler, err := Handler(serving, cfg)
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewTLSServer(handler)
	defer server.Close()
	client := server.Client()
	client.Jar, _ = cookiejar.New(nil)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.Get(server.URL + "/sign-in")
	if err != nil {
		t.Fatal(err)
	}
	page := new(strings.Builder)
	_, _ = io.Copy(page, res.Body)
	res.Body.Close()
	csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page.String())
	if csrf == nil {
		t.Fatalf("sign-in page: %d, no anti-forgery token", res.StatusCode)
	}
	res, err = client.PostForm(server.URL+"/sign-in", url.Values{
		"csrf_token": {csrf[1]}, "username": {"auditor"}, "password": {"serving-role-password"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") == "/sign-in" {
		t.Fatalf("sign-in as the serving role: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, err := st.FoldPendingAudit(t.Context()); err != nil {
		t.Fatalf("the serving role cannot chain waiting entries: %v", err)
	}
	var signIns int64
	serving.Model(&models.AuditEvent{}).Where("action = ?", models.AuditSignIn).Count(&signIns)
	if n, err := st.VerifyAuditLog(t.Context()); signIns != 1 || err != nil {
		t.Errorf("after the sign-in: %d sign-in entries, %d verified, %v", signIns, n, err)
	}
}
