package views

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestParseMarkdown(t *testing.T) {
	text := func(s string) MarkdownSpan { return MarkdownSpan{Kind: MarkdownText, Text: s} }
	bold := func(s string) MarkdownSpan { return MarkdownSpan{Kind: MarkdownBold, Text: s} }
	code := func(s string) MarkdownSpan { return MarkdownSpan{Kind: MarkdownCode, Text: s} }
	spans := func(s ...MarkdownSpan) []MarkdownSpan { return s }
	for _, tc := range []struct {
		name, source string
		want         []MarkdownBlock
	}{
		{"heading", "# Hazard log", []MarkdownBlock{{Kind: MarkdownHeading, Level: 1, Spans: spans(text("Hazard log"))}}},
		{"second level", "## H1. Wrong plan", []MarkdownBlock{{Kind: MarkdownHeading, Level: 2, Spans: spans(text("H1. Wrong plan"))}}},
		{"hash without a space is text", "#hashtag", []MarkdownBlock{{Kind: MarkdownParagraph, Spans: spans(text("#hashtag"))}}},
		{"paragraph lines join", "one\ntwo\n\nthree", []MarkdownBlock{
			{Kind: MarkdownParagraph, Spans: spans(text("one two"))},
			{Kind: MarkdownParagraph, Spans: spans(text("three"))}}},
		{"bold and code", "**Controls.** see `handlers.TestX` now", []MarkdownBlock{
			{Kind: MarkdownParagraph, Spans: spans(bold("Controls."), text(" see "), code("handlers.TestX"), text(" now"))}}},
		{"unpaired markers stay text", "2 ** 3 and a ` tick", []MarkdownBlock{
			{Kind: MarkdownParagraph, Spans: spans(text("2 ** 3 and a ` tick"))}}},
		{"list items run on", "**Controls.**\n- First control. Tests:\n  `a.TestOne`.\n- Second.\n\nAfter.", []MarkdownBlock{
			{Kind: MarkdownParagraph, Spans: spans(bold("Controls."))},
			{Kind: MarkdownList, Items: [][]MarkdownSpan{spans(text("First control. Tests: "), code("a.TestOne"), text(".")), spans(text("Second."))}},
			{Kind: MarkdownParagraph, Spans: spans(text("After."))}}},
		{"windows line ends", "a\r\nb", []MarkdownBlock{{Kind: MarkdownParagraph, Spans: spans(text("a b"))}}},
		{"nothing", "\n\n", nil},
	} {
		if got := ParseMarkdown(tc.source); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %#v\nwant %#v", tc.name, got, tc.want)
		}
	}
}

// TestMarkdownIsEscaped: nothing in the document reaches the page as HTML.
func TestMarkdownIsEscaped(t *testing.T) {
	var out bytes.Buffer
	source := "# <script>alert(1)</script>\n\n**<b>bold</b>** `<img src=x onerror=alert(1)>` <a href=\"javascript:x\">link</a>\n\n- <i>item</i>"
	if err := markdown(ParseMarkdown(source)).Render(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	html := out.String()
	for _, bad := range []string{"<script", "<b>", "<img", "<a ", "<i>"} {
		if strings.Contains(html, bad) {
			t.Errorf("%q reached the page: %s", bad, html)
		}
	}
	for _, want := range []string{"&lt;script&gt;", "<strong>&lt;b&gt;bold&lt;/b&gt;</strong>", "<code>&lt;img", "<li>&lt;i&gt;item&lt;/i&gt;</li>"} {
		if !strings.Contains(html, want) {
			t.Errorf("want %q in %s", want, html)
		}
	}
}
