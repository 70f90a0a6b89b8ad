package views

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
)

// handMade is two months of figures with known answers.
func handMade() *models.Outcomes {
	spread := func(values ...int64) *models.Spread {
		s := &models.Spread{}
		for _, v := range values {
			s.Add(v, 1)
		}
		return s
	}
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, models.UK)
	return &models.Outcomes{Periods: []models.PeriodOutcomes{
		{Start: jan, End: jan.AddDate(0, 1, 0), TotalRegistered: 112, TotalActivated: 57,
			Counts: map[string]int64{models.MeasureRegistered: 12, models.MeasureActivated: 7, models.MeasurePreventerRequests: 12,
				models.MeasureRelieverRequests: 8, models.MeasureFeedback: 7, models.MeasureScore(5): 7},
			ScoreSum: 35,
			Spreads:  map[string]*models.Spread{models.SpreadAcknowledge: spread(60, 60, 90, 90, 120, 120, 600)}},
		{Start: jan.AddDate(0, 1, 0), End: jan.AddDate(0, 2, 0), TotalRegistered: 120, TotalActivated: 87,
			Counts: map[string]int64{models.MeasureRegistered: 8, models.MeasureActivated: 30, models.MeasurePreventerRequests: 8,
				models.MeasureRelieverRequests: 25, models.MeasureFeedback: 9, models.MeasureScore(4): 9},
			ScoreSum: 36,
			Spreads:  map[string]*models.Spread{models.SpreadAcknowledge: spread(6, 12, 30, 60, 90, 120, 180, 600)}},
	}}
}

func cellTexts(t *testing.T, d Dashboard, key string) [][]string {
	t.Helper()
	m, ok := d.Measure(key)
	if !ok {
		t.Fatalf("no measure %s", key)
	}
	var rows [][]string
	for _, row := range m.AllRows() {
		texts := []string{row.Label}
		for _, c := range row.Cells {
			texts = append(texts, c.Text)
		}
		rows = append(rows, texts)
	}
	return rows
}

func TestDashboardDisclosesEveryMeasure(t *testing.T) {
	d := NewDashboard(models.OutcomeFilter{Months: 3}, nil, handMade(), nil, false, "/dashboard")
	tests := []struct {
		name, measure string
		row, column   int
		want          string
	}{
		{"12 is rounded to 10", "uptake", 0, 1, "10"},
		{"7 is withheld", "uptake", 0, 2, "fewer than 8"},
		{"8 is rounded to 10", "uptake", 1, 1, "10"},
		{"the smallest shown count beside a single withheld one, under a total", "uptake", 1, 2, "fewer than 8"},
		{"the total is shown", "uptake", 2, 2, "35"},
		{"the rate from rounded figures: 55 of 110", "uptake", 0, 3, "50%"},
		{"a median of 7 alerts is withheld", "safety", 0, 4, "withheld (small numbers)"},
		{"a median of 8 is shown", "safety", 1, 4, "1 hour"},
		{"the 90th percentile of 8", "safety", 1, 5, "10 hours"},
		{"the ratio from rounded figures, 10 to 10", "medication-ratio", 0, 3, "0.50"},
		{"a ratio below the quality mark is flagged in words", "medication-ratio", 1, 3, "0.29 (below 0.5)"},
		{"a mean of 7 responses is withheld", "satisfaction", 0, 2, "withheld (small numbers)"},
		{"a mean of 9 is shown", "satisfaction", 1, 2, "4.0 out of 5"},
	}
	for _, test := range tests {
		rows := cellTexts(t, d, test.measure)
		if got := rows[test.row][test.column]; got != test.want {
			t.Errorf("%s: %s row %d column %d is %q; want %q", test.name, test.measure, test.row, test.column, got, test.want)
		}
	}
	if m, _ := d.Measure("uptake"); m.Rows[0].Cells[1].CSV != "*" {
		t.Errorf("a withheld count in a spreadsheet is %q; want *", m.Rows[0].Cells[1].CSV)
	}
}

// A practice's small count cannot be worked out by taking the other
// practices' figures, each seen by filtering the dashboard to it, from the
// ICB's total: the total is withheld where any practice's figure is.
func TestPracticeTableWithholdsTheTotalBesideASmallCount(t *testing.T) {
	uptake := []models.PracticeUptake{{PracticeID: 1, PracticeName: "Ashfield", Registered: 3, Activated: 2},
		{PracticeID: 2, PracticeName: "Brookside", Registered: 40, Activated: 20}, {PracticeID: 3, PracticeName: "Carlton", Registered: 22, Activated: 9}}
	all := NewDashboard(models.OutcomeFilter{Months: 3}, nil, handMade(), uptake, false, "/dashboard")
	rows := cellTexts(t, all, "practices")
	if rows[0][1] != "fewer than 8" || rows[3][0] != "All practices" {
		t.Fatalf("the table: %v", rows)
	}
	// What a commissioner sees of each other practice on its own.
	var others int64
	for _, u := range uptake[1:] {
		own := NewDashboard(models.OutcomeFilter{Months: 3, PracticeID: u.PracticeID}, nil, handMade(), []models.PracticeUptake{u}, false, "/dashboard")
		n, err := strconv.ParseInt(cellTexts(t, own, "practices")[0][1], 10, 64)
		if err != nil {
			t.Fatalf("%s on its own: %v", u.PracticeName, err)
		}
		others += n
	}
	if total, err := strconv.ParseInt(rows[3][1], 10, 64); err == nil {
		t.Errorf("the total %d less the others' %d gives Ashfield's withheld count away", total, others)
	}
	for column, want := range []string{"fewer than 8", "fewer than 8", "withheld (small numbers)"} {
		if rows[3][column+1] != want {
			t.Errorf("the total's column %d is %q; want %q", column, rows[3][column+1], want)
		}
	}
	if rows[1][1] != "40" || rows[2][1] != "20" || rows[2][3] != "50%" {
		t.Errorf("the other practices' figures are shown as they are: %v", rows)
	}

	// With no small count, the total is shown.
	large := NewDashboard(models.OutcomeFilter{Months: 3}, nil, handMade(), uptake[1:], false, "/dashboard")
	if got := cellTexts(t, large, "practices")[2]; got[1] != "60" || got[3] != "50%" {
		t.Errorf("the total without small counts: %v", got)
	}
}

func TestPracticeStaffSeeExactFigures(t *testing.T) {
	d := NewDashboard(models.OutcomeFilter{Months: 3}, nil, handMade(), nil, true, "/outcomes")
	for _, test := range []struct {
		measure     string
		row, column int
		want        string
	}{
		{"uptake", 0, 1, "12"},
		{"uptake", 0, 2, "7"},
		{"uptake", 1, 2, "30"},
		{"safety", 0, 4, "1 hour 30 minutes"},
		{"medication-ratio", 0, 3, "0.60"},
		{"satisfaction", 0, 2, "5.0 out of 5"},
	} {
		if got := cellTexts(t, d, test.measure)[test.row][test.column]; got != test.want {
			t.Errorf("%s row %d column %d is %q; want %q", test.measure, test.row, test.column, got, test.want)
		}
	}
}

func TestMeasureChartLeavesWithheldFiguresOut(t *testing.T) {
	d := NewDashboard(models.OutcomeFilter{Months: 3}, nil, handMade(), nil, false, "/dashboard")
	m, _ := d.Measure("uptake")
	c := NewMeasureChart(m)
	if len(c.Series) != 2 || len(c.Series[1].Points) != 0 || len(c.Series[0].Points) != 2 {
		t.Fatalf("registered has 2 points and set up none (both withheld): %+v", c.Series)
	}
	if c.Series[0].Dash == c.Series[1].Dash || c.Series[0].Marker == c.Series[1].Marker {
		t.Error("two lines are told apart by colour alone")
	}
	want := "Registered: 10 in January 2026, 10 in February 2026; highest 10 in January 2026. Set up: no figure can be shown for January 2026 to February 2026."
	if c.Summary != want {
		t.Errorf("summary:\n got %q\nwant %q", c.Summary, want)
	}
}

// TestOneRefreshFigure: the dashboards and the README say the interval the
// background job really refreshes the figures at, and no other.
func TestOneRefreshFigure(t *testing.T) {
	want := RefreshEvery()
	if want != "every 15 minutes" {
		t.Errorf("RefreshEvery() = %q", want)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	said := regexp.MustCompile(`(?s)(?:again|brought up to date)\s+(every\s+\d+\s+minutes)`).FindAllStringSubmatch(string(readme), -1)
	if len(said) < 2 {
		t.Fatalf("the README says how often the dashboards are brought up to date %d times; want at least 2", len(said))
	}
	for _, s := range said {
		if got := strings.Join(strings.Fields(s[1]), " "); got != want {
			t.Errorf("the README says the dashboards are brought up to date %q; the job runs %q", got, want)
		}
	}
}

// TestChartSummaryNeverUnderstatesAWithheldCount: a withheld count is more
// than 0, so where every count shown is smaller than the smallest shown,
// the summary's highest is the withheld one, never 0; a column with no
// line says why in the key.
func TestChartSummaryNeverUnderstatesAWithheldCount(t *testing.T) {
	withheld, zero, ten := figureCell(models.Disclose(3)), figureCell(models.Disclose(0)), figureCell(models.Disclose(10))
	unknown := Cell{Text: "none"}
	tests := []struct {
		name     string
		column   []Cell
		summary  string
		notDrawn string
	}{
		{"nothing withheld", []Cell{zero, ten, zero}, "Set up: 0 in January 2026, 0 in March 2026; highest 10 in February 2026.", ""},
		{"one withheld month among zeros", []Cell{zero, withheld, zero}, "Set up: 0 in January 2026, 0 in March 2026; highest fewer than 8 in February 2026.", ""},
		{"several withheld months among zeros", []Cell{withheld, zero, withheld}, "Set up: fewer than 8 in January 2026, fewer than 8 in March 2026; highest fewer than 8, in 2 months.", ""},
		{"a shown count above the withheld", []Cell{withheld, ten, zero}, "Set up: fewer than 8 in January 2026, 0 in March 2026; highest 10 in February 2026.", ""},
		{"a withheld median could be anything", []Cell{withheldCell, {Text: "2 days", Value: 2, Plotted: true}, unknown}, "Set up: withheld (small numbers) in January 2026, 2 days in February 2026; highest shown 2 days in February 2026.", ""},
		{"every figure withheld", []Cell{withheld, withheld, withheld}, "Set up: no figure can be shown for January 2026 to March 2026.", "no line: every figure is withheld (small numbers)"},
		{"no figures yet", []Cell{unknown, unknown, withheldCell}, "Set up: no figure can be shown for January 2026 to March 2026.", "no line: there are no figures to show yet"},
	}
	for _, test := range tests {
		m := MeasureTable{Key: "uptake", Title: "Uptake", Columns: []string{"Set up"}, Charted: []int{0}, Period: models.ByMonth}
		for i, cell := range test.column {
			m.Rows = append(m.Rows, MeasureRow{Label: PeriodLabel(time.Date(2026, time.Month(i+1), 1, 0, 0, 0, 0, models.UK), models.ByMonth), Cells: []Cell{cell}})
		}
		c := NewMeasureChart(m)
		if c.Summary != test.summary {
			t.Errorf("%s: summary\n got %q\nwant %q", test.name, c.Summary, test.summary)
		}
		if c.Series[0].NotDrawn != test.notDrawn {
			t.Errorf("%s: key says %q; want %q", test.name, c.Series[0].NotDrawn, test.notDrawn)
		}
	}
}
