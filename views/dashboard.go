package views

import (
	"fmt"
	"strconv"
	"time"

	"healthpassport/models"
)

// The disclosure rule in words, from the figures models.Disclose applies, so
// that a page cannot say one rule while the figures follow another.
var (
	largestWithheldCount = strconv.Itoa(models.SmallestShownCount - 1)
	withheldCount        = models.Disclose(1).String() // "fewer than 8"
	countRounding        = strconv.Itoa(models.CountRounding)
)

// Dashboard is the outcomes as a person may see them: for a commissioner
// every figure has been through disclosure control, so that no figure
// points at a person; for practice staff the figures are exact.
type Dashboard struct {
	Filter    models.OutcomeFilter
	Practices []models.Organisation
	// Exact is true for practice staff, who may see their patients by
	// name anyway.
	Exact bool
	// Path is the dashboard's address, without filters.
	Path string

	DailyActive, WeeklyActive, MonthlyActive models.Figure

	// Freshness says when the figures were last brought up to date.
	Freshness string

	Measures   []MeasureTable
	Practice   MeasureTable // uptake at each practice
	ByPractice bool         // more than one practice to compare
}

// Cell is one figure of a measure's table, as the page and the spreadsheet
// show it and as the chart plots it.
type Cell struct {
	Text     string
	CSV      string
	Value    float64
	Plotted  bool // false for a withheld or unknown figure, which the chart leaves out
	Withheld bool // kept back by disclosure control: there is a figure, but it is small

	// A count keeps its figure, for protecting the cells beside it.
	figure  models.Figure
	counted bool
	added   bool // false where the total row does not add a column up
}

// MeasureRow is one period's figures, or the totals of the whole period.
type MeasureRow struct {
	Label string
	Start time.Time
	Cells []Cell
}

// MeasureTable is one measure: its table, and the columns its chart draws.
type MeasureTable struct {
	Key, Title string
	Definition string
	Columns    []string
	Rows       []MeasureRow
	Total      *MeasureRow // the whole period, where adding up makes sense
	Charted    []int       // the columns the chart draws, in its units
	Units      string      // of the charted columns
	Period     string      // what a row counts over: month or week
}

// Column is the figures of one column, period by period.
func (t MeasureTable) Column(i int) []Cell {
	cells := make([]Cell, len(t.Rows))
	for j, row := range t.Rows {
		cells[j] = row.Cells[i]
	}
	return cells
}

// AllRows are the periods and then the totals, as the table and the
// spreadsheet list them.
func (t MeasureTable) AllRows() []MeasureRow {
	if t.Total == nil {
		return t.Rows
	}
	return append(append([]MeasureRow(nil), t.Rows...), *t.Total)
}

// Measure is the table with the key, if there is one.
func (d Dashboard) Measure(key string) (MeasureTable, bool) {
	if key == d.Practice.Key {
		return d.Practice, true
	}
	for _, m := range d.Measures {
		if m.Key == key {
			return m, true
		}
	}
	return MeasureTable{}, false
}

// discloser shows counts to one kind of reader.
type discloser struct{ exact bool }

func (d discloser) figure(count int64) models.Figure {
	if d.exact {
		return models.Exact(count)
	}
	return models.Disclose(count)
}

func figureCell(f models.Figure) Cell {
	return Cell{Text: f.String(), CSV: f.CSV(), Value: float64(f.Count), Plotted: !f.Withheld, Withheld: f.Withheld, figure: f, counted: true}
}

func (d discloser) count(n int64) Cell { return figureCell(d.figure(n)) }

func rateCell(r models.Rate) Cell {
	return Cell{Text: r.String(), CSV: r.CSV(), Value: float64(r.Percent), Plotted: r.Known && !r.Withheld, Withheld: r.Withheld}
}

var withheldCell = Cell{Text: "withheld (small numbers)", CSV: "*", Withheld: true}

// enough says whether a median, a mean or a percentile over n people may
// be shown: over fewer than the smallest count shown, a commissioner could
// learn one person's.
func (d discloser) enough(n int64) bool { return d.exact || n >= models.SmallestShownCount }

// spread is a percentile of times, shown in units of minutes or days.
func (d discloser) spread(s *models.Spread, percentile int64, days bool) Cell {
	switch {
	case s.N() == 0:
		return Cell{Text: "none"}
	case !d.enough(s.N()):
		return withheldCell
	}
	v := s.Percentile(percentile)
	if days {
		return Cell{Text: plural(v, "day"), CSV: strconv.FormatInt(v, 10), Value: float64(v), Plotted: true}
	}
	hours := float64(v) / 60
	return Cell{Text: duration(v), CSV: strconv.FormatFloat(hours, 'f', 1, 64), Value: hours, Plotted: true}
}

// duration writes minutes as hours and minutes: "1 hour 30 minutes".
func duration(minutes int64) string {
	h, m := minutes/60, minutes%60
	switch {
	case h == 0:
		return plural(m, "minute")
	case m == 0:
		return plural(h, "hour")
	}
	return plural(h, "hour") + " " + plural(m, "minute")
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// ratio is the asthma medication ratio: preventer requests as a share of
// all inhaler requests, from the figures as shown, flagged in words below
// the 0.5 quality mark.
func ratio(preventer, reliever models.Figure) Cell {
	switch {
	case preventer.Withheld || reliever.Withheld:
		return withheldCell
	case preventer.Count+reliever.Count == 0:
		return Cell{Text: "no requests"}
	}
	r := float64(preventer.Count) / float64(preventer.Count+reliever.Count)
	text := strconv.FormatFloat(r, 'f', 2, 64)
	cell := Cell{Text: text, CSV: text, Value: r, Plotted: true}
	if r < 0.5 {
		cell.Text += " (below 0.5)"
	}
	return cell
}

// mean is the mean feedback score to one decimal place.
func (d discloser) mean(sum, n int64) Cell {
	switch {
	case n == 0:
		return Cell{Text: "no responses"}
	case !d.enough(n):
		return withheldCell
	}
	m := float64(sum) / float64(n)
	text := strconv.FormatFloat(m, 'f', 1, 64)
	return Cell{Text: text + " out of 5", CSV: text, Value: m, Plotted: true}
}

// FiguresUpTo says when figures were last brought up to date, as at now:
// "Figures up to 11:05am today", or the day when it was not today.
func FiguresUpTo(outcomes *models.Outcomes, now time.Time) string {
	if !outcomes.Counted {
		return "These figures are being counted for the first time. Check again in a few minutes."
	}
	at := outcomes.UpToDate.In(models.UK)
	if models.UKDay(at) == models.UKDay(now) {
		return "Figures up to " + clock(at) + " today."
	}
	return "Figures up to " + clock(at) + " on " + at.Format("2 January 2006") + "."
}

// PeriodLabel names a period: "March 2026", or the week by its Monday.
func PeriodLabel(start time.Time, by string) string {
	if by == models.ByWeek {
		return "Week of " + start.In(models.UK).Format("2 Jan 2006")
	}
	return start.In(models.UK).Format("January 2006")
}

// NewDashboard lays out the outcomes and uptake: disclosed for a
// commissioner, exact for practice staff.
func NewDashboard(filter models.OutcomeFilter, practices []models.Organisation, outcomes *models.Outcomes, uptake []models.PracticeUptake, exact bool, path string) Dashboard {
	x := discloser{exact: exact}
	d := Dashboard{Filter: filter, Practices: practices, Exact: exact, Path: path, ByPractice: len(practices) > 1,
		DailyActive:   x.figure(outcomes.Active.Daily),
		WeeklyActive:  x.figure(outcomes.Active.Weekly),
		MonthlyActive: x.figure(outcomes.Active.Monthly)}
	by := filter.Grouping()
	periods := outcomes.Periods
	total := models.PeriodOutcomes{Counts: map[string]int64{}, Spreads: map[string]*models.Spread{}}
	for _, p := range periods {
		for k, n := range p.Counts {
			total.Counts[k] += n
		}
		for k, s := range p.Spreads {
			if total.Spreads[k] == nil {
				total.Spreads[k] = &models.Spread{}
			}
			total.Spreads[k].Merge(s)
		}
		total.ScoreSum += p.ScoreSum
	}
	if len(periods) > 0 {
		last := periods[len(periods)-1]
		total.TotalRegistered, total.TotalActivated = last.TotalRegistered, last.TotalActivated
	}
	whole := fmt.Sprintf("All %d %ss", len(periods), by)

	// table builds a measure's table from one function of a period's
	// figures; standing columns (counts at the end of a period) have no
	// total.
	table := func(key, title, definition, units string, columns []string, charted []int, standing map[int]bool, cells func(p models.PeriodOutcomes, days int) []Cell) MeasureTable {
		t := MeasureTable{Key: key, Title: title, Definition: definition, Units: units, Columns: columns, Charted: charted, Period: by}
		for _, p := range periods {
			days := int(p.End.Sub(p.Start).Hours()+12) / 24
			t.Rows = append(t.Rows, MeasureRow{Label: PeriodLabel(p.Start, by), Start: p.Start, Cells: cells(p, days)})
		}
		days := 0
		if len(periods) > 0 {
			days = int(periods[len(periods)-1].End.Sub(periods[0].Start).Hours()+12) / 24
		}
		row := MeasureRow{Label: whole, Cells: cells(total, days)}
		for i := range row.Cells {
			if standing[i] {
				row.Cells[i] = Cell{Text: "not added up"}
			} else {
				row.Cells[i].added = true
			}
		}
		t.Total = &row
		return t
	}
	count := func(p models.PeriodOutcomes, measure string) Cell { return x.count(p.Counts[measure]) }
	perDay := func(n int64, days int) Cell {
		if days == 0 {
			return x.count(0)
		}
		return x.count((n + int64(days)/2) / int64(days))
	}

	d.Measures = []MeasureTable{
		table("uptake", "Registrations and accounts set up",
			"Patients registered with a passport, accounts set up by patients (activation), the share of registered patients with an account at the end of each "+by+", and the median days from registration to setting up an account.",
			"people", []string{"Registered", "Set up", "Activation rate at the end", "Median days to set up"}, []int{0, 1}, nil,
			func(p models.PeriodOutcomes, _ int) []Cell {
				registered, activated := x.figure(p.Counts[models.MeasureRegistered]), x.figure(p.Counts[models.MeasureActivated])
				return []Cell{figureCell(registered), figureCell(activated),
					rateCell(models.RateOf(x.figure(p.TotalActivated), x.figure(p.TotalRegistered))),
					x.spread(p.Spreads[models.SpreadActivationDays], 50, true)}
			}),
		table("use", "People using their passport",
			"Patients and carers who used the service at least once in the "+by+" (weekly or monthly active people), and how many used it on an average day (daily active people).",
			"people", []string{"Patients active", "Carers active", "Active on an average day"}, []int{0, 1, 2}, map[int]bool{0: true, 1: true},
			func(p models.PeriodOutcomes, days int) []Cell {
				return []Cell{count(p, models.MeasureActivePatients), count(p, models.MeasureActiveCarers),
					perDay(p.Counts[models.MeasurePatientDays]+p.Counts[models.MeasureCarerDays], days)}
			}),
		table("activity", "Readings, check-ins and shares",
			"Peak flow readings and symptom check-ins recorded, and shares with schools working at the end of each "+by+".",
			"readings", []string{"Peak flow readings", "Symptom check-ins", "Shares with schools working at the end"}, []int{0, 1}, nil,
			func(p models.PeriodOutcomes, _ int) []Cell {
				return []Cell{count(p, models.MeasureReadings), count(p, models.MeasureCheckIns), count(p, models.MeasureSharesActive)}
			}),
		table("safety", "Red zones and alerts",
			"Readings and check-ins in the red zone, the alerts they raised for the clinic, those a nurse has acknowledged, and the median and 90th percentile time from an alert to a nurse acknowledging it, by the "+by+" the alert was raised.",
			"hours", []string{"Red-zone readings", "Alerts", "Acknowledged", "Median time to acknowledge", "90th percentile time to acknowledge"}, []int{3, 4}, nil,
			func(p models.PeriodOutcomes, _ int) []Cell {
				return []Cell{count(p, models.MeasureRedZone), count(p, models.MeasureAlerts), count(p, models.MeasureAlertsAcknowledged),
					x.spread(p.Spreads[models.SpreadAcknowledge], 50, false), x.spread(p.Spreads[models.SpreadAcknowledge], 90, false)}
			}),
		table("prescriptions", "Repeat prescriptions",
			"Repeat prescription requests, those made ready to collect, and the median and 90th percentile time from request to ready, by the "+by+" of the request.",
			"hours", []string{"Requests", "Ready", "Median time to ready", "90th percentile time to ready"}, []int{2, 3}, nil,
			func(p models.PeriodOutcomes, _ int) []Cell {
				return []Cell{count(p, models.MeasureRequests), count(p, models.MeasureRequestsReady),
					x.spread(p.Spreads[models.SpreadReady], 50, false), x.spread(p.Spreads[models.SpreadReady], 90, false)}
			}),
		table("reviews", "Reviews",
			"Reviews done, those done by the date the review before set (on time), reviews falling due, and patients past their review date without a review at the end of each "+by+".",
			"reviews", []string{"Done", "Done on time", "On-time rate", "Falling due", "Overdue at the end"}, []int{0, 4}, map[int]bool{4: true},
			func(p models.PeriodOutcomes, _ int) []Cell {
				done, onTime := x.figure(p.Counts[models.MeasureReviews]), x.figure(p.Counts[models.MeasureReviewsOnTime])
				return []Cell{figureCell(done), figureCell(onTime), rateCell(models.RateOf(onTime, done)),
					count(p, models.MeasureReviewsDue), count(p, models.MeasureReviewsOverdue)}
			}),
		table("unplanned-care", "Unplanned care",
			"Answers at check-ins and reviews to whether the person needed an urgent GP or out-of-hours appointment, A&E or a stay in hospital because of their condition since they were last asked (the most serious is counted).",
			"answers", []string{"Answers", "None needed", "Urgent GP or out of hours", "A&E", "Stay in hospital", "Share needing any"}, []int{2, 3, 4}, nil,
			func(p models.PeriodOutcomes, _ int) []Cell {
				var answers int64
				for _, answer := range models.UnplannedCareChoices {
					answers += p.Counts[models.MeasureUnplanned(answer)]
				}
				any := answers - p.Counts[models.MeasureUnplanned(models.UnplannedNone)]
				return []Cell{x.count(answers), count(p, models.MeasureUnplanned(models.UnplannedNone)),
					count(p, models.MeasureUnplanned(models.UnplannedUrgentGP)), count(p, models.MeasureUnplanned(models.UnplannedAE)),
					count(p, models.MeasureUnplanned(models.UnplannedHospital)), rateCell(models.RateOf(x.figure(any), x.figure(answers)))}
			}),
		table("asthma-control", "Asthma control",
			"Answers to the Royal College of Physicians' three questions at asthma check-ins and reviews: no yes means well controlled, one yes partly controlled, and two or three poorly controlled.",
			"per cent", []string{"Asked", "Well controlled", "Partly controlled", "Poorly controlled", "Share well controlled"}, []int{4}, nil,
			func(p models.PeriodOutcomes, _ int) []Cell {
				well, partly := p.Counts[models.MeasureRCP(0)], p.Counts[models.MeasureRCP(1)]
				poorly := p.Counts[models.MeasureRCP(2)] + p.Counts[models.MeasureRCP(3)]
				asked := x.figure(well + partly + poorly)
				return []Cell{figureCell(asked), x.count(well), x.count(partly), x.count(poorly), rateCell(models.RateOf(x.figure(well), asked))}
			}),
		table("medication-ratio", "Asthma medication ratio",
			fmt.Sprintf("Preventer inhaler requests as a share of all asthma inhaler requests; 0.5 or more is the usual quality mark. Reliever over-use counts people asking for a reliever inhaler %d or more times in the %s.", models.RelieverOveruse, by),
			"ratio", []string{"Preventer requests", "Reliever requests", "Ratio", "People over-using relievers"}, []int{2}, nil,
			func(p models.PeriodOutcomes, _ int) []Cell {
				preventer, reliever := x.figure(p.Counts[models.MeasurePreventerRequests]), x.figure(p.Counts[models.MeasureRelieverRequests])
				return []Cell{figureCell(preventer), figureCell(reliever), ratio(preventer, reliever), count(p, models.MeasureRelieverOveruse)}
			}),
		table("satisfaction", "Satisfaction",
			"Feedback scores from patients and carers, from 1 (very dissatisfied) to 5 (very satisfied): how many gave one, the mean, and how many gave each score. Comments are not shown.",
			"out of 5", []string{"Responses", "Mean score", "Score 1", "Score 2", "Score 3", "Score 4", "Score 5"}, []int{1}, nil,
			func(p models.PeriodOutcomes, _ int) []Cell {
				cells := []Cell{count(p, models.MeasureFeedback), x.mean(p.ScoreSum, p.Counts[models.MeasureFeedback])}
				for score := 1; score <= 5; score++ {
					cells = append(cells, count(p, models.MeasureScore(score)))
				}
				return cells
			}),
	}
	if !exact {
		for i := range d.Measures {
			withholdComplements(&d.Measures[i])
		}
	}
	d.Practice = practiceTable(uptake, x)
	return d
}

// withholdComplements protects each counted column with a total: a
// single withheld period could be worked out from the total.
func withholdComplements(t *MeasureTable) {
	if t.Total == nil {
		return
	}
	for i := range t.Columns {
		if !t.Total.Cells[i].added {
			continue
		}
		figures := make([]models.Figure, len(t.Rows))
		cells := make([]*models.Figure, len(t.Rows))
		counted := true
		for j, row := range t.Rows {
			if !row.Cells[i].counted {
				counted = false
				break
			}
			figures[j], cells[j] = row.Cells[i].figure, &figures[j]
		}
		if !counted {
			continue
		}
		models.WithholdComplement(cells)
		for j := range t.Rows {
			if figures[j].Withheld {
				t.Rows[j].Cells[i] = figureCell(figures[j])
			}
		}
	}
}

// practiceTable is the uptake at each practice, with the whole area last.
func practiceTable(uptake []models.PracticeUptake, x discloser) MeasureTable {
	t := MeasureTable{Key: "practices", Title: "Passports by practice",
		Definition: "Patients registered and accounts set up at each practice, to date, for the filters chosen.",
		Columns:    []string{"Registered", "Set up", "Activation rate"}, Units: "people"}
	var registered, activated int64
	for _, u := range uptake {
		r, a := x.figure(u.Registered), x.figure(u.Activated)
		t.Rows = append(t.Rows, MeasureRow{Label: u.PracticeName, Cells: []Cell{figureCell(r), figureCell(a), rateCell(models.RateOf(a, r))}})
		registered += u.Registered
		activated += u.Activated
	}
	r, a := x.figure(registered), x.figure(activated)
	t.Total = &MeasureRow{Label: "All practices", Cells: []Cell{figureCell(r), figureCell(a), rateCell(models.RateOf(a, r))}}
	t.Total.Cells[0].added, t.Total.Cells[1].added = true, true
	if !x.exact {
		// Each practice's own figure can be seen by filtering the dashboard
		// to that practice, so withholding a second practice beside a small
		// one would not stop its count being worked out from the total:
		// the total is withheld instead, where any practice's figure is.
		for i := range 2 {
			for _, row := range t.Rows {
				if row.Cells[i].figure.Withheld {
					t.Total.Cells[i] = figureCell(models.Figure{Withheld: true})
					break
				}
			}
		}
		// A rate is worked out from the figures as shown.
		for i, row := range append(t.Rows, *t.Total) {
			cell := rateCell(models.RateOf(row.Cells[1].figure, row.Cells[0].figure))
			if i < len(t.Rows) {
				t.Rows[i].Cells[2] = cell
			} else {
				t.Total.Cells[2] = cell
			}
		}
	}
	return t
}
