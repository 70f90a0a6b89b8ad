package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/modelstest"
)

// BenchmarkCaseload measures the server time of the caseload page, through
// the whole router, for a practice of 1,000 and of 10,000 patients with
// red-zone readings among them, on each test database.
func BenchmarkCaseload(b *testing.B) {
	for _, kind := range modelstest.Databases() {
		for _, size := range []int{1000, 10000} {
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
	var practice models.Organisation
	db.First(&practice, "ods_code = ?", "Y90001")
	var nurse models.User
	db.First(&nurse, "username = ?", "nurse")
	patients := make([]models.Patient, size)
	now := time.Now().UTC()
	for i := range patients {
		next := now.AddDate(0, 0, i%400-30)
		patients[i] = models.Patient{Ref: fmt.Sprintf("bench%011d", i), NHSNumber: fmt.Sprintf("8%09d", i),
			GivenName: fmt.Sprintf("Given%d", i), FamilyName: fmt.Sprintf("Family%05d", (i*7919)%size),
			DateOfBirth: time.Date(1950+i%60, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC), PracticeID: practice.ID,
			NextReviewOn: &next, CreatedAt: now, UpdatedAt: now}
	}
	if err := db.CreateInBatches(patients, 500).Error; err != nil {
		b.Fatal(err)
	}
	var readings []models.Reading
	for i := 0; i < size; i += 10 {
		readings = append(readings, models.Reading{PatientID: patients[i].ID, Kind: models.ReadingPeakFlow, Zone: models.ZoneRed,
			RecordedByID: nurse.ID, CreatedAt: now.Add(-time.Duration(i%20) * 24 * time.Hour)})
	}
	if err := db.CreateInBatches(readings, 500).Error; err != nil {
		b.Fatal(err)
	}

	handler, err := app.Handler(db, cfg)
	if err != nil {
		b.Fatal(err)
	}
	cookie := signInAs(b, handler, "nurse")
	for _, page := range []string{"/caseload", "/caseload?q=family00042", "/caseload?filter=red-zone&sort=review"} {
		b.Run(fmt.Sprintf("%s %d patients %s", kind, size, page), func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, page, nil)
				req.Header.Set("Cookie", cookie)
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s answered %d", page, rec.Code)
				}
			}
		})
	}
}
