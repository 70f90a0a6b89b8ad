package store_test

import (
	"regexp"
	"strings"
	"testing"

	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

func TestStandardTemplates(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		for range 2 {
			if err := st.EnsureStandardTemplates(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		templates, err := st.Templates(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		if len(templates) != 5 {
			t.Fatalf("%d templates; want asthma, epilepsy, type 1 diabetes, anaphylaxis and sickle cell", len(templates))
		}
		snomed := regexp.MustCompile(`^[1-9][0-9]{5,17}$`)
		for _, template := range templates {
			if template.Approved {
				t.Errorf("%s ships approved; it needs local clinical approval", template.Name)
			}
			if !snomed.MatchString(template.SnomedCode) {
				t.Errorf("%s has SNOMED CT code %q", template.Name, template.SnomedCode)
			}
			content, err := template.Decode()
			if err != nil {
				t.Fatal(err)
			}
			for _, question := range content.SymptomQuestions {
				words := " " + strings.ToLower(question.AboutThem) + " "
				if !strings.Contains(question.AboutThem, "{name}") || strings.Contains(words, " you") || strings.Contains(words, " he ") || strings.Contains(words, " she ") {
					t.Errorf("%s asks a carer %q for %q; want the person's name and no pronoun", template.Name, question.AboutThem, question.Text)
				}
			}
			colours := ""
			for _, zone := range content.Zones {
				colours += zone.Colour + " "
				if len(zone.Actions) == 0 {
					t.Errorf("%s %s zone says nothing to do", template.Name, zone.Colour)
				}
			}
			if colours != "green amber red " {
				t.Errorf("%s zones are %q", template.Name, colours)
			}
		}
	})
}
