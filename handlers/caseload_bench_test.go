package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/demo"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"
)

// BenchmarkCaseload measures the server time of the caseload page, through
// the whole router, for one practice of 1,000, 10,000 and 100,000 patients
// of a synthetic population, for each search and filter, on each test
// database. Building 100,000 patients takes SQLite several minutes, so
// that size runs on PostgreSQL only.
func BenchmarkCaseload(b *testing.B) {
	for _, kind := range modelstest.Databases() {
		for _, size := range []int{1000, 10000, 100000} {
			if kind == "sqlite" && size > 10000 {
				continue
			}
			benchmarkCaseload(b, kind, size)
		}
	}
}

func benchmarkCaseload(b *testing.B, kind string, size int) {
	db := modelstest.Open(b, kind)
	cfg := app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: "http://passport.test"}
	if err := app.Prepare(db, cfg); err != nil {
		b.Fatal(err)
	}
	st := store.NewStore(db)
	spec := demo.PopulationSpec{Patients: size, Practices: 1, Seed: 1, Today: time.Now()}
	if _, err := demo.BuildPopulation(b.Context(), st, spec, demoPassword); err != nil {
		b.Fatal(err)
	}
	// One of the population's own patients, to look for in each way.
	var someone models.Patient
	if err := db.Where("nhs_number LIKE ?", "9991%").Order("id").Offset(size / 2).First(&someone).Error; err != nil {
		b.Fatal(err)
	}

	handler, err := app.Handler(db, cfg)
	if err != nil {
		b.Fatal(err)
	}
	cookie := signInAs(b, handler, "nurse")
	for _, page := range []struct{ name, query string }{
		{"everyone", ""},
		{"name", "q=" + url.QueryEscape(someone.GivenName+" "+someone.FamilyName)},
		// A family name alone matches more patients the larger the practice.
		{"family name", "q=" + url.QueryEscape(someone.FamilyName)},
		{"NHS number", "q=" + url.QueryEscape(models.FormatNHSNumber(someone.NHSNumber))},
		{"NHS number start", "q=" + someone.NHSNumber[:6]},
		{"date of birth", "q=" + url.QueryEscape(someone.DateOfBirth.Format("2/1/2006"))},
		{"review due", "filter=" + models.FilterReviewDue + "&sort=review"},
		{"red zone", "filter=" + models.FilterRedZone},
		{"prescriptions", "filter=" + models.FilterPrescriptions},
	} {
		b.Run(fmt.Sprintf("%s/%d patients/%s", kind, size, page.name), func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/caseload?"+page.query, nil)
				req.Header.Set("Cookie", cookie)
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s answered %d", page.query, rec.Code)
				}
			}
		})
	}
}
