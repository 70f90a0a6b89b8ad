package views

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"healthpassport/models"
)

// MeasureChart lays out a server-drawn SVG line chart of a measure's
// charted columns, period by period, at the width of the narrowest phone.
// Each line has its own dash pattern and marker shape as well as its own
// colour, so no line is told apart by colour alone; the page gives the same
// figures as a table, and the chart a summary in words.
type MeasureChart struct {
	ID                     string
	Title, Units           string
	Width, Height          int
	Left, Right, Top, Base int
	Max                    float64
	Series                 []ChartSeries
	First, Last            string // the first and last periods' labels
	Summary                string
}

// ChartSeries is one charted column: its line broken where a figure is
// withheld or unknown.
type ChartSeries struct {
	Name     string
	Colour   string
	Dash     string // stroke-dasharray, "" for a solid line
	Marker   string // circle, square or triangle
	Segments []string
	Points   []ChartMark
	// NotDrawn says why a column with no figure to plot has no line, for
	// the key to say instead of showing a line nobody can find.
	NotDrawn string
}

// ChartMark is one plotted figure.
type ChartMark struct{ X, Y int }

// The lines' looks, in order: NHS blue solid with circles, purple dashed
// with squares, dark green dotted with triangles.
var chartLooks = []struct{ colour, dash, marker string }{
	{"#005eb8", "", "circle"}, {"#330072", "8 4", "square"}, {"#007f3b", "2 3", "triangle"},
}

// NewMeasureChart places a table's charted columns.
func NewMeasureChart(t MeasureTable) MeasureChart {
	c := MeasureChart{ID: "chart-" + t.Key, Title: t.Title, Units: t.Units, Width: chartWidth, Height: 200,
		Left: chartPlotLeft + 8, Right: chartWidth - 8, Top: 8, Base: 170}
	if len(t.Rows) == 0 {
		return c
	}
	c.First, c.Last = t.Rows[0].Label, t.Rows[len(t.Rows)-1].Label
	for _, i := range t.Charted {
		for _, cell := range t.Column(i) {
			if cell.Plotted && cell.Value > c.Max {
				c.Max = cell.Value
			}
		}
	}
	c.Max = niceCeiling(c.Max)
	step := 0.0
	if len(t.Rows) > 1 {
		step = float64(c.Right-c.Left) / float64(len(t.Rows)-1)
	}
	var summary []string
	for n, i := range t.Charted {
		look := chartLooks[n%len(chartLooks)]
		s := ChartSeries{Name: t.Columns[i], Colour: look.colour, Dash: look.dash, Marker: look.marker}
		var segment []string
		for j, cell := range t.Column(i) {
			if !cell.Plotted {
				if len(segment) > 0 {
					s.Segments = append(s.Segments, strings.Join(segment, " "))
				}
				segment = nil
				continue
			}
			mark := ChartMark{X: c.Left + int(math.Round(step*float64(j))), Y: c.Base - int(math.Round(float64(c.Base-c.Top)*cell.Value/c.Max))}
			s.Points = append(s.Points, mark)
			segment = append(segment, fmt.Sprintf("%d,%d", mark.X, mark.Y))
		}
		if len(segment) > 0 {
			s.Segments = append(s.Segments, strings.Join(segment, " "))
		}
		if len(s.Points) == 0 {
			s.NotDrawn = notDrawn(t.Column(i))
		}
		c.Series = append(c.Series, s)
		summary = append(summary, seriesSummary(t, i))
	}
	c.Summary = strings.Join(summary, " ")
	return c
}

// notDrawn says why a column has no line: every figure withheld, or none
// to show yet.
func notDrawn(column []Cell) string {
	for _, cell := range column {
		if !cell.Withheld {
			return "no line: there are no figures to show yet"
		}
	}
	return "no line: every figure is withheld (small numbers)"
}

// seriesSummary says in words where a column started and ended, and its
// highest figure. A withheld count is more than 0 and fewer than the
// smallest count shown, so where every figure shown is smaller, the highest
// is one of the withheld; any other withheld figure could be anything, so
// the highest is only the highest shown.
func seriesSummary(t MeasureTable, i int) string {
	column := t.Column(i)
	name := t.Columns[i]
	first, last, high := -1, -1, -1
	var withheld []int
	countsOnly := true
	for j, cell := range column {
		if cell.Withheld {
			withheld = append(withheld, j)
			countsOnly = countsOnly && cell.counted
		}
		if !cell.Plotted && !cell.Withheld {
			continue
		}
		if first < 0 {
			first = j
		}
		last = j
		if cell.Plotted && (high < 0 || cell.Value > column[high].Value) {
			high = j
		}
	}
	if high < 0 {
		return fmt.Sprintf("%s: no figure can be shown for %s to %s.", name, t.Rows[0].Label, t.Rows[len(t.Rows)-1].Label)
	}
	span := fmt.Sprintf("%s: %s in %s, %s in %s", name, column[first].Text, t.Rows[first].Label, column[last].Text, t.Rows[last].Label)
	switch {
	case len(withheld) == 0:
		return fmt.Sprintf("%s; highest %s in %s.", span, column[high].Text, t.Rows[high].Label)
	case countsOnly && column[high].Value >= models.SmallestShownCount:
		return fmt.Sprintf("%s; highest %s in %s.", span, column[high].Text, t.Rows[high].Label)
	case countsOnly && len(withheld) == 1:
		return fmt.Sprintf("%s; highest %s in %s.", span, column[withheld[0]].Text, t.Rows[withheld[0]].Label)
	case countsOnly:
		return fmt.Sprintf("%s; highest %s, in %d %ss.", span, column[withheld[0]].Text, len(withheld), t.Period)
	}
	return fmt.Sprintf("%s; highest shown %s in %s.", span, column[high].Text, t.Rows[high].Label)
}

// niceCeiling rounds a chart's top up to 1, 2 or 5 times a power of ten.
func niceCeiling(v float64) float64 {
	if v <= 0 {
		return 1
	}
	power := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*power {
			return m * power
		}
	}
	return 10 * power
}

// ViewBox is the chart's coordinate space.
func (c MeasureChart) ViewBox() string { return fmt.Sprintf("0 0 %d %d", c.Width, c.Height) }

// MaxLabel is the top of the scale, written as the figures are.
func (c MeasureChart) MaxLabel() string {
	if c.Max < 10 && c.Max != math.Trunc(c.Max) {
		return strconv.FormatFloat(c.Max, 'f', 1, 64)
	}
	return strconv.FormatFloat(c.Max, 'f', -1, 64)
}

// MarkerPath draws a marker shape at a point, for a path's d attribute.
func (s ChartSeries) MarkerPath(m ChartMark) string {
	const r = chartPointSize
	switch s.Marker {
	case "square":
		return fmt.Sprintf("M%d %dh%dv%dh%dz", m.X-r, m.Y-r, 2*r, 2*r, -2*r)
	case "triangle":
		return fmt.Sprintf("M%d %dL%d %dL%d %dz", m.X, m.Y-r-1, m.X+r+1, m.Y+r, m.X-r-1, m.Y+r)
	}
	return fmt.Sprintf("M%d %da%d %d 0 1 0 %d 0a%d %d 0 1 0 %d 0", m.X-r, m.Y, r, r, 2*r, r, r, -2*r)
}

// KeyMark is the series' marker in the key's small drawing.
func (s ChartSeries) KeyMark() string { return s.MarkerPath(ChartMark{X: 16, Y: 8}) }
