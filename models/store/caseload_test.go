package store_test

import (
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/demo"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// TestCaseloadSearchesThroughIndexes asks each database how it would find
// the patients of a practice's caseload matching each kind of search and
// filter, and
// expects an index made for it: at 100,000 patients, reading every patient
// is what makes a search slow. PostgreSQL is told to avoid whole-table
// reads where it can, and whole-index reads in name order, since on a
// table this small it rightly prefers them.
func TestCaseloadSearchesThroughIndexes(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st, _ := buildPopulation(t, db, demo.PopulationSpec{Patients: 2000, Practices: 1, Seed: 1, Today: smallPopulation.Today})
		nurse := principal(t, st, "nurse")
		names := map[string]string{"sqlite": "patient_names VIRTUAL TABLE", "postgres": "idx_patients_name_trigrams"}[db.Dialector.Name()]
		for _, c := range []struct {
			query   models.CaseloadQuery
			indexes []string // any one of them will do
		}{
			{models.CaseloadQuery{Search: "smith"}, []string{names}},
			{models.CaseloadQuery{Search: "amelia jo"}, []string{names}},
			{models.CaseloadQuery{Search: "999 100 12"}, []string{"idx_patients_nhs_number"}},
			{models.CaseloadQuery{Search: "12/5/2014"}, []string{"idx_patients_date_of_birth"}},
			{models.CaseloadQuery{Filter: models.FilterReviewDue}, []string{"idx_patients_review_due", "idx_patients_next_review_on"}},
			{models.CaseloadQuery{Filter: models.FilterRedZone}, []string{"idx_patients_last_red"}},
			{models.CaseloadQuery{Filter: models.FilterPrescriptions}, []string{"idx_patients_waiting"}},
		} {
			plan := caseloadPlan(t, db, nurse, c.query)
			if !slices.ContainsFunc(c.indexes, func(index string) bool { return strings.Contains(plan, index) }) {
				t.Errorf("%+v uses none of %v:\n%s", c.query, c.indexes, plan)
			}
		}
	})
}

// caseloadPlan is the database's plan for the caseload's first statement,
// which finds the patients that match: it counts them, or for a name
// search gathers them.
func caseloadPlan(t *testing.T, db *gorm.DB, nurse *models.Principal, query models.CaseloadQuery) string {
	t.Helper()
	tx := db.Begin()
	defer tx.Rollback()
	if tx.Dialector.Name() == "postgres" {
		tx.Exec("SET LOCAL enable_seqscan = off")
		tx.Exec("SET LOCAL enable_indexscan = off")
	}
	var statements []string
	capture := func(d *gorm.DB) {
		statements = append(statements, d.Dialector.Explain(d.Statement.SQL.String(), d.Statement.Vars...))
	}
	name := "test:capture:" + t.Name()
	tx.Callback().Query().After("gorm:query").Register(name, capture)
	defer tx.Callback().Query().Remove(name)
	if _, err := store.NewStore(tx).Caseload(t.Context(), nurse, query, 25); err != nil {
		t.Fatal(err)
	}
	if len(statements) == 0 {
		t.Fatal("the caseload ran no statement")
	}
	explain := "EXPLAIN QUERY PLAN "
	if tx.Dialector.Name() == "postgres" {
		explain = "EXPLAIN "
	}
	rows, err := tx.Raw(explain + statements[0]).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	columns, _ := rows.Columns()
	var plan strings.Builder
	for rows.Next() {
		values := make([]any, len(columns))
		pointers := make([]any, len(columns))
		for i := range values {
			pointers[i] = &values[i]
		}
		if err := rows.Scan(pointers...); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(normalise(values[len(values)-1]) + "\n")
	}
	return plan.String()
}

// TestCaseloadNameSearchFollowsChanges renames and removes a patient and
// searches again: SQLite's table of names follows the patients table.
func TestCaseloadNameSearchFollowsChanges(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		nurse := principal(t, st, "nurse")
		found := func(search string) int64 {
			t.Helper()
			result, err := st.Caseload(t.Context(), nurse, models.CaseloadQuery{Search: search}, 25)
			if err != nil {
				t.Fatal(err)
			}
			return result.Total
		}
		if found("oliver smith") != 1 {
			t.Fatal("Oliver Smith is not found before the change")
		}
		if err := db.Model(&models.Patient{}).Where("nhs_number = ?", "9990000026").
			Updates(map[string]any{"family_name": "Okonkwo", "preferred_name": "Olly"}).Error; err != nil {
			t.Fatal(err)
		}
		if found("smith") != 0 || found("oliver okonkwo") != 1 || found("olly") != 1 {
			t.Errorf("after the change: smith %d, oliver okonkwo %d, olly %d; want 0, 1, 1", found("smith"), found("oliver okonkwo"), found("olly"))
		}
		if err := db.Exec("DELETE FROM patients WHERE nhs_number = ?", "9990000026").Error; err != nil {
			t.Fatal(err)
		}
		if found("okonkwo") != 0 {
			t.Error("a removed patient is still found")
		}
		if db.Dialector.Name() == "sqlite" {
			var names int64
			db.Raw("SELECT COUNT(*) FROM patient_names WHERE patient_names MATCH ?", `"okonkwo"`).Scan(&names)
			if names != 0 {
				t.Errorf("%d names of removed patients are left behind", names)
			}
		}
	})
}

// TestCaseloadCountStopsPastTheLimit lists a practice of more patients than
// the caseload counts: it says there are more, pages as far as the limit,
// and still counts a filter's fewer patients exactly.
func TestCaseloadCountStopsPastTheLimit(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st, _ := buildPopulation(t, db, demo.PopulationSpec{Patients: models.CaseloadCountLimit + 1, Practices: 1, Seed: 1, Today: smallPopulation.Today})
		nurse := principal(t, st, "nurse")
		result, err := st.Caseload(t.Context(), nurse, models.CaseloadQuery{Page: 99}, 25)
		if err != nil {
			t.Fatal(err)
		}
		if !result.More || result.Total != models.CaseloadCountLimit || result.Pages != 40 || result.Page != 40 || len(result.Entries) != 25 {
			t.Errorf("more %v, total %d, page %d of %d with %d patients; want more than 1,000 on page 40 of 40 with 25",
				result.More, result.Total, result.Page, result.Pages, len(result.Entries))
		}
		var waiting int64
		if err := db.Table("prescription_requests").Where("status IN ?", []string{models.RequestRequested, models.RequestApproved}).
			Distinct("patient_id").Count(&waiting).Error; err != nil {
			t.Fatal(err)
		}
		result, err = st.Caseload(t.Context(), nurse, models.CaseloadQuery{Filter: models.FilterPrescriptions}, 25)
		if err != nil {
			t.Fatal(err)
		}
		if result.More || result.Total != waiting || waiting == 0 {
			t.Errorf("the prescriptions filter counted %d (more %v); %d patients are waiting", result.Total, result.More, waiting)
		}
	})
}

// The red-zone filter follows every red reading saved, by any path, in
// the reading's own transaction, and a reading saved late never takes a
// patient's latest red reading back in time.
func TestRedZoneFilterFollowsEveryReading(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		nurse := principal(t, st, "nurse")
		var oliver models.Patient
		if err := db.Where("given_name = ?", "Oliver").First(&oliver).Error; err != nil {
			t.Fatal(err)
		}
		now := db.NowFunc().Truncate(time.Second) // as precise as both databases keep it
		for _, step := range []struct {
			name     string
			zone     string
			daysAgo  int
			wantRed  string
			wantDays int // days ago of Oliver's latest red reading, or -1 for none
		}{
			{"an amber reading", models.ZoneAmber, 0, "Amelia ", -1},
			{"a red reading three weeks ago", models.ZoneRed, 21, "Amelia ", 21},
			{"a red reading today", models.ZoneRed, 0, "Amelia Oliver ", 0},
			{"a red reading from last week saved late", models.ZoneRed, 7, "Amelia Oliver ", 0},
		} {
			err := db.Transaction(func(tx *gorm.DB) error {
				return tx.Create(&models.Reading{PatientID: oliver.ID, Kind: models.ReadingSymptoms, Zone: step.zone,
					RecordedByID: nurse.User.ID, CreatedAt: now.AddDate(0, 0, -step.daysAgo)}).Error
			})
			if err != nil {
				t.Fatal(err)
			}
			result, err := st.Caseload(t.Context(), nurse, models.CaseloadQuery{Filter: models.FilterRedZone}, 25)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, entry := range result.Entries {
				got += entry.GivenName + " "
				if !entry.RedZone {
					t.Errorf("after %s, %s is in the red-zone filter without the red-zone mark", step.name, entry.GivenName)
				}
			}
			if got != step.wantRed || result.Total != int64(len(result.Entries)) {
				t.Errorf("after %s, the red-zone filter found %q (total %d); want %q", step.name, got, result.Total, step.wantRed)
			}
			var latest sql.NullTime
			if err := db.Table("patients").Select("last_red_at").Where("id = ?", oliver.ID).Row().Scan(&latest); err != nil {
				t.Fatal(err)
			}
			switch {
			case step.wantDays < 0 && latest.Valid:
				t.Errorf("after %s, Oliver's latest red reading is %v; want none", step.name, latest.Time)
			case step.wantDays >= 0 && (!latest.Valid || !latest.Time.Equal(now.AddDate(0, 0, -step.wantDays))):
				t.Errorf("after %s, Oliver's latest red reading is %v; want %v", step.name, latest.Time, now.AddDate(0, 0, -step.wantDays))
			}
		}
	})
}

// TestWaitingRequestsFollowEveryChange changes prescription requests in
// every way they can change, some of them at the same instant, and checks
// after each that the count of waiting requests kept on every patient is
// the count of their requests, and that the caseload's prescriptions
// filter lists exactly the patients with any.
func TestWaitingRequestsFollowEveryChange(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		nurse := principal(t, st, "nurse")
		nurseActor := models.Actor{UserID: nurse.User.ID, Role: models.RoleNurse}
		amelia := principal(t, st, "patient").Own
		var oliver models.Patient
		if err := db.Where("given_name = ? AND practice_id = ?", "Oliver", amelia.PracticeID).Take(&oliver).Error; err != nil {
			t.Fatal(err)
		}
		const waiting = "status IN ('requested', 'approved')"
		// Only one request for a medicine waits at a time, so each request
		// made here is for a medicine of its own.
		var medicines atomic.Int32
		requestFor := func(patientID uint, status string) string {
			return fmt.Sprintf("INSERT INTO prescription_requests (patient_id, plan_id, medicine, purpose, status, reason, requested_by_id, created_at, updated_at) "+
				"SELECT %d, plan_id, 'Medicine %d', purpose, '%s', '', requested_by_id, created_at, updated_at FROM prescription_requests WHERE id = "+
				"(SELECT MIN(id) FROM prescription_requests WHERE patient_id = %d)", patientID, medicines.Add(1), status, amelia.ID)
		}
		newest := func(patientID uint) uint {
			var id uint
			if err := db.Raw("SELECT MAX(id) FROM prescription_requests WHERE patient_id = ? AND "+waiting, patientID).Scan(&id).Error; err != nil {
				t.Fatal(err)
			}
			return id
		}
		check := func(after string, want map[uint]int) {
			t.Helper()
			var kept, counted []struct{ ID, Waiting uint }
			if err := db.Raw("SELECT id, waiting_requests AS waiting FROM patients WHERE waiting_requests <> 0 ORDER BY id").Scan(&kept).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Raw("SELECT patient_id AS id, COUNT(*) AS waiting FROM prescription_requests WHERE " + waiting + " GROUP BY patient_id ORDER BY patient_id").Scan(&counted).Error; err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(kept, counted) {
				t.Errorf("after %s, patients keep %v waiting; their requests count %v", after, kept, counted)
			}
			result, err := st.Caseload(t.Context(), nurse, models.CaseloadQuery{Filter: models.FilterPrescriptions}, 25)
			if err != nil {
				t.Fatal(err)
			}
			listed := map[uint]int{}
			for _, entry := range result.Entries {
				listed[entry.ID] = entry.OpenRequests
			}
			if !maps.Equal(listed, want) || result.Total != int64(len(want)) {
				t.Errorf("after %s, the prescriptions filter lists %v of %d; want %v", after, listed, result.Total, want)
			}
		}
		check("seeding", map[uint]int{amelia.ID: 1})

		// Requests made at the same instant each add to the count.
		const together = 12
		if err := errors.Join(atOnce(together, func(int) error {
			return db.Exec(requestFor(amelia.ID, models.RequestRequested)).Error
		})...); err != nil {
			t.Fatal(err)
		}
		check("requests made at once", map[uint]int{amelia.ID: 1 + together})

		if err := db.Exec(requestFor(oliver.ID, models.RequestReady)).Error; err != nil {
			t.Fatal(err)
		}
		check("a request added already ready", map[uint]int{amelia.ID: 1 + together})
		request := newest(amelia.ID)
		if _, err := st.DecidePrescription(t.Context(), nurse, nurseActor, request, models.DecisionApprove, "", false); err != nil {
			t.Fatal(err)
		}
		check("approving", map[uint]int{amelia.ID: 1 + together})
		if _, err := st.DecidePrescription(t.Context(), nurse, nurseActor, request, models.DecisionReady, "", false); err != nil {
			t.Fatal(err)
		}
		check("marking ready", map[uint]int{amelia.ID: together})
		if _, err := st.DecidePrescription(t.Context(), nurse, nurseActor, newest(amelia.ID), models.DecisionReject, "Not due yet", false); err != nil {
			t.Fatal(err)
		}
		check("rejecting", map[uint]int{amelia.ID: together - 1})
		if err := db.Exec("UPDATE prescription_requests SET patient_id = ? WHERE id = ?", oliver.ID, newest(amelia.ID)).Error; err != nil {
			t.Fatal(err)
		}
		check("moving a request to another patient", map[uint]int{amelia.ID: together - 2, oliver.ID: 1})
		if err := db.Exec("UPDATE prescription_requests SET status = ? WHERE id = ?", models.RequestRequested, newest(oliver.ID)).Error; err != nil {
			t.Fatal(err)
		}
		check("setting the status it had", map[uint]int{amelia.ID: together - 2, oliver.ID: 1})
		if err := db.Exec("DELETE FROM prescription_requests WHERE patient_id = ? AND "+waiting, amelia.ID).Error; err != nil {
			t.Fatal(err)
		}
		check("removing requests", map[uint]int{oliver.ID: 1})
	})
}

// TestCaseloadSearchPagesInNameOrder pages through searches that match a
// few patients, many, and more than the caseload counts: the pages
// together list the matching patients in name order, each once, however
// the database chose to find them.
func TestCaseloadSearchPagesInNameOrder(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st, _ := buildPopulation(t, db, demo.PopulationSpec{Patients: models.CaseloadCountLimit + 1, Practices: 1, Seed: 1, Today: smallPopulation.Today})
		nurse := principal(t, st, "nurse")
		var everyone []models.Patient
		if err := db.Where("practice_id = ?", nurse.PracticeIDs[0]).Order("family_name, given_name, id").Find(&everyone).Error; err != nil {
			t.Fatal(err)
		}
		someone := everyone[len(everyone)/2]
		name := func(p models.Patient) string {
			return strings.ToLower(p.GivenName + " " + p.FamilyName + " " + p.PreferredName)
		}
		for _, c := range []struct {
			search  string
			matches func(models.Patient) bool
		}{
			{someone.GivenName + " " + someone.FamilyName, func(p models.Patient) bool {
				return strings.Contains(name(p), strings.ToLower(someone.GivenName)) && strings.Contains(name(p), strings.ToLower(someone.FamilyName))
			}},
			{someone.FamilyName, func(p models.Patient) bool { return strings.Contains(name(p), strings.ToLower(someone.FamilyName)) }},
			// A word of one or two letters matches the start of a name.
			{"a", func(p models.Patient) bool { return strings.HasPrefix(name(p), "a") || strings.Contains(name(p), " a") }},
			// Every NHS number of the population starts so: more patients
			// than the caseload counts.
			{"999", func(p models.Patient) bool { return strings.HasPrefix(p.NHSNumber, "999") }},
		} {
			var want []uint
			for _, p := range everyone {
				if c.matches(p) && len(want) < models.CaseloadCountLimit {
					want = append(want, p.ID)
				}
			}
			var got []uint
			for page := 1; ; page++ {
				result, err := st.Caseload(t.Context(), nurse, models.CaseloadQuery{Search: c.search, Page: page}, 25)
				if err != nil {
					t.Fatal(err)
				}
				for _, entry := range result.Entries {
					got = append(got, entry.ID)
				}
				if page >= result.Pages {
					break
				}
			}
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("searching %q listed %d patients; want the %d matching in name order", c.search, len(got), len(want))
			}
		}
	})
}
