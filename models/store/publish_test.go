package store_test

import (
	"errors"
	"strings"
	"testing"

	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// standardContents is each standard template's content, by name.
func standardContents(t *testing.T, db *gorm.DB) map[string]models.TemplateContent {
	t.Helper()
	st := store.NewStore(db)
	if err := st.EnsureStandardTemplates(t.Context()); err != nil {
		t.Fatal(err)
	}
	templates, err := st.Templates(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	contents := map[string]models.TemplateContent{}
	for _, template := range templates {
		content, err := template.Decode()
		if err != nil {
			t.Fatal(err)
		}
		contents[template.Name] = content
	}
	return contents
}

// TestUnchangedTemplatesCannotBePublished: a plan left as its template
// has one problem for each blank and each required medicine.
func TestUnchangedTemplatesCannotBePublished(t *testing.T) {
	want := map[string][]string{
		"Asthma": {"Add a reliever inhaler to the medicines"},
		"Epilepsy": {"Enter what the person's seizures look like", "Enter how long a seizure usually lasts",
			"Enter what can bring on a seizure", "Enter when to give the emergency medicine, its name and dose",
			"Add the emergency (rescue) medicine to the medicines"},
		"Type 1 diabetes": {"Enter the person's blood glucose targets", "Enter whether glucagon is prescribed, and who may give it",
			"Add insulin to the medicines", "Add fast-acting glucose to the medicines"},
		"Anaphylaxis": {"Enter what the person is allergic to", "Enter the auto-injector's name and dose",
			"Add the adrenaline auto-injector to the medicines"},
		"Sickle cell disorder": {"Enter the hospital to go to with a fever, and its phone number", "Add pain relief to the medicines"},
	}
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		contents := standardContents(t, db)
		if len(contents) != len(want) {
			t.Fatalf("%d standard templates; want %d", len(contents), len(want))
		}
		for name, content := range contents {
			problems := content.NewPlan().PublishProblems(content.RequiredMedicines)
			if len(problems) != len(want[name]) {
				t.Errorf("%s: %d problems; want %d: %+v", name, len(problems), len(want[name]), problems)
				continue
			}
			for i, problem := range problems {
				if !strings.HasPrefix(problem.Message, want[name][i]) {
					t.Errorf("%s problem %d = %q; want %q", name, i, problem.Message, want[name][i])
				}
			}
		}
	})
}

// TestFilledPlansCanBePublished: with every blank answered and each
// required medicine named, nothing stops publishing, and each answer sits
// in its place among the template's lines.
func TestFilledPlansCanBePublished(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		for name, content := range standardContents(t, db) {
			plan := content.NewPlan()
			answers := make([]string, len(plan.Blanks))
			for i := range answers {
				answers[i] = "answer " + string(rune('A'+i))
			}
			blanks := plan.Blanks
			plan.FillBlanks(answers)
			for _, need := range content.RequiredMedicines {
				plan.Medicines = append(plan.Medicines, models.Medicine{Name: "A medicine", Dose: "1", Frequency: "When needed", Purpose: need.Purpose})
			}
			if problems := plan.PublishProblems(content.RequiredMedicines); len(problems) != 0 {
				t.Errorf("%s filled in: %+v", name, problems)
			}
			for i, blank := range blanks {
				var lines []string
				for _, zone := range plan.Zones {
					if zone.Colour == blank.Zone {
						lines = map[string][]string{models.PartSigns: zone.Signs, models.PartActions: zone.Actions}[blank.Part]
					}
				}
				if blank.Line >= len(lines) || lines[blank.Line] != blank.Lead+" "+answers[i] {
					t.Errorf("%s: answer %d is not line %d of the %s %s: %q", name, i, blank.Line, blank.Zone, blank.Part, lines)
				}
			}
		}
	})
}

// TestPartlyFilledPlanKeepsItsOrder: answering a later blank first, then
// an earlier one, puts both lines where the template has them.
func TestPartlyFilledPlanKeepsItsOrder(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		plan := standardContents(t, db)["Epilepsy"].NewPlan()
		plan.FillBlanks([]string{"", "2 minutes", "", ""})
		if len(plan.Blanks) != 3 {
			t.Fatalf("%d blanks left; want 3", len(plan.Blanks))
		}
		plan.FillBlanks([]string{"stares", "", ""})
		want := []string{"What my seizures look like: stares", "A seizure usually lasts 2 minutes"}
		if got := plan.Zones[0].Signs; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("green signs = %q; want %q", got, want)
		}
	})
}

// TestEveryStandardCheckInHasARedSign: each condition's check-in can
// reach the red zone, not only amber.
func TestEveryStandardCheckInHasARedSign(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		for name, content := range standardContents(t, db) {
			if len(content.SymptomQuestions) == 0 {
				continue
			}
			yes := make([]bool, len(content.SymptomQuestions))
			for i := range yes {
				yes[i] = true
			}
			if zone := models.CheckInZone(content.SymptomQuestions, yes); zone != models.ZoneRed {
				t.Errorf("%s check-in with every answer yes is %s", name, zone)
			}
		}
	})
}

// TestApproveTemplate: an approval records who and when, is audited and
// happens once.
func TestApproveTemplate(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		if err := st.EnsureStandardTemplates(t.Context()); err != nil {
			t.Fatal(err)
		}
		if approved, _ := st.Templates(t.Context(), true); len(approved) != 0 {
			t.Fatalf("%d templates approved before anyone approved them", len(approved))
		}
		template, err := st.ApproveTemplate(t.Context(), "anaphylaxis", 2, " Dr Ada Okafor ")
		if err != nil {
			t.Fatal(err)
		}
		if !template.Approved || template.ApprovedBy != "Dr Ada Okafor" || template.ApprovedAt == nil {
			t.Errorf("approved template = %+v", template)
		}
		approved, err := st.Templates(t.Context(), true)
		if err != nil || len(approved) != 1 || approved[0].Key != "anaphylaxis" {
			t.Errorf("approved templates = %+v, %v", approved, err)
		}
		var audited int64
		db.Model(&models.AuditEvent{}).Where("action = ? AND target_id = ? AND detail LIKE ?", "template.approved", "anaphylaxis version 2", "%Dr Ada Okafor").Count(&audited)
		if audited != 1 {
			t.Errorf("%d audit entries for the approval", audited)
		}
		for _, tc := range []struct {
			key     string
			version int
			by      string
			want    error
		}{
			{"anaphylaxis", 2, "Someone else", models.ErrTemplateApproved},
			{"anaphylaxis", 9, "Dr Ada Okafor", models.ErrNotFound},
			{"asthma", 2, "  ", models.ErrApproverMissing},
		} {
			if _, err := st.ApproveTemplate(t.Context(), tc.key, tc.version, tc.by); !errors.Is(err, tc.want) {
				t.Errorf("approving %s %d by %q: %v; want %v", tc.key, tc.version, tc.by, err, tc.want)
			}
		}
	})
}
