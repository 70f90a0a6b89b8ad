package views

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"healthpassport/models"
)

// FilterQuery is the dashboard's filters as an address's query.
func (d Dashboard) FilterQuery() url.Values {
	q := url.Values{}
	if d.Filter.PracticeID != 0 {
		q.Set("practice", strconv.FormatUint(uint64(d.Filter.PracticeID), 10))
	}
	if d.Filter.Condition != "" {
		q.Set("condition", d.Filter.Condition)
	}
	if d.Filter.AgeBand != "" {
		q.Set("age", d.Filter.AgeBand)
	}
	q.Set("period", strconv.Itoa(d.Filter.Period()))
	q.Set("by", d.Filter.Grouping())
	return q
}

// CSVPath is the address of a measure's table as a spreadsheet, with the
// filters shown.
func (d Dashboard) CSVPath(measure string) string {
	q := d.FilterQuery()
	q.Set("measure", measure)
	return d.Path + ".csv?" + q.Encode()
}

// CSV is a measure's table as spreadsheet rows, header first, with the
// same figures as the page: withheld counts as *. Labels, such as a
// practice's name, are text; the figures are our own.
func (t MeasureTable) CSV() [][]SpreadsheetCell {
	first := "Period"
	if t.Key == "practices" {
		first = "Practice"
	}
	header := []SpreadsheetCell{TextCell(first)}
	for _, column := range t.Columns {
		header = append(header, TextCell(column))
	}
	records := [][]SpreadsheetCell{header}
	for _, row := range t.AllRows() {
		record := []SpreadsheetCell{TextCell(row.Label)}
		for _, cell := range row.Cells {
			record = append(record, FigureCell(cell.CSV))
		}
		records = append(records, record)
	}
	return records
}

// Report is the monthly report: headline figures of a month beside the
// month before, and the charts of the year to the month.
type Report struct {
	Month, Previous string
	Scope           string
	Dashboard       Dashboard
	Headlines       []Headline
}

// Headline is one figure of the month and of the month before.
type Headline struct {
	Name        string
	Now, Before Cell
}

// Change says how a figure moved from the month before, in words.
func (h Headline) Change() string {
	if !h.Now.Plotted || !h.Before.Plotted {
		return "Cannot be worked out"
	}
	diff := h.Now.Value - h.Before.Value
	amount := strconv.FormatFloat(max(diff, -diff), 'f', -1, 64)
	if diff != float64(int64(diff)) {
		amount = strconv.FormatFloat(max(diff, -diff), 'f', 2, 64)
	}
	switch {
	case diff > 0:
		return "Up " + amount
	case diff < 0:
		return "Down " + amount
	}
	return "No change"
}

// NewReport picks the headline figures of the last two months of a
// dashboard grouped by month: each measure's first and charted columns.
func NewReport(d Dashboard, month time.Time, practices []models.Organisation) Report {
	r := Report{Month: PeriodLabel(month, models.ByMonth), Previous: PeriodLabel(month.AddDate(0, -1, 0), models.ByMonth), Dashboard: d}
	for _, m := range d.Measures {
		if len(m.Rows) < 2 {
			continue
		}
		now, before := m.Rows[len(m.Rows)-1], m.Rows[len(m.Rows)-2]
		columns := append([]int{0}, m.Charted...)
		slices.Sort(columns)
		for _, i := range slices.Compact(columns) {
			r.Headlines = append(r.Headlines, Headline{Name: m.Title + ": " + m.Columns[i],
				Now: now.Cells[i], Before: before.Cells[i]})
		}
	}
	r.Scope = reportScope(d.Filter, practices)
	return r
}

// reportScope says in words whom the report counts.
func reportScope(f models.OutcomeFilter, practices []models.Organisation) string {
	practice := "all practices"
	for _, p := range practices {
		if p.ID == f.PracticeID {
			practice = p.Name
		}
	}
	condition := "all conditions"
	for _, c := range models.OutcomeConditions {
		if c.Code == f.Condition {
			condition = c.Name
		}
	}
	age := "all ages"
	for _, b := range models.AgeBands {
		if b.Key == f.AgeBand {
			age = "aged " + ageBandLabel(b)
		}
	}
	return fmt.Sprintf("Patients of %s, %s, %s.", practice, strings.ToLower(condition[:1])+condition[1:], age)
}
