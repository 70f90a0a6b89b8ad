package views

import (
	"fmt"
	"strings"
	"time"

	"healthpassport/models"
)

// PeakFlowChart lays out a server-drawn SVG chart of peak flow readings
// over the zone bands. It needs no script; the page also shows the same
// readings as a table.
type PeakFlowChart struct {
	Width, Height          int
	Left, Right, Top, Base int
	Max                    int
	Thresholds             models.PeakFlow
	Points                 []ChartPoint
	From, To               time.Time
}

// ChartPoint is one reading on the chart.
type ChartPoint struct {
	X, Y   int
	Litres int
	At     time.Time
	Zone   string
}

// The chart is drawn at the width of the narrowest phone's page, 288 pixels
// inside its margins at 320, and grows from there: its labels are never
// smaller than ChartFontSize, 14 pixels at 320 wide. Its labels sit outside
// the plotting area, so no reading covers one; the zones are named in the
// key under the chart.
const (
	ChartFontSize   = 14
	chartWidth      = 320
	chartPlotLeft   = 40 // room for the axis labels, right-aligned before it
	chartPointSize  = 4  // radius of a reading's dot
	chartLabelSpace = 6  // gap between a label and the plotting area
)

// NewPeakFlowChart places readings taken between from and to.
func NewPeakFlowChart(readings []models.ReadingEntry, thresholds models.PeakFlow, from, to time.Time) PeakFlowChart {
	c := PeakFlowChart{Width: chartWidth, Height: 200, Left: chartPlotLeft, Right: chartWidth - 8, Top: 8, Base: 170, Thresholds: thresholds, From: from, To: to}
	c.Max = thresholds.PersonalBest * 12 / 10
	for _, r := range readings {
		if r.PeakFlow != nil && *r.PeakFlow > c.Max {
			c.Max = *r.PeakFlow
		}
	}
	c.Max = (c.Max + 99) / 100 * 100
	span := to.Sub(from).Seconds()
	for _, r := range readings {
		if r.PeakFlow == nil {
			continue
		}
		x := c.Left + int(float64(c.Right-c.Left)*r.CreatedAt.Sub(from).Seconds()/span)
		c.Points = append(c.Points, ChartPoint{X: x, Y: c.y(*r.PeakFlow), Litres: *r.PeakFlow, At: r.CreatedAt, Zone: r.Zone})
	}
	return c
}

func (c PeakFlowChart) y(litres int) int {
	return c.Base - (c.Base-c.Top)*litres/c.Max
}

// ViewBox is the chart's coordinate space.
func (c PeakFlowChart) ViewBox() string { return fmt.Sprintf("0 0 %d %d", c.Width, c.Height) }

// Line joins the readings in time order.
func (c PeakFlowChart) Line() string {
	points := make([]string, len(c.Points))
	for i, p := range c.Points {
		points[i] = fmt.Sprintf("%d,%d", p.X, p.Y)
	}
	return strings.Join(points, " ")
}

// Band is one zone's stripe of the chart.
type Band struct {
	Y, Height int
	Zone      string
	Fill      string
	Label     string
}

// Bands are the green, amber and red stripes behind the readings, from
// top to bottom, each named in words in the key.
func (c PeakFlowChart) Bands() []Band {
	red, amber := c.y(c.Thresholds.RedBelow), c.y(c.Thresholds.AmberBelow)
	return []Band{
		{Y: c.Top, Height: amber - c.Top, Zone: models.ZoneGreen, Fill: "#e6f4ea", Label: fmt.Sprintf("Green zone: %d or more", c.Thresholds.AmberBelow)},
		{Y: amber, Height: red - amber, Zone: models.ZoneAmber, Fill: "#fff4d6", Label: fmt.Sprintf("Amber zone: below %d", c.Thresholds.AmberBelow)},
		{Y: red, Height: c.Base - red, Zone: models.ZoneRed, Fill: "#fbe3e1", Label: fmt.Sprintf("Red zone: below %d", c.Thresholds.RedBelow)},
	}
}

// Description says in words what the chart shows.
func (c PeakFlowChart) Description() string {
	if len(c.Points) == 0 {
		return fmt.Sprintf("No peak flow readings between %s and %s.", FormatDate(c.From), FormatDate(c.To))
	}
	low, high := c.Points[0], c.Points[0]
	counts := map[string]int{}
	for _, p := range c.Points {
		if p.Litres < low.Litres {
			low = p
		}
		if p.Litres > high.Litres {
			high = p
		}
		counts[p.Zone]++
	}
	return fmt.Sprintf("%d peak flow readings between %s and %s: %d in the green zone, %d in the amber zone and %d in the red zone. Lowest %d on %s. Highest %d on %s.",
		len(c.Points), FormatDate(c.From), FormatDate(c.To), counts[models.ZoneGreen], counts[models.ZoneAmber], counts[models.ZoneRed],
		low.Litres, FormatDate(low.At), high.Litres, FormatDate(high.At))
}
