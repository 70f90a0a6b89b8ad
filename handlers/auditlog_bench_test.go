package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/demo"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// auditBenchRows is how long the audit log is for BenchmarkAuditSearch.
const auditBenchRows = 1_000_000

// BenchmarkAuditSearch measures the server time of the audit log's
// searches, through the whole router, on a log of a million entries about
// a synthetic population of 10,000 patients at 10 practices, on
// PostgreSQL only (building the log in SQLite is too slow to be worth it).
//
// The million entries are written by one set-based INSERT, a year of them
// spread over the population's patients and nurses, most of them looks at
// records. They are not hash-chained (their hash is empty): the benchmark
// measures searching, which does not read the chain, and verifying them
// would report the first as changed.
func BenchmarkAuditSearch(b *testing.B) {
	if !slices.Contains(modelstest.Databases(), "postgres") {
		b.Skip("the audit log benchmark runs on PostgreSQL: set TEST_DATABASE_URL")
	}
	db, someone := auditBenchDatabase(b)
	cfg := app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: "http://passport.test"}
	today := time.Now()
	handler, err := app.Handler(db, cfg)
	if err != nil {
		b.Fatal(err)
	}
	cookie := signInAs(b, handler, "admin")
	monthAgo, weekAgo := today.AddDate(0, -1, 0), today.AddDate(0, 0, -7)
	dates := func(from, to time.Time) string {
		return fmt.Sprintf("from-day=%d&from-month=%d&from-year=%d&to-day=%d&to-month=%d&to-year=%d",
			from.Day(), from.Month(), from.Year(), to.Day(), to.Month(), to.Year())
	}
	for _, search := range []struct{ name, query string }{
		{"newest", ""},
		{"NHS number", "nhs-number=" + someone.NHSNumber},
		{"NHS number and action", "nhs-number=" + someone.NHSNumber + "&action=" + models.AuditPlanSaved},
		{"NHS number, action and a month", "nhs-number=" + someone.NHSNumber + "&action=" + models.AuditPatientViewed + "&" + dates(monthAgo, today)},
		{"staff", "staff=nurse3"},
		{"staff and a week", "staff=nurse3&" + dates(weekAgo, today)},
		{"staff, action and a month", "staff=nurse3&action=" + models.AuditReviewRecorded + "&" + dates(monthAgo, today)},
		{"staff and a week a year ago", "staff=nurse3&" + dates(today.AddDate(-1, 0, 7), today.AddDate(-1, 0, 14))},
		{"action and a week", "action=" + models.AuditPlanSaved + "&" + dates(weekAgo, today)},
	} {
		b.Run(search.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/audit?"+search.query, nil)
				req.Header.Set("Cookie", cookie)
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s answered %d", url.QueryEscape(search.query), rec.Code)
				}
			}
		})
	}
}

// auditBenchDatabase builds the benchmark's database: the synthetic
// population and a million audit entries, and names one of its patients.
func auditBenchDatabase(tb testing.TB) (*gorm.DB, models.Patient) {
	db := modelstest.Open(tb, "postgres")
	cfg := app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: "http://passport.test"}
	if err := app.Prepare(db, cfg); err != nil {
		tb.Fatal(err)
	}
	st := store.NewStore(db)
	today := time.Now()
	if _, err := demo.BuildPopulation(tb.Context(), st, demo.PopulationSpec{Patients: 10000, Practices: 10, Seed: 1, Today: today}, demoPassword); err != nil {
		tb.Fatal(err)
	}
	started := time.Now()
	// Entry g is at a moment of the past year in order, by one of the
	// nurses, about one of the patients; one in eight is a change rather
	// than a look. The database moves the chain's head as each is added.
	err := db.Exec(`
		WITH people AS (
			SELECT (SELECT array_agg(id ORDER BY id) FROM patients) AS patients,
			       (SELECT array_agg(id ORDER BY id) FROM users WHERE role = 'nurse') AS nurses,
			       (SELECT last_event_id FROM audit_chains WHERE id = 1) AS head
		)
		INSERT INTO audit_events (id, at, actor_id, actor_role, action, patient_id, target_type, target_id,
			ip_address, request_id, detail, hash)
		SELECT head + g,
		       CAST(? AS timestamptz) - (CAST(? AS bigint) - g) * interval '31 seconds',
		       nurses[CAST(1 + (g * 7) % array_length(nurses, 1) AS integer)],
		       'nurse',
		       CASE g % 8 WHEN 0 THEN ? WHEN 1 THEN ? ELSE ? END,
		       patients[CAST(1 + (g * 7919) % array_length(patients, 1) AS integer)],
		       'patient', '', '127.0.0.1', '', '', ''
		FROM people, generate_series(CAST(1 AS bigint), CAST(? AS bigint)) AS g`,
		today.UTC(), auditBenchRows, models.AuditPlanSaved, models.AuditReviewRecorded, models.AuditPatientViewed, auditBenchRows).Error
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.Exec("ANALYZE audit_events").Error; err != nil {
		tb.Fatal(err)
	}
	tb.Logf("wrote %d audit entries in %s", auditBenchRows, time.Since(started).Round(time.Millisecond))

	var someone models.Patient
	if err := db.Where("nhs_number LIKE ?", "9991%").Order("id").Offset(5000).First(&someone).Error; err != nil {
		tb.Fatal(err)
	}
	return db, someone
}
