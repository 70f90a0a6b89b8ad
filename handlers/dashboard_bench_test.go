package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/demo"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"
)

// BenchmarkDashboard measures the server time of the commissioner's
// dashboard, its spreadsheet and the monthly report, and of the practice
// view, through the whole router, on PostgreSQL with a synthetic
// population of 100,000 patients at 20 practices and a year of their
// activity. The population takes minutes to build, so only PostgreSQL
// runs it. It measures the refresh of the rollup the dashboards read too,
// and logs how long its full rebuild took.
func BenchmarkDashboard(b *testing.B) {
	if !slices.Contains(modelstest.Databases(), "postgres") {
		b.Skip("the dashboard is measured on PostgreSQL: set TEST_DATABASE_URL")
	}
	db := modelstest.Open(b, "postgres")
	cfg := app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: "http://passport.test"}
	if err := app.Prepare(db, cfg); err != nil {
		b.Fatal(err)
	}
	st := store.NewStore(db)
	spec := demo.PopulationSpec{Patients: 100000, Practices: 20, Seed: 1, Today: time.Now()}
	if _, err := demo.BuildPopulation(b.Context(), st, spec, demoPassword); err != nil {
		b.Fatal(err)
	}
	// The dashboards read the rollup, which the periodic job builds in
	// full at first and nightly, and refreshes for recent periods every
	// few minutes: both are measured too.
	began := time.Now()
	if err := st.RefreshOutcomes(context.Background(), time.Now(), true); err != nil {
		b.Fatal(err)
	}
	full := time.Since(began)
	b.Run("rollup/recent periods", func(b *testing.B) {
		b.Logf("the full rebuild took %s", full.Round(time.Millisecond))
		for b.Loop() {
			if err := st.RefreshOutcomes(context.Background(), time.Now(), false); err != nil {
				b.Fatal(err)
			}
		}
	})
	handler, err := app.Handler(db, cfg)
	if err != nil {
		b.Fatal(err)
	}
	for _, who := range []struct{ username, path string }{{"commissioner", "/dashboard"}, {"nurse", "/outcomes"}} {
		cookie := signInAs(b, handler, who.username)
		for _, page := range []struct{ name, query string }{
			{"12 months", "?period=12"},
			{"52 weeks", "?period=12&by=week"},
			{"asthma, 5 to 11, 3 months", "?period=3&age=5-11&condition=" + models.SnomedAsthma},
			{"spreadsheet", ".csv?measure=medication-ratio&period=12"},
			{"monthly report", "/report"},
		} {
			b.Run(fmt.Sprintf("%s/%s", who.path, page.name), func(b *testing.B) {
				for b.Loop() {
					req := httptest.NewRequest(http.MethodGet, who.path+page.query, nil)
					req.Header.Set("Cookie", cookie)
					rec := httptest.NewRecorder()
					handler.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("%s%s answered %d", who.path, page.query, rec.Code)
					}
				}
			})
		}
	}
}
