package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
)

func TestDashboardWithholdsSmallNumbers(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		s.refreshOutcomes(t)
		commissioner := s.browser(t)
		commissioner.signIn("commissioner")
		page := commissioner.get("/dashboard")
		mustStatus(t, page, http.StatusOK)
		mustContain(t, page, "Riverside Health Centre", "Hillside Surgery", "fewer than 8", "withheld (small numbers)", "Used it in the last 7 days",
			"Figures up to", "About these figures", "in the age band of their age on the last day of each week or month")
		for _, leak := range []string{"100%", "Amelia", "Jones"} {
			if contains(page, leak) {
				t.Errorf("the dashboard shows %q", leak)
			}
		}
	})
}

// Until the rollup is first built, the dashboard says its figures are
// still being counted rather than showing zeros as if they were true.
func TestDashboardSaysWhenFiguresAreNotCountedYet(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		commissioner := s.browser(t)
		commissioner.signIn("commissioner")
		page := commissioner.get("/dashboard")
		mustStatus(t, page, http.StatusOK)
		mustContain(t, page, "These figures are being counted for the first time. Check again in a few minutes.")
		s.refreshOutcomes(t)
		if page = commissioner.get("/dashboard"); contains(page, "being counted for the first time") {
			t.Error("the dashboard still says its figures are being counted")
		}
	})
}

func TestDashboardFilters(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		s.refreshOutcomes(t)
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
		s.refreshOutcomes(t)
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

func TestDashboardShowsEveryMeasureAsChartAndTable(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		s.refreshOutcomes(t)
		commissioner := s.browser(t)
		commissioner.signIn("commissioner")
		for _, by := range []string{"month", "week"} {
			page := commissioner.get("/dashboard?period=6&by=" + by)
			mustStatus(t, page, http.StatusOK)
			mustContain(t, page, "Registrations and accounts set up", "People using their passport", "Readings, check-ins and shares",
				"Red zones and alerts", "Repeat prescriptions", "Reviews", "Unplanned care", "Asthma control", "Asthma medication ratio",
				"Satisfaction", "Passports by practice", "Monthly report to print")
			if n := strings.Count(page.body, "<svg viewBox"); n != 10 {
				t.Errorf("by %s: %d charts; want one for each of the 10 measures", by, n)
			}
			if by == "week" && !contains(page, "Week of ") {
				t.Error("weekly figures are not labelled by week")
			}
			if strings.Contains(page.body, "style=") {
				t.Error("the dashboard uses inline styles, which the CSP refuses")
			}
		}
	})
}

// cellPattern finds the figures of a measure's table on the page.
var (
	sectionPattern = regexp.MustCompile(`(?s)<section class="app-measure" aria-labelledby="([a-z-]+)">(.*?)</section>`)
	rowPattern     = regexp.MustCompile(`(?s)<tr><th scope="row">(.*?)</th>(.*?)</tr>`)
	cellPattern    = regexp.MustCompile(`<td>(.*?)</td>`)
)

// pageTables reads each measure's table from the page: its rows, each the
// row's label and its cells.
func pageTables(body string) map[string][][]string {
	tables := map[string][][]string{}
	for _, section := range sectionPattern.FindAllStringSubmatch(body, -1) {
		for _, row := range rowPattern.FindAllStringSubmatch(section[2], -1) {
			cells := []string{html.UnescapeString(row[1])}
			for _, cell := range cellPattern.FindAllStringSubmatch(row[2], -1) {
				cells = append(cells, html.UnescapeString(cell[1]))
			}
			tables[section[1]] = append(tables[section[1]], cells)
		}
	}
	return tables
}

// The spreadsheet of each measure has the table's rows and figures: a
// withheld count is * where the page says "fewer than 8".
func TestDashboardCSVMatchesTheTable(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		s.refreshOutcomes(t)
		commissioner := s.browser(t)
		commissioner.signIn("commissioner")
		filters := "condition=" + models.SnomedAsthma + "&period=3&by=month"
		page := commissioner.get("/dashboard?" + filters)
		mustStatus(t, page, http.StatusOK)
		tables := pageTables(page.body)
		if len(tables) != 11 {
			t.Fatalf("found %d tables on the page; want 11", len(tables))
		}
		withheld := 0
		for measure, rows := range tables {
			sheet := commissioner.get("/dashboard.csv?measure=" + measure + "&" + filters)
			mustStatus(t, sheet, http.StatusOK)
			if sheet.header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(sheet.header.Get("Content-Disposition"), measure+".csv") {
				t.Errorf("%s: sent as %q, %q", measure, sheet.header.Get("Content-Type"), sheet.header.Get("Content-Disposition"))
			}
			records, err := csv.NewReader(strings.NewReader(sheet.body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(records) != len(rows)+1 {
				t.Errorf("%s: %d rows in the spreadsheet, %d in the table", measure, len(records)-1, len(rows))
				continue
			}
			for i, row := range rows {
				record := records[i+1]
				if record[0] != row[0] || len(record) != len(row) {
					t.Errorf("%s: spreadsheet row %v, table row %v", measure, record, row)
					continue
				}
				for j := 1; j < len(row); j++ {
					if _, err := strconv.ParseInt(row[j], 10, 64); err == nil && record[j] != row[j] {
						t.Errorf("%s, %s: %s in the spreadsheet, %s in the table", measure, row[0], record[j], row[j])
					}
					if row[j] == "fewer than 8" || row[j] == "withheld (small numbers)" {
						withheld++
						if record[j] != "*" {
							t.Errorf("%s, %s: a withheld figure is %q in the spreadsheet", measure, row[0], record[j])
						}
					}
				}
			}
		}
		if withheld == 0 {
			t.Error("the demo's small numbers are not withheld anywhere")
		}
		mustStatus(t, commissioner.get("/dashboard.csv?measure=names&"+filters), http.StatusNotFound)
		mustStatus(t, commissioner.get("/dashboard.csv?measure=uptake&period=13"), http.StatusUnprocessableEntity)
	})
}

// A commissioner sees only their own ICB's practices and patients; other
// roles are refused the dashboard, and commissioners the practice view.
func TestDashboardIsForTheCommissionersOwnICB(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		otherICB := models.Organisation{Kind: models.OrganisationICB, Name: "Another board", ODSCode: "QZZ"}
		s.db.Create(&otherICB)
		elsewhere := models.Organisation{Kind: models.OrganisationPractice, Name: "Elsewhere Practice", ODSCode: "Z99999", ParentID: &otherICB.ID}
		s.db.Create(&elsewhere)
		for i := range 9 {
			s.db.Create(&models.Patient{Ref: fmt.Sprintf("elsewhere%08d", i), NHSNumber: fmt.Sprintf("99980000%02d", i), GivenName: "Far",
				FamilyName: "Away", DateOfBirth: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), PracticeID: elsewhere.ID, CreatedAt: time.Now()})
		}
		theirs := s.addUser(t, "commissioner2", models.RoleCommissioner, nil)
		s.db.Create(&models.Membership{UserID: theirs.ID, OrganisationID: otherICB.ID})
		s.refreshOutcomes(t)

		ours := s.browser(t)
		ours.signIn("commissioner")
		page := ours.get("/dashboard")
		if contains(page, "Elsewhere Practice") {
			t.Error("a commissioner sees another ICB's practice")
		}
		other := s.browser(t)
		other.signIn("commissioner2")
		page = other.get("/dashboard")
		mustStatus(t, page, http.StatusOK)
		mustContain(t, page, "Elsewhere Practice", "10") // 9 registered, rounded to 10
		for _, leak := range []string{"Riverside Health Centre", "Hillside Surgery", "Far", "Away"} {
			if contains(page, leak) {
				t.Errorf("the other ICB's dashboard shows %q", leak)
			}
		}
		sheet := other.get("/dashboard.csv?measure=practices")
		mustStatus(t, sheet, http.StatusOK)
		if strings.Contains(sheet.body, "Riverside") || !strings.Contains(sheet.body, "Elsewhere Practice,10,0,0") {
			t.Errorf("the other ICB's spreadsheet:\n%s", sheet.body)
		}

		for _, who := range []string{"nurse", "admin", "patient", "carer"} {
			b := s.browser(t)
			b.signIn(who)
			for _, path := range []string{"/dashboard", "/dashboard.csv?measure=uptake", "/dashboard/report"} {
				if r := b.get(path); r.status != http.StatusForbidden {
					t.Errorf("%s opened %s: %d", who, path, r.status)
				}
			}
		}
		for _, path := range []string{"/outcomes", "/outcomes.csv?measure=uptake", "/outcomes/report"} {
			mustStatus(t, ours.get(path), http.StatusForbidden)
		}
	})
}

// Practice staff see the same measures for their own practices, counted
// exactly, from a link on the caseload.
func TestPracticeOutcomesAreExactForTheirOwnPractices(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		s.refreshOutcomes(t)
		nurse := s.browser(t)
		nurse.signIn("nurse")
		mustContain(t, nurse.get("/caseload"), `href="/outcomes"`)
		page := nurse.get("/outcomes")
		mustStatus(t, page, http.StatusOK)
		mustContain(t, page, "Outcomes", "counted exactly", "Asthma medication ratio", "Passports by practice")
		if contains(page, "fewer than 8") {
			t.Error("practice staff see withheld figures for their own patients")
		}
		var nurseUser models.User
		s.db.Where("username = ?", "nurse").First(&nurseUser)
		var practices []models.Organisation
		s.db.Where("id IN (?)", s.db.Model(&models.Membership{}).Select("organisation_id").Where("user_id = ?", nurseUser.ID)).Find(&practices)
		var registered int64
		s.db.Model(&models.Patient{}).Where("practice_id IN ?", []uint{practices[0].ID}).Count(&registered)
		sheet := nurse.get("/outcomes.csv?measure=practices")
		mustStatus(t, sheet, http.StatusOK)
		if want := fmt.Sprintf("%s,%d,", practices[0].Name, registered); !strings.Contains(sheet.body, want) {
			t.Errorf("the practice's spreadsheet lacks %q:\n%s", want, sheet.body)
		}
		var hillside models.Organisation
		s.db.Where("name = ?", "Hillside Surgery").First(&hillside)
		if practices[0].ID != hillside.ID && strings.Contains(sheet.body, "Hillside") {
			t.Error("a nurse sees another practice's figures")
		}
		mustStatus(t, nurse.get(fmt.Sprintf("/outcomes?practice=%d", hillside.ID+1000)), http.StatusUnprocessableEntity)
		report := nurse.get("/outcomes/report")
		mustStatus(t, report, http.StatusOK)
		mustContain(t, report, "Headline figures", "Print this report")
	})
}

func TestMonthlyReport(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		s.refreshOutcomes(t)
		commissioner := s.browser(t)
		commissioner.signIn("commissioner")
		month := time.Now().In(models.UK).AddDate(0, -1, 0)
		page := commissioner.get("/dashboard/report?month=" + month.Format("2006-01"))
		mustStatus(t, page, http.StatusOK)
		mustContain(t, page, "Dashboard report for "+month.Format("January 2006"), "Headline figures", month.AddDate(0, -1, 0).Format("January 2006"),
			"Registrations and accounts set up: Registered", "Asthma control", "Print this report", "Patients of all practices, all conditions, all ages.")
		if strings.Count(page.body, "<svg viewBox") != 10 {
			t.Error("the report lacks a chart of each measure")
		}
		for _, month := range []string{"2026-13", "tomorrow", "3000-01", "99999999999999999999-01"} {
			r := commissioner.get("/dashboard/report?month=" + url.QueryEscape(month))
			mustStatus(t, r, http.StatusUnprocessableEntity)
			mustContain(t, r, "There is a problem")
		}
		// Bytes no form sends are refused before the report is read.
		mustStatus(t, commissioner.get("/dashboard/report?month="+url.QueryEscape("2026-01\x00")), http.StatusBadRequest)
	})
}

// Check-ins and reviews keep the answers the measures count.
func TestCheckInsAndReviewsRecordOutcomes(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ? AND snomed_code = ?", s.patient(t, ameliaRef).ID, models.SnomedAsthma)
		patient := s.browser(t)
		patient.signIn("patient")
		form := url.Values{"plan": {fmt.Sprint(plan.ID)}, "q0": {"no"}, "q1": {"no"}, "q2": {"no"}, "q3": {"no"}}
		r := patient.post("/passport/"+ameliaRef+"/readings/symptoms", form)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Select if you needed urgent care, or select no",
			"Answer yes or no: In the last month, have you had difficulty sleeping because of your asthma symptoms, including cough?")
		form.Set("unplanned-care", models.UnplannedAE)
		form.Set("rcp0", "yes")
		form.Set("rcp1", "no")
		form.Set("rcp2", "yes")
		mustStatus(t, patient.post("/passport/"+ameliaRef+"/readings/symptoms", form), http.StatusOK)
		var reading models.Reading
		s.db.Order("id DESC").First(&reading)
		if reading.UnplannedCare != models.UnplannedAE || reading.RCPScore == nil || *reading.RCPScore != 2 {
			t.Errorf("check-in saved unplanned care %q, RCP score %v; want A&E and 2", reading.UnplannedCare, reading.RCPScore)
		}

		nurse := s.browser(t)
		nurse.signIn("nurse")
		today := time.Now().In(models.UK)
		review := reviewForm(today, today.AddDate(1, 0, 0), models.OutcomeNoChange)
		review.Set("unplanned-care", models.UnplannedHospital)
		for _, q := range []string{"rcp0", "rcp1", "rcp2"} {
			review.Set(q, "no")
		}
		mustStatus(t, nurse.post("/patients/"+ameliaRef+"/reviews", review), http.StatusOK)
		var saved models.Review
		s.db.Order("id DESC").First(&saved)
		if saved.UnplannedCare != models.UnplannedHospital || saved.RCPScore == nil || *saved.RCPScore != 0 {
			t.Errorf("review saved unplanned care %q, RCP score %v; want a hospital stay and 0", saved.UnplannedCare, saved.RCPScore)
		}
		review.Del("rcp1")
		r = nurse.post("/patients/"+ameliaRef+"/reviews", review)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Answer yes or no: In the last month, has Amelia had their usual asthma symptoms during the day")
	})
}

// refreshOutcomes counts the demo's outcomes into the rollup the
// dashboards read, as the periodic job would.
func (s *testServer) refreshOutcomes(t *testing.T) {
	t.Helper()
	if err := s.store.RefreshOutcomes(context.Background(), time.Now(), true); err != nil {
		t.Fatal(err)
	}
}
