package handlers_test

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"

	"healthpassport/models"
)

func TestDashboardWithholdsSmallNumbers(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		commissioner := s.browser(t)
		commissioner.signIn("commissioner")
		page := commissioner.get("/dashboard")
		mustStatus(t, page, http.StatusOK)
		mustContain(t, page, "Riverside Health Centre", "Hillside Surgery", "fewer than 8", "withheld (small numbers)", "Used it in the last 7 days")
		for _, leak := range []string{"100%", "Amelia", "Jones"} {
			if contains(page, leak) {
				t.Errorf("the dashboard shows %q", leak)
			}
		}
	})
}

func TestDashboardFilters(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var hillside models.Organisation
		if err := s.db.Where("name = ?", "Hillside Surgery").First(&hillside).Error; err != nil {
			t.Fatal(err)
		}
		commissioner := s.browser(t)
		commissioner.signIn("commissioner")
		page := commissioner.get(fmt.Sprintf("/dashboard?practice=%d&condition=%s&age=5-11&period=3", hillside.ID, models.SnomedAsthma))
		mustStatus(t, page, http.StatusOK)
		mustContain(t, page, fmt.Sprintf(`<option value="%d" selected>Hillside Surgery</option>`, hillside.ID),
			`<option value="5-11" selected>5 to 11</option>`, `<option value="3" selected>Last 3 months</option>`)
	})
}

// Filters the form does not offer, including a practice of another ICB,
// get the form again with the NHS error pattern, and no figures of theirs.
func TestDashboardRefusesFiltersItDoesNotOffer(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		otherICB := models.Organisation{Kind: models.OrganisationICB, Name: "Another board", ODSCode: "QZZ"}
		s.db.Create(&otherICB)
		elsewhere := models.Organisation{Kind: models.OrganisationPractice, Name: "Elsewhere Practice", ODSCode: "Z99999", ParentID: &otherICB.ID}
		s.db.Create(&elsewhere)
		commissioner := s.browser(t)
		commissioner.signIn("commissioner")
		page := commissioner.get(fmt.Sprintf("/dashboard?practice=%d&condition=cough&age=3-9&period=5", elsewhere.ID))
		mustStatus(t, page, http.StatusUnprocessableEntity)
		mustContain(t, page, "Error: Dashboard", "There is a problem", "Select a practice from the list",
			"Select a condition from the list", "Select an age band from the list", "Select a period from the list")
		if contains(page, "Elsewhere Practice") {
			t.Error("the dashboard names a practice of another ICB")
		}
		mustStatus(t, commissioner.get("/dashboard?practice=x"), http.StatusUnprocessableEntity)
	})
}

func contains(r response, text string) bool {
	return strings.Contains(html.UnescapeString(r.body), text)
}
