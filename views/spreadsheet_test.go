package views_test

import (
	"strings"
	"testing"

	"healthpassport/views"
)

func TestSpreadsheetCellsNeverStartAFormulaFromText(t *testing.T) {
	cases := []struct {
		cell views.SpreadsheetCell
		want string
	}{
		{views.TextCell(`=HYPERLINK("http://evil.test","Open")`), `'=HYPERLINK("http://evil.test","Open")`},
		{views.TextCell("+44 7700 900123"), "'+44 7700 900123"},
		{views.TextCell("-2+3"), "'-2+3"},
		{views.TextCell("-3"), "'-3"}, // text that looks like a number is still text
		{views.TextCell("@SUM(A1)"), "'@SUM(A1)"},
		{views.TextCell("\t=1+1"), "'\t=1+1"},
		{views.TextCell("\r=1+1"), "'\r=1+1"},
		{views.TextCell("Riverside Primary School"), "Riverside Primary School"},
		{views.TextCell("O'Brien = tutor"), "O'Brien = tutor"},
		{views.TextCell(""), ""},
		{views.FigureCell("-3"), "-3"}, // a change worked out by our code stays a number
		{views.FigureCell("12.5"), "12.5"},
		{views.FigureCell("*"), "*"},
		{views.FigureCell(""), ""},
		{views.FigureCell("=1+1"), "'=1+1"}, // a figure that is not one is made safe like text
		{views.FigureCell("-1+1"), "'-1+1"},
		{views.FigureCell("+1"), "'+1"},
	}
	for _, c := range cases {
		if got := c.cell.Written(); got != c.want {
			t.Errorf("%q written as %q; want %q", c.want, got, c.want)
		}
	}
}

func TestSpreadsheetWriterWritesTypedRows(t *testing.T) {
	var out strings.Builder
	w := views.NewSpreadsheetWriter(&out)
	w.Header("Practice", "Change")
	w.Row(views.TextCell("=cmd|' /C calc'!A0"), views.FigureCell("-4"))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := "Practice,Change\n'=cmd|' /C calc'!A0,-4\n"; out.String() != want {
		t.Errorf("wrote %q; want %q", out.String(), want)
	}
}
