package store_test

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"healthpassport/migrations"
	"healthpassport/models"
	"healthpassport/models/demo"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

const demoPassword = "test-demo-password"

func demoStore(t *testing.T, db *gorm.DB) *store.Store {
	t.Helper()
	st := store.NewStore(db)
	if err := st.ClaimMode(t.Context(), models.ModeDemo); err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(t.Context(), st, demoPassword); err != nil {
		t.Fatal(err)
	}
	return st
}

func user(t *testing.T, st *store.Store, username string) *models.User {
	t.Helper()
	u, err := st.UserByUsername(t.Context(), username)
	if err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	return u
}

// principal signs a demo account in on a new device and loads them as the
// service does for each request.
// ameliasPeakFlow is Amelia signed in, her record and her peak flow plan,
// ready for readings.
func ameliasPeakFlow(t *testing.T, st *store.Store) (*models.Principal, *models.Patient, *models.PlanSummary) {
	t.Helper()
	reader := principal(t, st, "patient")
	amelia, err := st.PatientFor(t.Context(), reader, "demoamelia0000001")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := st.PeakFlowPlan(t.Context(), reader, amelia)
	if err != nil {
		t.Fatal(err)
	}
	return reader, amelia, plan
}

func principal(t *testing.T, st *store.Store, username string) *models.Principal {
	t.Helper()
	token := models.RandomToken(32)
	if err := st.RecordDevice(t.Context(), user(t, st, username).ID, token, "test", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	p, err := st.SignedInPrincipal(t.Context(), token, user(t, st, username).ID)
	if err != nil {
		t.Fatalf("principal %s: %v", username, err)
	}
	return p
}

func TestDemoSeedIsIdempotentAndOnlyForDemoDatabases(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		if err := demo.Seed(t.Context(), st, demoPassword); err != nil {
			t.Fatalf("seeding twice: %v", err)
		}
		var users, versions int64
		db.Model(&models.User{}).Count(&users)
		db.Model(&models.PlanVersion{}).Count(&versions)
		if users != int64(len(demo.Usernames)) || versions != 1 {
			t.Errorf("after two seeds: %d users, %d plan versions; want %d and 1", users, versions, len(demo.Usernames))
		}
		if ok, _ := models.CheckPassword(context.Background(), user(t, st, "carer").PasswordHash, demoPassword); !ok {
			t.Error("demo password does not sign the carer in")
		}
	})
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		if err := st.ClaimMode(t.Context(), models.ModeLive); err != nil {
			t.Fatal(err)
		}
		if err := st.ClaimMode(t.Context(), models.ModeDemo); !errors.Is(err, models.ErrNotDemoDatabase) {
			t.Errorf("claiming a live database for the demo: %v", err)
		}
		if err := demo.Seed(t.Context(), st, demoPassword); !errors.Is(err, models.ErrNotDemoDatabase) {
			t.Errorf("seeding a live database: %v", err)
		}
	})
}

// TestAuditLogIsAppendOnly changes and removes an entry while it waits to
// be chained and once it is: the database refuses both, each time.
func TestAuditLogIsAppendOnly(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		if err := st.Audit(t.Context(), models.Actor{Role: models.RoleNurse, IPAddress: "127.0.0.1"}, models.AuditEntry{Action: models.AuditPatientViewed}); err != nil {
			t.Fatal(err)
		}
		for _, stage := range []struct {
			name  string
			entry any
		}{{"waiting", &models.PendingAuditEvent{}}, {"chained", &models.AuditEvent{}}} {
			if stage.name == "chained" {
				if folded, err := st.FoldPendingAudit(t.Context()); folded != 1 || err != nil {
					t.Fatalf("chained %d, %v; want 1", folded, err)
				}
			}
			if err := db.Model(stage.entry).Where("1 = 1").Update("action", "nothing happened").Error; err == nil {
				t.Errorf("a %s audit entry was changed", stage.name)
			}
			if err := db.Where("1 = 1").Delete(stage.entry).Error; err == nil {
				t.Errorf("a %s audit entry was deleted", stage.name)
			}
			var n int64
			db.Model(stage.entry).Where("action = ?", models.AuditPatientViewed).Count(&n)
			if n != 1 {
				t.Errorf("%d %s entries left; want 1 unchanged", n, stage.name)
			}
		}
	})
}

func TestStaffSeeOnlyTheirPracticesPatients(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		result, err := st.Caseload(t.Context(), principal(t, st, "nurse"), models.CaseloadQuery{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		entries := result.Entries
		if result.Total != 2 || len(entries) != 2 {
			t.Fatalf("caseload has %d of %d patients; want the 2 at Riverside", len(entries), result.Total)
		}
		if entries[0].FamilyName != "Jones" || !entries[0].Activated || entries[1].Activated {
			t.Errorf("caseload = %+v", entries)
		}
		if _, err := st.PatientFor(t.Context(), principal(t, st, "nurse"), "demopriya00000001"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("nurse reached a Hillside patient: %v", err)
		}
		if _, err := st.PatientFor(t.Context(), principal(t, st, "nurse"), "demoamelia0000001"); err != nil {
			t.Errorf("nurse cannot reach a Riverside patient: %v", err)
		}
	})
}

func TestReadersSeeOnlyTheirOwnPassports(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		for _, reader := range []string{"patient", "carer"} {
			if _, err := st.PatientFor(t.Context(), principal(t, st, reader), "demoamelia0000001"); err != nil {
				t.Errorf("%s cannot read Amelia's passport: %v", reader, err)
			}
			if _, err := st.PatientFor(t.Context(), principal(t, st, reader), "demooliver0000001"); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s reached Oliver's passport: %v", reader, err)
			}
		}
		for _, staff := range []string{"admin", "commissioner"} {
			if _, err := st.PatientFor(t.Context(), principal(t, st, staff), "demoamelia0000001"); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s reached Amelia's passport: %v", staff, err)
			}
		}
		carer := user(t, st, "carer")
		db.Model(&models.CarerLink{}).Where("carer_id = ?", carer.ID).Update("revoked_at", time.Now())
		if _, err := st.PatientFor(t.Context(), principal(t, st, "carer"), "demoamelia0000001"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("a revoked carer still reads the passport: %v", err)
		}
	})
}

func TestRegisterAndActivate(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		nurse := user(t, st, "nurse")
		practices, _ := st.PracticesOf(t.Context(), nurse.ID)
		actor := models.Actor{UserID: nurse.ID, Role: models.RoleNurse}
		dob := time.Date(2001, 2, 3, 0, 0, 0, 0, time.UTC)
		patient, code, err := st.RegisterPatient(t.Context(), actor, models.NewPatient{NHSNumber: "9990000042", GivenName: " Nia ",
			FamilyName: "Okafor", DateOfBirth: dob, PracticeID: practices[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		if patient.GivenName != "Nia" || len(code) != 12 {
			t.Errorf("patient %+v, code %q", patient, code)
		}
		if _, _, err := st.RegisterPatient(t.Context(), actor, models.NewPatient{NHSNumber: "9990000042", GivenName: "A",
			FamilyName: "B", DateOfBirth: dob, PracticeID: practices[0].ID}); !errors.Is(err, models.ErrNHSNumberRegistered) {
			t.Errorf("registering an NHS number twice: %v", err)
		}
		var hillside models.Organisation
		db.First(&hillside, "ods_code = ?", "Y90002")
		if _, _, err := st.RegisterPatient(t.Context(), actor, models.NewPatient{NHSNumber: "9990000050", GivenName: "A",
			FamilyName: "B", DateOfBirth: dob, PracticeID: hillside.ID}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("registering at a practice the nurse does not work at: %v", err)
		}

		if _, err := st.CheckActivation(t.Context(), code, dob.AddDate(0, 0, 1)); !errors.Is(err, models.ErrActivationInvalid) {
			t.Errorf("wrong date of birth: %v", err)
		}
		record, err := st.CheckActivation(t.Context(), models.FormatActivationCode(code), dob)
		if err != nil {
			t.Fatalf("right code and date of birth: %v", err)
		}
		if _, err := st.CompleteActivation(t.Context(), record.ID, "nurse", "hash", models.Actor{}); !errors.Is(err, models.ErrUsernameTaken) {
			t.Errorf("taking another's username: %v", err)
		}
		record, err = st.CheckActivation(t.Context(), code, dob)
		if err != nil {
			t.Fatalf("code spent by a failed activation: %v", err)
		}
		account, err := st.CompleteActivation(t.Context(), record.ID, "Nia.Okafor", "hash", models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		if account.Username != "nia.okafor" || account.Role != models.RolePatient || *account.PatientID != patient.ID {
			t.Errorf("account = %+v", account)
		}
		if _, err := st.CheckActivation(t.Context(), code, dob); !errors.Is(err, models.ErrActivationInvalid) {
			t.Errorf("a used code worked again: %v", err)
		}
		if _, err := st.CompleteActivation(t.Context(), record.ID, "someone.else", "hash", models.Actor{}); !errors.Is(err, models.ErrActivationInvalid) {
			t.Errorf("a used code made a second account: %v", err)
		}
	})
}

// TestCaseloadMarksOverdueReviews: a review whose date has passed in the
// UK needs attention; one due today does not yet. Just after midnight in
// British Summer Time, the UK day has started an hour before the UTC one.
func TestCaseloadMarksOverdueReviews(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		st.SetClock(func() time.Time { return time.Date(2026, time.June, 10, 23, 30, 0, 0, time.UTC) }) // 00:30 on 11 June in the UK
		reviews := map[string]time.Time{
			"demoamelia0000001": time.Date(2026, time.June, 11, 0, 0, 0, 0, time.UTC),
			"demooliver0000001": time.Date(2026, time.June, 10, 0, 0, 0, 0, time.UTC),
		}
		for ref, on := range reviews {
			if err := db.Model(&models.Patient{}).Where("ref = ?", ref).Update("next_review_on", on).Error; err != nil {
				t.Fatal(err)
			}
		}
		result, err := st.Caseload(t.Context(), principal(t, st, "nurse"), models.CaseloadQuery{}, 25)
		if err != nil {
			t.Fatal(err)
		}
		overdue := map[string]bool{}
		for _, e := range result.Entries {
			overdue[e.GivenName] = e.ReviewOverdue
		}
		if want := map[string]bool{"Amelia": false, "Oliver": true}; !maps.Equal(overdue, want) {
			t.Errorf("reviews overdue: %v; want %v", overdue, want)
		}
	})
}

func TestCaseloadSearchFiltersAndSorts(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		nurse := principal(t, st, "nurse")
		names := func(q models.CaseloadQuery, pageSize int) string {
			t.Helper()
			result, err := st.Caseload(t.Context(), nurse, q, pageSize)
			if err != nil {
				t.Fatal(err)
			}
			out := ""
			for _, e := range result.Entries {
				out += e.GivenName + " "
			}
			return out
		}
		cases := []struct {
			query models.CaseloadQuery
			want  string
		}{
			{models.CaseloadQuery{Search: "jones"}, "Amelia "},
			{models.CaseloadQuery{Search: "MILLIE"}, "Amelia "},
			{models.CaseloadQuery{Search: "oliver smith"}, "Oliver "},
			{models.CaseloadQuery{Search: "999 000 0018"}, "Amelia "},
			{models.CaseloadQuery{Search: "9990000026"}, "Oliver "},
			{models.CaseloadQuery{Search: "99900"}, "Amelia Oliver "},
			{models.CaseloadQuery{Search: "9990000034"}, ""}, // Priya is at another practice
			{models.CaseloadQuery{Search: "Patel"}, ""},
			{models.CaseloadQuery{Search: "12/5/2014"}, "Amelia "},
			{models.CaseloadQuery{Search: "1987-10-30"}, "Oliver "},
			{models.CaseloadQuery{Search: "%"}, ""},
			{models.CaseloadQuery{Search: "_"}, ""},
			{models.CaseloadQuery{Search: "' OR 1=1 --"}, ""},
			{models.CaseloadQuery{Filter: models.FilterReviewDue}, "Oliver "},
			{models.CaseloadQuery{Filter: models.FilterRedZone}, "Amelia "},
			{models.CaseloadQuery{Filter: models.FilterPrescriptions}, "Amelia "},
			{models.CaseloadQuery{Sort: models.SortReview}, "Oliver Amelia "},
			{models.CaseloadQuery{Sort: models.SortName}, "Amelia Oliver "},
		}
		for _, tc := range cases {
			if got := names(tc.query, 25); got != tc.want {
				t.Errorf("%+v found %q; want %q", tc.query, got, tc.want)
			}
		}
		if got := names(models.CaseloadQuery{Page: 2}, 1); got != "Oliver " {
			t.Errorf("page 2 of 1-patient pages = %q", got)
		}
		if got := names(models.CaseloadQuery{Page: 99}, 1); got != "Oliver " {
			t.Errorf("a page past the end = %q; want the last page", got)
		}
		prescriptions, alerts, err := st.QueueCounts(t.Context(), principal(t, st, "nurse"))
		if err != nil || prescriptions != 1 || alerts != 1 {
			t.Errorf("queue counts %d, %d, %v; want 1 and 1", prescriptions, alerts, err)
		}

		// The counts follow a patient to another practice, however they
		// move, and count a request however it was made.
		var hillside models.Organisation
		if err := db.Where("name = ?", "Hillside Surgery").Take(&hillside).Error; err != nil {
			t.Fatal(err)
		}
		amelia := principal(t, st, "patient").Own
		hillsideNurse := &models.Principal{User: models.User{Role: models.RoleNurse}, PracticeIDs: []uint{hillside.ID}}
		counts := func(who *models.Principal) [2]int64 {
			prescriptions, alerts, err := st.QueueCounts(t.Context(), who)
			if err != nil {
				t.Fatal(err)
			}
			return [2]int64{prescriptions, alerts}
		}
		if err := db.Exec("UPDATE patients SET practice_id = ? WHERE id = ?", hillside.ID, amelia.ID).Error; err != nil {
			t.Fatal(err)
		}
		if got := counts(nurse); got != [2]int64{0, 0} {
			t.Errorf("Amelia's old practice still counts %v of hers waiting", got)
		}
		if got := counts(hillsideNurse); got != [2]int64{1, 1} {
			t.Errorf("Amelia's new practice counts %v waiting; want her request and alert", got)
		}
		if err := db.Exec("INSERT INTO prescription_requests (patient_id, plan_id, medicine, purpose, status, reason, requested_by_id, created_at, updated_at) "+
			"SELECT patient_id, plan_id, 'Montelukast 10 mg tablets', 'Preventer', 'requested', '', requested_by_id, created_at, updated_at "+
			"FROM prescription_requests WHERE patient_id = ?", amelia.ID).Error; err != nil {
			t.Fatal(err)
		}
		if got := counts(hillsideNurse); got != [2]int64{2, 1} {
			t.Errorf("after another request, Amelia's practice counts %v waiting; want 2 requests and 1 alert", got)
		}
	})
}

func TestMigrationsAreRepeatable(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		if err := migrations.Run(db); err != nil {
			t.Fatalf("running migrations twice: %v", err)
		}
		var applied int64
		db.Table("schema_migrations").Where("id = ?", migrations.Latest()).Count(&applied)
		if applied != 1 {
			t.Errorf("latest migration recorded %d times", applied)
		}
	})
}
