package app

import (
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"

	"gorm.io/gorm"
)

// TestDemoStartsWithAPopulation: serving the demo for the first time adds
// patients registered over many months at four practices, enough for the
// commissioner's dashboard to show figures that disclosure control lets
// through, once only; and the demo has a clinical safety officer.
func TestDemoStartsWithAPopulation(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		cfg := Config{Demo: true, DemoPassword: "demo-population"}
		if err := prepareRows(db, cfg); err != nil {
			t.Fatal(err)
		}
		started := time.Now()
		if err := addDemoPopulation(db, cfg); err != nil {
			t.Fatal(err)
		}
		t.Logf("the demo's population took %s", time.Since(started))
		if err := addDemoPopulation(db, cfg); err != nil {
			t.Fatalf("adding the population again: %v", err)
		}
		var patients, practices int64
		db.Model(&models.Patient{}).Count(&patients)
		db.Model(&models.Patient{}).Distinct("practice_id").Count(&practices)
		if patients != 303 || practices != 4 {
			t.Errorf("%d patients at %d practices; want the 3 demo patients and 300 more, at 4 practices", patients, practices)
		}
		var registered []time.Time
		db.Model(&models.Patient{}).Pluck("created_at", &registered)
		months := map[string]int{}
		for _, at := range registered {
			months[at.Format("2006-01")]++
		}
		if len(months) < 6 {
			t.Errorf("patients registered in %d months; want them spread over at least 6", len(months))
		}
		var officer models.User
		if err := db.Where("username = ?", "safety").Take(&officer).Error; err != nil || officer.Role != models.RoleSafetyOfficer {
			t.Errorf("the demo's clinical safety officer: %+v, %v", officer, err)
		}
	})
}
