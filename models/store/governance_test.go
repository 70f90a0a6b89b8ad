package store_test

import (
	"errors"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// asLive makes a seeded demo database behave as a live one: the approval
// gate applies.
func asLive(t *testing.T, db *gorm.DB) {
	t.Helper()
	if err := db.Model(&models.Setting{}).Where("key = ?", "created_mode").Update("value", models.ModeLive).Error; err != nil {
		t.Fatal(err)
	}
}

// TestOnlyApprovedVersionsStartPlans: outside the demo the store itself
// refuses a plan from a version that is not approved, or that is retired,
// whatever the page in front of it checked.
func TestOnlyApprovedVersionsStartPlans(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		asLive(t, db)
		nurse, officer := principal(t, st, "nurse"), safetyOfficer(t, st, db)
		oliver, err := st.PatientFor(t.Context(), nurse, "demooliver0000001")
		if err != nil {
			t.Fatal(err)
		}
		var anaphylaxis models.ConditionTemplate
		db.Where("key = ?", "anaphylaxis").Order("version DESC").First(&anaphylaxis)
		content, _ := anaphylaxis.Decode()
		nurseActor := models.Actor{UserID: nurse.User.ID, Role: models.RoleNurse}
		if _, err := st.CreatePlan(t.Context(), nurse, nurseActor, oliver.ID, &anaphylaxis, content.NewPlan(), models.VersionDraft); !errors.Is(err, models.ErrTemplateNotUsable) {
			t.Fatalf("plan from an unapproved version: %v; want refused", err)
		}
		officerActor := models.Actor{UserID: officer.User.ID, Role: models.RoleSafetyOfficer}
		if _, err := st.ApproveTemplateVersion(t.Context(), officer, officerActor, anaphylaxis.ID, models.TemplateApproval{Statement: "Reviewed", SafetyCaseRef: "CSC-1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.RetireTemplateVersion(t.Context(), officer, officerActor, anaphylaxis.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreatePlan(t.Context(), nurse, nurseActor, oliver.ID, &anaphylaxis, content.NewPlan(), models.VersionDraft); !errors.Is(err, models.ErrTemplateNotUsable) {
			t.Fatalf("plan from a retired version: %v; want refused", err)
		}
		var plans int64
		db.Model(&models.ActionPlan{}).Where("patient_id = ?", oliver.ID).Count(&plans)
		if plans != 0 {
			t.Errorf("%d plans for Oliver; want none", plans)
		}
		if offered, _ := st.Templates(t.Context(), true); len(offered) != 0 {
			t.Errorf("offered %+v; want nothing approved and current", offered)
		}
	})
}

// safetyOfficer adds a clinical safety officer to the demo's ICB and loads
// them as a request would.
func safetyOfficer(t *testing.T, st *store.Store, db *gorm.DB) *models.Principal {
	t.Helper()
	hash, err := models.HashPassword(t.Context(), demoPassword)
	if err != nil {
		t.Fatal(err)
	}
	officer := models.User{Username: "officer", PasswordHash: hash, Role: models.RoleSafetyOfficer, DisplayName: "Dr Ada Okafor"}
	if err := db.Create(&officer).Error; err != nil {
		t.Fatal(err)
	}
	return principal(t, st, "officer")
}

// TestTemplateGovernance: only a clinical safety officer approves or
// retires, each once and with who and when; an administrator's variant is
// the next version, awaiting approval; a retired version marks the plans
// made from it until they are saved again.
func TestTemplateGovernance(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		officer := safetyOfficer(t, st, db)
		ctx := t.Context()
		var asthma models.ConditionTemplate
		db.Where("key = ?", "asthma").Order("version DESC").First(&asthma)
		approval := models.TemplateApproval{Statement: "Checked against BTS/SIGN", SafetyCaseRef: "CSC-2026-14"}

		for _, username := range []string{"nurse", "admin", "commissioner", "patient", "carer"} {
			p := principal(t, st, username)
			actor := models.Actor{UserID: p.User.ID, Role: p.User.Role}
			if _, err := st.ApproveTemplateVersion(ctx, p, actor, asthma.ID, approval); !errors.Is(err, models.ErrNotSafetyOfficer) {
				t.Errorf("%s approving: %v", username, err)
			}
			if _, err := st.RetireTemplateVersion(ctx, p, actor, asthma.ID); !errors.Is(err, models.ErrNotSafetyOfficer) {
				t.Errorf("%s retiring: %v", username, err)
			}
			if username != "admin" {
				if _, err := st.MakeTemplateVariant(ctx, p, actor, &asthma, models.TemplateContent{}); !errors.Is(err, models.ErrNotAdministrator) {
					t.Errorf("%s making a variant: %v", username, err)
				}
			}
		}

		admin := principal(t, st, "admin")
		adminActor := models.Actor{UserID: admin.User.ID, Role: models.RoleAdmin}
		content, _ := asthma.Decode()
		content.Zones[0].Title = "Every day at Riverside"
		variant, err := st.MakeTemplateVariant(ctx, admin, adminActor, &asthma, content)
		if err != nil {
			t.Fatal(err)
		}
		if variant.Version != asthma.Version+1 || variant.Approved || variant.State() != "Awaiting approval" || *variant.BasedOnID != asthma.ID {
			t.Errorf("variant = %+v", variant)
		}
		changes := models.DiffTemplates(mustDecode(t, asthma), mustDecode(t, *variant))
		if len(changes) != 1 || changes[0].Field != "Green zone title" || changes[0].After != "Every day at Riverside" {
			t.Errorf("changes = %+v", changes)
		}

		// The administrator who made it cannot approve it, even were they
		// a safety officer too: the database refuses its author.
		adminAsOfficer := *admin
		adminAsOfficer.User.Role = models.RoleSafetyOfficer
		if _, err := st.ApproveTemplateVersion(ctx, &adminAsOfficer, adminActor, variant.ID, approval); !errors.Is(err, models.ErrOwnVariant) {
			t.Errorf("author approving their variant: %v", err)
		}

		officerActor := models.Actor{UserID: officer.User.ID, Role: models.RoleSafetyOfficer}
		approved, err := st.ApproveTemplateVersion(ctx, officer, officerActor, variant.ID, approval)
		if err != nil {
			t.Fatal(err)
		}
		if approved.ApprovedBy != "Dr Ada Okafor" || *approved.ApprovedByID != officer.User.ID || approved.ApprovedAt == nil ||
			approved.SafetyCaseRef != "CSC-2026-14" || approved.SafetyStatement != approval.Statement {
			t.Errorf("approved = %+v", approved)
		}
		if _, err := st.ApproveTemplateVersion(ctx, officer, officerActor, variant.ID, approval); !errors.Is(err, models.ErrTemplateApproved) {
			t.Errorf("second approval: %v", err)
		}

		// Amelia's asthma plan came from the standard version.
		nurse := principal(t, st, "nurse")
		amelia, _ := st.PatientFor(ctx, nurse, "demoamelia0000001")
		marked := func() bool {
			states, err := st.PlanStates(ctx, nurse, amelia)
			if err != nil {
				t.Fatal(err)
			}
			for _, state := range states {
				if state.Plan.TemplateID != nil && *state.Plan.TemplateID == asthma.ID {
					return state.TemplateChanged
				}
			}
			t.Fatal("Amelia has no plan from the standard asthma template")
			return false
		}
		if marked() {
			t.Error("a plan is marked before its template was retired")
		}
		if _, err := st.RetireTemplateVersion(ctx, officer, officerActor, asthma.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.RetireTemplateVersion(ctx, officer, officerActor, asthma.ID); !errors.Is(err, models.ErrTemplateRetired) {
			t.Errorf("second retirement: %v", err)
		}
		if _, err := st.ApproveTemplateVersion(ctx, officer, officerActor, asthma.ID, approval); !errors.Is(err, models.ErrTemplateRetired) {
			t.Errorf("approving a retired version: %v", err)
		}
		if !marked() {
			t.Error("a plan from a retired version is not marked for review")
		}
		caseload, err := st.Caseload(ctx, nurse, models.CaseloadQuery{Filter: models.FilterPlanReview}, 25)
		if err != nil || len(caseload.Entries) != 1 || caseload.Entries[0].Ref != amelia.Ref || !caseload.Entries[0].PlanToReview {
			t.Errorf("plans to review = %+v, %v; want Amelia, tagged", caseload.Entries, err)
		}
		offered, _ := st.Templates(ctx, false)
		for _, template := range offered {
			if template.Key == "asthma" && template.ID != variant.ID {
				t.Errorf("offered asthma version %d; want the approved variant", template.Version)
			}
		}

		// Saving the plan again, once the nurse has looked at it, clears
		// the mark.
		var plan models.ActionPlan
		db.First(&plan, "patient_id = ? AND template_id = ?", amelia.ID, asthma.ID)
		latest, err := st.LatestVersion(ctx, nurse, &plan)
		if err != nil {
			t.Fatal(err)
		}
		planContent, _ := latest.PlanContent()
		time.Sleep(time.Millisecond) // a later save, even on a fast clock
		if _, err := st.SavePlanVersion(ctx, nurse, models.Actor{UserID: nurse.User.ID, Role: models.RoleNurse}, &plan, latest.Number, planContent, models.VersionPublished); err != nil {
			t.Fatal(err)
		}
		if marked() {
			t.Error("a plan saved after its template was retired is still marked")
		}

		for action, want := range map[string]int64{models.AuditTemplateApproved: 1, models.AuditTemplateRetired: 1, models.AuditTemplateVariantMade: 1} {
			var n int64
			db.Model(&models.AuditEvent{}).Where("action = ?", action).Count(&n)
			if n != want {
				t.Errorf("%d %s entries; want %d", n, action, want)
			}
		}
	})
}

func mustDecode(t *testing.T, template models.ConditionTemplate) models.TemplateContent {
	t.Helper()
	content, err := template.Decode()
	if err != nil {
		t.Fatal(err)
	}
	return content
}

// TestSimultaneousVariantsMakeDistinctVersions: administrators saving
// variants of the same version at the same instant never share a version
// number; a save that loses the race is told so and saves nothing.
func TestSimultaneousVariantsMakeDistinctVersions(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		admin := principal(t, st, "admin")
		actor := models.Actor{UserID: admin.User.ID, Role: models.RoleAdmin}
		var epilepsy models.ConditionTemplate
		db.Where("key = ?", "epilepsy").Order("version DESC").First(&epilepsy)
		content := mustDecode(t, epilepsy)
		const saves = 6
		saved := 0
		for _, err := range atOnce(saves, func(int) error {
			_, err := st.MakeTemplateVariant(t.Context(), admin, actor, &epilepsy, content)
			return err
		}) {
			switch {
			case err == nil:
				saved++
			case !errors.Is(err, models.ErrVariantConflict):
				t.Errorf("a simultaneous variant failed with %v", err)
			}
		}
		var versions []int
		db.Model(&models.ConditionTemplate{}).Where("key = ? AND version > ?", "epilepsy", epilepsy.Version).Order("version").Pluck("version", &versions)
		if saved == 0 || len(versions) != saved {
			t.Fatalf("%d saves reported, versions %v", saved, versions)
		}
		for i, v := range versions {
			if v != epilepsy.Version+1+i {
				t.Errorf("versions %v; want consecutive numbers after %d", versions, epilepsy.Version)
			}
		}
	})
}
