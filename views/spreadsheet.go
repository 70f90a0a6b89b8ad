package views

import (
	"encoding/csv"
	"io"
	"regexp"
	"strings"
)

// Every CSV file the service sends is written by a SpreadsheetWriter, so
// that no cell of it is run as a formula when an administrator or
// commissioner opens it in a spreadsheet. A spreadsheet reads a cell that
// starts with = + - or @ (or a tab or carriage return before one) as a
// formula: a patient who shares with =HYPERLINK(…) or a client named
// @SUM(…) would otherwise put a live formula in front of staff. Following
// OWASP, such text cells are written with a single quote first, which the
// spreadsheet shows as text and does not display.
//
// Cells are typed. Text that came from people is always made safe. A
// figure our own code worked out (a count, a rate, a change that may be
// negative) is written as it is, so that -3 stays a number the
// spreadsheet can add up; a figure cell holding anything but a plain
// number is made safe like text, so a mistake cannot open a hole.

// SpreadsheetCell is one cell of a CSV file.
type SpreadsheetCell struct {
	value  string
	figure bool
}

// TextCell is text, neutralised if a spreadsheet would read it as a formula.
func TextCell(text string) SpreadsheetCell { return SpreadsheetCell{value: text} }

// FigureCell is a number our own code formatted, or the * of a withheld
// figure, or empty where there is none; it is written as it is.
func FigureCell(figure string) SpreadsheetCell { return SpreadsheetCell{value: figure, figure: true} }

// plainFigure is what a figure cell may hold and still be written as it is.
var plainFigure = regexp.MustCompile(`^(-?[0-9]+(\.[0-9]+)?|\*|)$`)

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula.
const formulaStarts = "=+-@\t\r"

// Written is the cell as it goes into the file.
func (c SpreadsheetCell) Written() string {
	if c.figure && plainFigure.MatchString(c.value) {
		return c.value
	}
	if c.value != "" && strings.ContainsRune(formulaStarts, rune(c.value[0])) {
		return "'" + c.value
	}
	return c.value
}

// SpreadsheetWriter writes rows of typed cells as CSV.
type SpreadsheetWriter struct {
	out *csv.Writer
}

// NewSpreadsheetWriter writes CSV to w.
func NewSpreadsheetWriter(w io.Writer) *SpreadsheetWriter {
	return &SpreadsheetWriter{out: csv.NewWriter(w)}
}

// Row writes one row.
func (w *SpreadsheetWriter) Row(cells ...SpreadsheetCell) error {
	record := make([]string, len(cells))
	for i, cell := range cells {
		record[i] = cell.Written()
	}
	return w.out.Write(record)
}

// Header writes a row of column names, which are text.
func (w *SpreadsheetWriter) Header(names ...string) error {
	cells := make([]SpreadsheetCell, len(names))
	for i, name := range names {
		cells[i] = TextCell(name)
	}
	return w.Row(cells...)
}

// Flush sends what is buffered and reports the first error of the file.
func (w *SpreadsheetWriter) Flush() error {
	w.out.Flush()
	return w.out.Error()
}
