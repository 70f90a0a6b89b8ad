package store_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// Each store method below the patient lookup scopes its query by the
// principal, so a patient passed by mistake yields nothing to anyone who
// could not have looked them up: a nurse of another practice, another
// patient, a carer without a link.
func TestStoreMethodsReachNoPatientBeyondThePrincipal(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		ctx := t.Context()
		nurse, reader := principal(t, st, "nurse"), principal(t, st, "patient")
		amelia := reader.Own
		var hillside models.Organisation
		var oliver models.Patient
		if err := db.Where("name = ?", "Hillside Surgery").Take(&hillside).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Where("given_name = ?", "Oliver").Take(&oliver).Error; err != nil {
			t.Fatal(err)
		}

		plan, err := st.PeakFlowPlan(ctx, reader, amelia)
		if err != nil {
			t.Fatal(err)
		}
		readerActor := models.Actor{UserID: reader.User.ID, Role: models.RolePatient}
		nurseActor := models.Actor{UserID: nurse.User.ID, Role: models.RoleNurse}
		reading, err := st.RecordPeakFlow(ctx, reader, readerActor, amelia, plan, plan.Content.PeakFlow.RedBelow-1)
		if err != nil {
			t.Fatal(err)
		}
		share, _, err := st.CreateShare(ctx, reader, readerActor, amelia, "Oak Primary School", 7)
		if err != nil {
			t.Fatal(err)
		}
		review := models.Review{ReviewedOn: time.Now(), Outcome: "Reviewed", NextReviewOn: time.Now().AddDate(1, 0, 0)}
		if err := st.RecordReview(ctx, nurse, nurseActor, amelia, review); err != nil {
			t.Fatal(err)
		}
		carers, err := st.CarersOf(ctx, nurse, amelia)
		if err != nil || len(carers) != 1 {
			t.Fatalf("carers for Amelia's nurse: %v, %v", carers, err)
		}
		requests, err := st.PrescriptionQueue(ctx, nurse, "", 1)
		if err != nil || len(requests.Rows) == 0 {
			t.Fatalf("prescription queue for Amelia's nurse: %v, %v", requests, err)
		}
		alerts, err := st.AlertQueue(ctx, nurse, "", 1)
		if err != nil || len(alerts.Rows) == 0 {
			t.Fatalf("alert queue for Amelia's nurse: %v, %v", alerts, err)
		}
		invited, _, err := st.InviteCarer(ctx, nurse, nurseActor, amelia, "Sam Patel", "Brother", models.PermissionView)
		if err != nil {
			t.Fatal(err)
		}
		unactivated, err := st.CarerLinkFor(ctx, nurse, amelia, invited.ID)
		if err != nil {
			t.Fatal(err)
		}
		latest, err := st.LatestVersion(ctx, nurse, &plan.Plan)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&models.User{Username: "jopatel", Role: models.RoleCarer, DisplayName: "Jo Patel"}).Error; err != nil {
			t.Fatal(err)
		}
		newTemplate := otherTemplate(t, st, plan.Plan.ConditionName)
		checkIn := []models.CheckInQuestion{{Text: "Are you coughing at night?", Zone: models.ZoneAmber}}

		// writes adds to Amelia's record in each way there is.
		writes := map[string]func(asking *models.Principal) error{
			"recording a peak flow": func(asking *models.Principal) error {
				_, err := st.RecordPeakFlow(ctx, asking, readerActor, amelia, plan, plan.Content.PeakFlow.RedBelow-1)
				return err
			},
			"recording symptoms": func(asking *models.Principal) error {
				_, err := st.RecordSymptoms(ctx, asking, readerActor, amelia, &plan.Plan, checkIn, []bool{true}, models.CheckInOutcome{UnplannedCare: models.UnplannedNone})
				return err
			},
			"requesting a prescription": func(asking *models.Principal) error {
				_, err := st.RequestPrescription(ctx, asking, readerActor, amelia, plan.Plan.ID, models.Medicine{Name: "Montelukast 10 mg tablets", Purpose: "Preventer"})
				return err
			},
			"sharing the emergency page": func(asking *models.Principal) error {
				_, _, err := st.CreateShare(ctx, asking, readerActor, amelia, "Oak Primary School", 7)
				return err
			},
			"linking a carer": func(asking *models.Principal) error {
				_, err := st.LinkCarer(ctx, asking, nurseActor, amelia, "jopatel", "Aunt", models.PermissionView)
				return err
			},
			"inviting a carer": func(asking *models.Principal) error {
				_, _, err := st.InviteCarer(ctx, asking, nurseActor, amelia, "Jo Patel", "Aunt", models.PermissionView)
				return err
			},
			"issuing a carer's code": func(asking *models.Principal) error {
				_, err := st.NewCarerCode(ctx, asking, nurseActor, amelia, unactivated)
				return err
			},
			"issuing an activation code": func(asking *models.Principal) error {
				_, err := st.IssueActivationCode(ctx, asking, nurseActor, amelia)
				return err
			},
			"starting a plan": func(asking *models.Principal) error {
				_, err := st.CreatePlan(ctx, asking, nurseActor, amelia.ID, newTemplate, plan.Content, models.VersionDraft)
				return err
			},
			"saving a plan version": func(asking *models.Principal) error {
				_, err := st.SavePlanVersion(ctx, asking, nurseActor, &plan.Plan, latest.Number, plan.Content, models.VersionDraft)
				return err
			},
		}
		written := rowsWritten(t, db)

		// lists counts what each list method finds of Amelia's record.
		lists := func(asking *models.Principal) map[string]int {
			counts := map[string]int{}
			count := func(name string, n int, err error) {
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				counts[name] = n
			}
			since, err := st.ReadingsSince(ctx, asking, amelia, time.Now().AddDate(0, 0, -1))
			count("readings since", len(since), err)
			recent, err := st.RecentReadings(ctx, asking, amelia, 10)
			count("recent readings", len(recent), err)
			carers, err := st.CarersOf(ctx, asking, amelia)
			count("carers", len(carers), err)
			open, err := st.OpenRequests(ctx, asking, amelia)
			count("open requests", len(open), err)
			requests, err := st.PrescriptionRequestsOf(ctx, asking, amelia, 10)
			count("prescription requests", len(requests), err)
			reviews, err := st.Reviews(ctx, asking, amelia)
			count("reviews", len(reviews), err)
			contacts, err := st.ContactsOf(ctx, asking, amelia)
			count("contacts", len(contacts), err)
			shares, err := st.ActiveShares(ctx, asking, amelia)
			count("shares", len(shares), err)
			queue, err := st.PrescriptionQueue(ctx, asking, "", 1)
			count("prescription queue", len(queue.Rows), err)
			alerts, err := st.AlertQueue(ctx, asking, "", 1)
			count("alert queue", len(alerts.Rows), err)
			plans, err := st.PlanStates(ctx, asking, amelia)
			count("plans", len(plans), err)
			history, err := st.PlanHistory(ctx, asking, &plan.Plan)
			count("plan versions", len(history), err)
			passport, err := st.LoadPassport(ctx, asking, amelia)
			if err != nil {
				t.Fatalf("passport: %v", err)
			}
			counts["passport plans"], counts["passport contacts"] = len(passport.Plans), len(passport.Contacts)
			withCheckIn, err := st.PlansWithCheckIn(ctx, asking, amelia)
			count("plans with a check-in", len(withCheckIn), err)
			return counts
		}
		for name, n := range lists(nurse) {
			if n == 0 {
				t.Errorf("Amelia's nurse finds no %s: the test would prove nothing", name)
			}
		}

		// The nurse's read keeps Amelia's passport in memory: the strangers
		// below must not be handed it.
		strangers := map[string]*models.Principal{
			"a nurse of another practice":  {User: models.User{ID: nurse.User.ID, Role: models.RoleNurse}, PracticeIDs: []uint{hillside.ID}},
			"another patient":              {User: models.User{Role: models.RolePatient}, Own: &oliver},
			"a carer without a link":       {User: models.User{ID: carers[0].CarerID, Role: models.RoleCarer}},
			"a school shown another child": models.SharePrincipal(&models.Share{PatientID: oliver.ID}),
		}
		for who, stranger := range strangers {
			for name, n := range lists(stranger) {
				if n != 0 {
					t.Errorf("%s finds %d of Amelia's %s", who, n, name)
				}
			}
			if _, err := st.PeakFlowPlan(ctx, stranger, amelia); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s finding Amelia's peak flow plan: %v, want not found", who, err)
			}
			if _, err := st.PlanSummaryFor(ctx, stranger, amelia, plan.Plan.ID); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s finding Amelia's published plan: %v, want not found", who, err)
			}
			if _, err := st.PlanForPatient(ctx, stranger, amelia, plan.Plan.ID); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s finding Amelia's plan: %v, want not found", who, err)
			}
			if _, err := st.LatestVersion(ctx, stranger, &plan.Plan); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s finding Amelia's latest plan version: %v, want not found", who, err)
			}
			if _, err := st.PlanVersionNumbered(ctx, stranger, &plan.Plan, 1); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s finding Amelia's first plan version: %v, want not found", who, err)
			}
			if _, err := st.ReadingForPatient(ctx, stranger, amelia, reading.ID); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s finding Amelia's reading: %v, want not found", who, err)
			}
			if _, err := st.CarerLinkFor(ctx, stranger, amelia, carers[0].ID); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s finding Amelia's carer: %v, want not found", who, err)
			}
			if err := st.RevokeShare(ctx, stranger, nurseActor, amelia, share.ID); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s revoking Amelia's share: %v, want not found", who, err)
			}
			if err := st.RevokeCarer(ctx, stranger, nurseActor, amelia, carers[0].ID); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s revoking Amelia's carer: %v, want not found", who, err)
			}
			if _, err := st.DecidePrescription(ctx, stranger, nurseActor, requests.Rows[0].ID, models.DecisionApprove, "", false); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s deciding Amelia's request: %v, want not found", who, err)
			}
			if err := st.AcknowledgeAlert(ctx, stranger, nurseActor, alerts.Rows[0].ID, ""); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s acknowledging Amelia's alert: %v, want not found", who, err)
			}
			if err := st.RecordReview(ctx, stranger, nurseActor, amelia, review); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s reviewing Amelia: %v, want not found", who, err)
			}
			for name, write := range writes {
				if err := write(stranger); !errors.Is(err, models.ErrNotFound) {
					t.Errorf("%s %s for Amelia: %v, want not found", who, name, err)
				}
			}
			details := models.PatientDetails{PreferredName: "Changed", PracticeID: amelia.PracticeID}
			if err := st.UpdatePatientDetails(ctx, stranger, nurseActor, amelia, details); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("%s changing Amelia's details: %v, want not found", who, err)
			}
		}

		// Nothing the strangers tried changed the record: it is all still
		// there, and still open to Amelia's nurse.
		for name, n := range lists(nurse) {
			if n == 0 {
				t.Errorf("Amelia's %s went after strangers tried to change them", name)
			}
		}
		if reviews, err := st.Reviews(ctx, nurse, amelia); err != nil || len(reviews) != 1 {
			t.Errorf("Amelia's reviews after strangers tried to add some: %d, %v; want 1", len(reviews), err)
		}
		// The school Amelia shared her emergency page with reads it, and
		// may add nothing to her record.
		school := models.SharePrincipal(share)
		if passport, err := st.LoadPassport(ctx, school, amelia); err != nil || len(passport.Plans) == 0 || len(passport.Contacts) == 0 {
			t.Errorf("the school reading Amelia's emergency page: %v, want her plans and contacts", err)
		}
		for name, write := range writes {
			if err := write(school); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("the school %s for Amelia: %v, want not found", name, err)
			}
		}
		if after := rowsWritten(t, db); !maps.Equal(after, written) {
			t.Errorf("rows after strangers tried to add to Amelia's record: %v, want %v", after, written)
		}
		for name, write := range writes {
			if err := write(reader); err != nil {
				t.Errorf("Amelia %s: %v", name, err)
			}
		}
		var details models.Patient
		if err := db.Take(&details, amelia.ID).Error; err != nil || details.PreferredName == "Changed" {
			t.Errorf("Amelia's preferred name after strangers tried to change it: %q, %v", details.PreferredName, err)
		}
		if _, err := st.DecidePrescription(ctx, nurse, nurseActor, requests.Rows[0].ID, models.DecisionApprove, "", false); err != nil {
			t.Errorf("Amelia's nurse deciding her request: %v", err)
		}
		if err := st.AcknowledgeAlert(ctx, nurse, nurseActor, alerts.Rows[0].ID, ""); err != nil {
			t.Errorf("Amelia's nurse acknowledging her alert: %v", err)
		}
		if err := st.RevokeShare(ctx, reader, readerActor, amelia, share.ID); err != nil {
			t.Errorf("Amelia revoking her share: %v", err)
		}
		if err := st.RevokeCarer(ctx, nurse, nurseActor, amelia, carers[0].ID); err != nil {
			t.Errorf("Amelia's nurse revoking her carer: %v", err)
		}
	})
}

// rowsWritten counts the rows of every table a write to a record adds to.
func rowsWritten(t *testing.T, db *gorm.DB) map[string]int64 {
	t.Helper()
	counts := map[string]int64{}
	for _, table := range []string{"readings", "alerts", "prescription_requests", "shares", "users", "carer_links",
		"activation_codes", "action_plans", "plan_versions", "audit_events"} {
		var n int64
		if err := db.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	return counts
}

// otherTemplate is a condition template other than the named condition's.
func otherTemplate(t *testing.T, st *store.Store, condition string) *models.ConditionTemplate {
	t.Helper()
	templates, err := st.Templates(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, template := range templates {
		if template.Name != condition {
			return &template
		}
	}
	t.Fatalf("no template other than %s", condition)
	return nil
}

// TestAdministratorsOrganisationsComeWithThePrincipal: an administrator's
// principal carries what they look after, where they work first (the ICB),
// then its practices and clinics by name; no one else's carries any.
func TestAdministratorsOrganisationsComeWithThePrincipal(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		store := demoStore(t, db)
		admin := principal(t, store, "admin")
		if len(admin.Administered) < 3 || admin.Administered[0].Kind != models.OrganisationICB {
			t.Fatalf("the administrator looks after %+v; want the ICB first, then its practices", admin.Administered)
		}
		practices := admin.AdministeredPractices()
		if len(practices) != len(admin.Administered)-1 {
			t.Errorf("%d of %d organisations are practices or clinics; want all but the ICB", len(practices), len(admin.Administered))
		}
		if !slices.IsSortedFunc(practices, func(a, b models.Organisation) int { return strings.Compare(a.Name, b.Name) }) {
			t.Errorf("practices are not in name order: %+v", practices)
		}
		for _, username := range []string{"nurse", "patient", "carer", "commissioner"} {
			if p := principal(t, store, username); len(p.Administered) != 0 {
				t.Errorf("%s's principal carries organisations to administer", username)
			}
		}
	})
}
