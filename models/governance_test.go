package models_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"

	"gorm.io/gorm"
)

// TestCheckTemplateVariant: a variant keeps its base's blanks where they
// were, refuses a check-in with no red-zone sign, a required medicine the
// template does not list, and percentages that make no sense, each on the
// field that mends it.
func TestCheckTemplateVariant(t *testing.T) {
	base := models.TemplateContent{
		PeakFlow:  &models.PeakFlowRule{AmberPercent: 80, RedPercent: 50},
		Medicines: []models.Medicine{{Purpose: "Preventer"}, {Purpose: "Reliever"}},
		Zones: []models.TemplateZone{
			{Colour: models.ZoneGreen, Title: "Every day",
				Signs:   []models.TemplateLine{{Text: "Well"}, {Blank: &models.Placeholder{Lead: "My triggers:", Label: "What sets it off"}}, {Text: "Sleeping"}},
				Actions: []models.TemplateLine{{Text: "Take my preventer"}}},
			{Colour: models.ZoneRed, Title: "Attack", Actions: []models.TemplateLine{{Text: "Call 999"}}},
		},
	}
	good := models.TemplateEntry{
		Zones: []models.ZoneEntry{
			{Colour: models.ZoneGreen, Title: "Every day at home", Signs: "Well\nSleeping well\nPlaying", Actions: "Take my preventer"},
			{Colour: models.ZoneRed, Title: "Attack", Actions: "Call 999\n\n"},
		},
		Questions:    []models.CheckInQuestion{{Text: "Wheezy?", Zone: models.ZoneAmber}, {Text: "Too breathless to talk?", Zone: models.ZoneRed}, {}},
		Required:     []models.RequiredMedicine{{Purpose: "Reliever", Description: "a reliever inhaler"}, {}},
		AmberPercent: "75", RedPercent: "50",
	}
	tests := []struct {
		name  string
		edit  func(e *models.TemplateEntry)
		field string
		want  string
	}{
		{"a good variant", func(e *models.TemplateEntry) {}, "", ""},
		{"a zone with no title", func(e *models.TemplateEntry) { e.Zones[1].Title = "" }, "zone-red-title", "Enter a title for the red zone"},
		{"a zone with nothing to do", func(e *models.TemplateEntry) { e.Zones[1].Actions = " \n " }, "zone-red-actions", "Enter at least one line for red zone actions"},
		{"a line too long", func(e *models.TemplateEntry) { e.Zones[0].Signs = strings.Repeat("a", 301) }, "zone-green-signs", "Each line of green zone signs must be 300 characters or fewer"},
		{"no red-zone question", func(e *models.TemplateEntry) { e.Questions[1].Zone = models.ZoneAmber }, "question-0-zone", "At least one check-in question must be a red-zone sign"},
		{"a question with no zone", func(e *models.TemplateEntry) { e.Questions[2] = models.CheckInQuestion{Text: "Coughing?"} }, "question-2-zone", "Select the zone a yes to check-in question 3 means"},
		{"a carer's question alone", func(e *models.TemplateEntry) {
			e.Questions[2] = models.CheckInQuestion{AboutThem: "Is {name} ok?", Zone: models.ZoneAmber}
		}, "question-2-text", "Enter check-in question 3"},
		{"a required medicine not in the template", func(e *models.TemplateEntry) {
			e.Required[1] = models.RequiredMedicine{Purpose: "Insulin", Description: "insulin"}
		},
			"required-1-purpose", "Required medicine 2 must be one of the template's medicines: Preventer, Reliever"},
		{"a required medicine with no name", func(e *models.TemplateEntry) { e.Required[0].Description = "" }, "required-0-description", "Enter how a sentence names required medicine 1"},
		{"a percentage that is not a number", func(e *models.TemplateEntry) { e.AmberPercent = "eighty" }, "peak-amber", "Amber zone percentage must be a whole number, like 300"},
		{"a huge percentage", func(e *models.TemplateEntry) { e.AmberPercent = "99999999999999999999999" }, "peak-amber", "Amber zone percentage must be a whole number, like 300"},
		{"a percentage of 100", func(e *models.TemplateEntry) { e.RedPercent = "100" }, "peak-red", "Red zone percentage must be between 1 and 99"},
		{"red above amber", func(e *models.TemplateEntry) { e.RedPercent = "85" }, "peak-red", "Red zone percentage must be lower than the amber zone percentage"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			entry := good
			entry.Zones = append([]models.ZoneEntry(nil), good.Zones...)
			entry.Questions = append([]models.CheckInQuestion(nil), good.Questions...)
			entry.Required = append([]models.RequiredMedicine(nil), good.Required...)
			tc.edit(&entry)
			_, errs := models.CheckTemplateVariant(entry, base)
			if tc.field == "" {
				if len(errs) != 0 {
					t.Fatalf("errors %+v", errs)
				}
				return
			}
			if got := errs.For(tc.field); got != tc.want {
				t.Errorf("%s: %q (all: %+v); want %q", tc.field, got, errs, tc.want)
			}
		})
	}

	content, _ := models.CheckTemplateVariant(good, base)
	var signs []string
	for _, line := range content.Zones[0].Signs {
		signs = append(signs, line.Display())
	}
	if got := strings.Join(signs, " | "); got != "Well | My triggers: [the nurse writes: what sets it off] | Sleeping well | Playing" {
		t.Errorf("green signs = %q; want the blank kept second", got)
	}
	if len(content.SymptomQuestions) != 2 || len(content.RequiredMedicines) != 1 || *content.PeakFlow != (models.PeakFlowRule{AmberPercent: 75, RedPercent: 50}) ||
		len(content.Medicines) != 2 {
		t.Errorf("variant = %+v", content)
	}
}

func TestCheckTemplateApproval(t *testing.T) {
	tests := []struct {
		approval    models.TemplateApproval
		field, want string
	}{
		{models.TemplateApproval{Statement: "Reviewed against BTS/SIGN 2024", SafetyCaseRef: "CSC-14"}, "", ""},
		{models.TemplateApproval{SafetyCaseRef: "CSC-14"}, "statement", "Enter your clinical safety statement"},
		{models.TemplateApproval{Statement: "Reviewed"}, "safety-case", "Enter the reference to your local safety case"},
		{models.TemplateApproval{Statement: "Reviewed", SafetyCaseRef: strings.Repeat("x", 201)}, "safety-case", "Safety case reference must be 200 characters or fewer"},
	}
	for _, tc := range tests {
		errs := models.CheckTemplateApproval(tc.approval)
		if tc.field == "" && len(errs) != 0 || tc.field != "" && errs.For(tc.field) != tc.want {
			t.Errorf("%+v: %+v; want %s %q", tc.approval, errs, tc.field, tc.want)
		}
	}
}

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
		store := demoStore(t, db)
		asLive(t, db)
		nurse, officer := principal(t, store, "nurse"), safetyOfficer(t, store, db)
		oliver, err := store.PatientFor(t.Context(), nurse, "demooliver0000001")
		if err != nil {
			t.Fatal(err)
		}
		var anaphylaxis models.ConditionTemplate
		db.Where("key = ?", "anaphylaxis").Order("version DESC").First(&anaphylaxis)
		content, _ := anaphylaxis.Decode()
		nurseActor := models.Actor{UserID: nurse.User.ID, Role: models.RoleNurse}
		if _, err := store.CreatePlan(t.Context(), nurse, nurseActor, oliver.ID, &anaphylaxis, content.NewPlan(), models.VersionDraft); !errors.Is(err, models.ErrTemplateNotUsable) {
			t.Fatalf("plan from an unapproved version: %v; want refused", err)
		}
		officerActor := models.Actor{UserID: officer.User.ID, Role: models.RoleSafetyOfficer}
		if _, err := store.ApproveTemplateVersion(t.Context(), officer, officerActor, anaphylaxis.ID, models.TemplateApproval{Statement: "Reviewed", SafetyCaseRef: "CSC-1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.RetireTemplateVersion(t.Context(), officer, officerActor, anaphylaxis.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := store.CreatePlan(t.Context(), nurse, nurseActor, oliver.ID, &anaphylaxis, content.NewPlan(), models.VersionDraft); !errors.Is(err, models.ErrTemplateNotUsable) {
			t.Fatalf("plan from a retired version: %v; want refused", err)
		}
		var plans int64
		db.Model(&models.ActionPlan{}).Where("patient_id = ?", oliver.ID).Count(&plans)
		if plans != 0 {
			t.Errorf("%d plans for Oliver; want none", plans)
		}
		if offered, _ := store.Templates(true); len(offered) != 0 {
			t.Errorf("offered %+v; want nothing approved and current", offered)
		}
	})
}

// safetyOfficer adds a clinical safety officer to the demo's ICB and loads
// them as a request would.
func safetyOfficer(t *testing.T, store *models.Store, db *gorm.DB) *models.Principal {
	t.Helper()
	hash, err := models.HashPassword(t.Context(), demoPassword)
	if err != nil {
		t.Fatal(err)
	}
	officer := models.User{Username: "officer", PasswordHash: hash, Role: models.RoleSafetyOfficer, DisplayName: "Dr Ada Okafor"}
	if err := db.Create(&officer).Error; err != nil {
		t.Fatal(err)
	}
	return principal(t, store, "officer")
}

// TestTemplateGovernance: only a clinical safety officer approves or
// retires, each once and with who and when; an administrator's variant is
// the next version, awaiting approval; a retired version marks the plans
// made from it until they are saved again.
func TestTemplateGovernance(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		store := demoStore(t, db)
		officer := safetyOfficer(t, store, db)
		ctx := t.Context()
		var asthma models.ConditionTemplate
		db.Where("key = ?", "asthma").Order("version DESC").First(&asthma)
		approval := models.TemplateApproval{Statement: "Checked against BTS/SIGN", SafetyCaseRef: "CSC-2026-14"}

		for _, username := range []string{"nurse", "admin", "commissioner", "patient", "carer"} {
			p := principal(t, store, username)
			actor := models.Actor{UserID: p.User.ID, Role: p.User.Role}
			if _, err := store.ApproveTemplateVersion(ctx, p, actor, asthma.ID, approval); !errors.Is(err, models.ErrNotSafetyOfficer) {
				t.Errorf("%s approving: %v", username, err)
			}
			if _, err := store.RetireTemplateVersion(ctx, p, actor, asthma.ID); !errors.Is(err, models.ErrNotSafetyOfficer) {
				t.Errorf("%s retiring: %v", username, err)
			}
			if username != "admin" {
				if _, err := store.MakeTemplateVariant(ctx, p, actor, &asthma, models.TemplateContent{}); !errors.Is(err, models.ErrNotAdministrator) {
					t.Errorf("%s making a variant: %v", username, err)
				}
			}
		}

		admin := principal(t, store, "admin")
		adminActor := models.Actor{UserID: admin.User.ID, Role: models.RoleAdmin}
		content, _ := asthma.Decode()
		content.Zones[0].Title = "Every day at Riverside"
		variant, err := store.MakeTemplateVariant(ctx, admin, adminActor, &asthma, content)
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
		if _, err := store.ApproveTemplateVersion(ctx, &adminAsOfficer, adminActor, variant.ID, approval); !errors.Is(err, models.ErrOwnVariant) {
			t.Errorf("author approving their variant: %v", err)
		}

		officerActor := models.Actor{UserID: officer.User.ID, Role: models.RoleSafetyOfficer}
		approved, err := store.ApproveTemplateVersion(ctx, officer, officerActor, variant.ID, approval)
		if err != nil {
			t.Fatal(err)
		}
		if approved.ApprovedBy != "Dr Ada Okafor" || *approved.ApprovedByID != officer.User.ID || approved.ApprovedAt == nil ||
			approved.SafetyCaseRef != "CSC-2026-14" || approved.SafetyStatement != approval.Statement {
			t.Errorf("approved = %+v", approved)
		}
		if _, err := store.ApproveTemplateVersion(ctx, officer, officerActor, variant.ID, approval); !errors.Is(err, models.ErrTemplateApproved) {
			t.Errorf("second approval: %v", err)
		}

		// Amelia's asthma plan came from the standard version.
		nurse := principal(t, store, "nurse")
		amelia, _ := store.PatientFor(ctx, nurse, "demoamelia0000001")
		marked := func() bool {
			states, err := store.PlanStates(ctx, nurse, amelia)
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
		if _, err := store.RetireTemplateVersion(ctx, officer, officerActor, asthma.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := store.RetireTemplateVersion(ctx, officer, officerActor, asthma.ID); !errors.Is(err, models.ErrTemplateRetired) {
			t.Errorf("second retirement: %v", err)
		}
		if _, err := store.ApproveTemplateVersion(ctx, officer, officerActor, asthma.ID, approval); !errors.Is(err, models.ErrTemplateRetired) {
			t.Errorf("approving a retired version: %v", err)
		}
		if !marked() {
			t.Error("a plan from a retired version is not marked for review")
		}
		caseload, err := store.Caseload(ctx, nurse, models.CaseloadQuery{Filter: models.FilterPlanReview}, 25)
		if err != nil || len(caseload.Entries) != 1 || caseload.Entries[0].Ref != amelia.Ref || !caseload.Entries[0].PlanToReview {
			t.Errorf("plans to review = %+v, %v; want Amelia, tagged", caseload.Entries, err)
		}
		offered, _ := store.Templates(false)
		for _, template := range offered {
			if template.Key == "asthma" && template.ID != variant.ID {
				t.Errorf("offered asthma version %d; want the approved variant", template.Version)
			}
		}

		// Saving the plan again, once the nurse has looked at it, clears
		// the mark.
		var plan models.ActionPlan
		db.First(&plan, "patient_id = ? AND template_id = ?", amelia.ID, asthma.ID)
		latest, err := store.LatestVersion(ctx, nurse, &plan)
		if err != nil {
			t.Fatal(err)
		}
		planContent, _ := latest.PlanContent()
		time.Sleep(time.Millisecond) // a later save, even on a fast clock
		if _, err := store.SavePlanVersion(ctx, nurse, models.Actor{UserID: nurse.User.ID, Role: models.RoleNurse}, &plan, latest.Number, planContent, models.VersionPublished); err != nil {
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
		store := demoStore(t, db)
		admin := principal(t, store, "admin")
		actor := models.Actor{UserID: admin.User.ID, Role: models.RoleAdmin}
		var epilepsy models.ConditionTemplate
		db.Where("key = ?", "epilepsy").Order("version DESC").First(&epilepsy)
		content := mustDecode(t, epilepsy)
		const saves = 6
		saved := 0
		for _, err := range atOnce(saves, func(int) error {
			_, err := store.MakeTemplateVariant(t.Context(), admin, actor, &epilepsy, content)
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
