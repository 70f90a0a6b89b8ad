package demo_test

import (
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"hash"
	"slices"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/demo"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

var smallPopulation = demo.PopulationSpec{Patients: 400, Practices: 3, Seed: 42, Today: time.Date(2026, time.November, 20, 0, 0, 0, 0, time.UTC)}

func buildPopulation(t *testing.T, db *gorm.DB, spec demo.PopulationSpec) (*store.Store, demo.PopulationSummary) {
	t.Helper()
	st := store.NewStore(db)
	if err := st.ClaimMode(t.Context(), models.ModeDemo); err != nil {
		t.Fatal(err)
	}
	summary, err := demo.BuildPopulation(t.Context(), st, spec, demoPassword)
	if err != nil {
		t.Fatal(err)
	}
	return st, summary
}

// populationTables are the tables a population fills, with the columns
// that differ from one build to the next however it is seeded: password
// hashes are salted at random, and the database notes the moment a
// practice's patients last changed as it adds them.
var populationTables = map[string][]string{
	"organisations": {"cohort_changed_at", "record_changed_at"}, "users": {"password_hash"}, "memberships": nil, "patients": nil, "carer_links": nil,
	"action_plans": nil, "plan_versions": nil, "reviews": nil, "readings": nil, "alerts": nil,
	"prescription_requests": nil, "shares": nil, "feedbacks": nil, "audit_events": nil,
}

// populationDigest is a SHA-256 over every row of the population's tables,
// each value written the same way whichever database read it.
func populationDigest(t *testing.T, db *gorm.DB) string {
	t.Helper()
	digest := sha256.New()
	tables := make([]string, 0, len(populationTables))
	for table := range populationTables {
		tables = append(tables, table)
	}
	slices.Sort(tables)
	for _, table := range tables {
		rows, err := db.Raw("SELECT * FROM " + table + " ORDER BY id").Rows()
		if err != nil {
			t.Fatal(err)
		}
		writeRows(t, digest, table, rows, populationTables[table])
	}
	return fmt.Sprintf("%x", digest.Sum(nil))
}

func writeRows(t *testing.T, digest hash.Hash, table string, rows *sql.Rows, skip []string) {
	t.Helper()
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		values := make([]any, len(columns))
		pointers := make([]any, len(columns))
		for i := range values {
			pointers[i] = &values[i]
		}
		if err := rows.Scan(pointers...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(digest, table)
		for i, column := range columns {
			if slices.Contains(skip, column) {
				continue
			}
			fmt.Fprintf(digest, "|%s=%s", column, normalise(values[i]))
		}
		fmt.Fprintln(digest)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// normalise writes a value as text: times in UTC, booleans as SQLite keeps
// them, numbers whatever their width.
func normalise(value any) string {
	switch v := value.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(v)
	case bool:
		if v {
			return "1"
		}
		return "0"
	case string:
		// SQLite may hand back a time column as its text.
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano} {
			if parsed, err := time.Parse(layout, v); err == nil {
				return parsed.UTC().Format(time.RFC3339Nano)
			}
		}
		return v
	}
	return fmt.Sprint(value)
}

func TestPopulationIsTheSameForASeedOnEitherDatabase(t *testing.T) {
	digests := map[string]string{}
	for _, kind := range modelstest.Databases() {
		db := modelstest.Open(t, kind)
		buildPopulation(t, db, smallPopulation)
		digests[kind] = populationDigest(t, db)
	}
	again := modelstest.Open(t, "sqlite")
	buildPopulation(t, again, smallPopulation)
	if digest := populationDigest(t, again); digest != digests["sqlite"] {
		t.Errorf("the same seed gave different rows on SQLite: %s, then %s", digests["sqlite"], digest)
	}
	if digests["postgres"] != "" && digests["postgres"] != digests["sqlite"] {
		t.Errorf("the same seed gave different rows on SQLite (%s) and PostgreSQL (%s)", digests["sqlite"], digests["postgres"])
	}
	other := modelstest.Open(t, "sqlite")
	otherSeed := smallPopulation
	otherSeed.Seed++
	buildPopulation(t, other, otherSeed)
	if populationDigest(t, other) == digests["sqlite"] {
		t.Error("another seed gave the same rows")
	}
}

func TestPopulationIsRealistic(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st, summary := buildPopulation(t, db, smallPopulation)
		if summary.Patients != smallPopulation.Patients {
			t.Fatalf("built %d patients, want %d", summary.Patients, smallPopulation.Patients)
		}
		for name, count := range map[string]int{"accounts": summary.Accounts, "readings": summary.Readings, "alerts": summary.Alerts,
			"prescriptions": summary.Prescriptions, "reviews": summary.Reviews, "shares": summary.Shares, "feedback": summary.Feedback} {
			if count == 0 {
				t.Errorf("no %s were built", name)
			}
		}

		var conditions []struct {
			ConditionName string
			Plans         int
		}
		db.Model(&models.ActionPlan{}).Select("condition_name, COUNT(*) AS plans").Group("condition_name").Order("plans DESC").Scan(&conditions)
		if len(conditions) != 5 || conditions[0].ConditionName != "Asthma" {
			t.Errorf("conditions by plans = %+v, want all five with asthma the most common", conditions)
		}

		var versions []models.PlanVersion
		db.Find(&versions)
		for _, version := range versions {
			content, err := version.PlanContent()
			if err != nil {
				t.Fatal(err)
			}
			if version.State != models.VersionPublished || len(content.PublishProblems(nil)) > 0 {
				t.Fatalf("plan version %d is %s with %v", version.ID, version.State, content.PublishProblems(nil))
			}
		}

		// Readings follow the seasons: more of them amber or red in the
		// autumn than in the spring.
		worse := func(from, to time.Time) float64 {
			var all, bad int64
			db.Model(&models.Reading{}).Where("created_at >= ? AND created_at < ?", from, to).Count(&all)
			db.Model(&models.Reading{}).Where("created_at >= ? AND created_at < ? AND zone <> ?", from, to, models.ZoneGreen).Count(&bad)
			return float64(bad) / float64(all)
		}
		autumn := worse(time.Date(2026, time.September, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC))
		spring := worse(time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, time.May, 1, 0, 0, 0, 0, time.UTC))
		if autumn <= spring {
			t.Errorf("%.2f of autumn readings were amber or red, and %.2f of spring ones", autumn, spring)
		}

		var missed, acknowledged int64
		db.Model(&models.Patient{}).Where("next_review_on < ?", smallPopulation.Today).Count(&missed)
		db.Model(&models.Alert{}).Where("status = ? AND acknowledged_at > created_at", models.AlertAcknowledged).Count(&acknowledged)
		if missed == 0 || acknowledged == 0 {
			t.Errorf("%d reviews missed and %d alerts acknowledged, want some of each", missed, acknowledged)
		}

		checked, err := st.VerifyAuditLog(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if checked != summary.AuditEntries {
			t.Errorf("verified %d audit entries, want %d", checked, summary.AuditEntries)
		}

		// Rows added afterwards get new ids.
		nurse := user(t, st, "nurse")
		if _, _, err := st.RegisterPatient(t.Context(), models.Actor{UserID: nurse.ID, Role: models.RoleNurse},
			models.NewPatient{NHSNumber: "9990000042", GivenName: "New", FamilyName: "Patient", DateOfBirth: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), PracticeID: 2}); err != nil {
			t.Fatalf("registering a patient after the population: %v", err)
		}
	})
}

func TestPopulationRefusesALiveDatabase(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		live := store.NewStore(db)
		if err := live.ClaimMode(t.Context(), models.ModeLive); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.BuildPopulation(t.Context(), live, smallPopulation, demoPassword); !errors.Is(err, models.ErrNotDemoDatabase) {
			t.Fatalf("building in a live database: %v, want %v", err, models.ErrNotDemoDatabase)
		}
		var patients int64
		db.Model(&models.Patient{}).Count(&patients)
		if patients != 0 {
			t.Errorf("%d patients were added to a live database", patients)
		}
	})
}

func TestPopulationGoesInOnce(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st, _ := buildPopulation(t, db, smallPopulation)
		if _, err := demo.BuildPopulation(t.Context(), st, smallPopulation, demoPassword); !errors.Is(err, demo.ErrPopulationExists) {
			t.Fatalf("building twice: %v, want %v", err, demo.ErrPopulationExists)
		}
	})
}
