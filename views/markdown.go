package views

import "strings"

// The hazard log is kept as Markdown beside the code and shown in the
// service as it is. Only the part of Markdown the log uses is read:
// headings, paragraphs, lists of items (whose lines may run on, indented),
// bold and code spans. Everything else is text; nothing in the file is
// ever written to the page as HTML, because the blocks are rendered by a
// templ component, which escapes their text.

// MarkdownBlock is a heading, a paragraph or a list.
type MarkdownBlock struct {
	Kind  string // "heading", "paragraph" or "list"
	Level int    // of a heading: 1 for #, 2 for ## and so on
	Spans []MarkdownSpan
	Items [][]MarkdownSpan // of a list
}

// MarkdownSpan is a run of text, bold or code.
type MarkdownSpan struct {
	Kind string // "text", "bold" or "code"
	Text string
}

// Kinds of block and span.
const (
	MarkdownHeading   = "heading"
	MarkdownParagraph = "paragraph"
	MarkdownList      = "list"
	MarkdownText      = "text"
	MarkdownBold      = "bold"
	MarkdownCode      = "code"
)

// ParseMarkdown reads the blocks of a document. A blank line ends a
// paragraph or a list; a line starting "- " starts a list item, and the
// indented lines after it continue it.
func ParseMarkdown(source string) []MarkdownBlock {
	var blocks []MarkdownBlock
	var lines []string // of the paragraph or list item being read
	var items [][]MarkdownSpan
	endItem := func() {
		if lines != nil {
			items = append(items, parseSpans(strings.Join(lines, " ")))
			lines = nil
		}
	}
	end := func() {
		switch {
		case items != nil:
			endItem()
			blocks = append(blocks, MarkdownBlock{Kind: MarkdownList, Items: items})
			items = nil
		case lines != nil:
			blocks = append(blocks, MarkdownBlock{Kind: MarkdownParagraph, Spans: parseSpans(strings.Join(lines, " "))})
			lines = nil
		}
	}
	for _, line := range strings.Split(strings.ReplaceAll(source, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			end()
		case headingLevel(trimmed) > 0:
			end()
			level := headingLevel(trimmed)
			blocks = append(blocks, MarkdownBlock{Kind: MarkdownHeading, Level: level, Spans: parseSpans(strings.TrimSpace(trimmed[level:]))})
		case strings.HasPrefix(trimmed, "- ") && !strings.HasPrefix(line, " "):
			if items == nil && lines != nil {
				end() // a list straight after a paragraph
			}
			endItem()
			if items == nil {
				items = [][]MarkdownSpan{}
			}
			lines = []string{strings.TrimSpace(trimmed[2:])}
		default:
			lines = append(lines, trimmed)
		}
	}
	end()
	return blocks
}

// headingLevel is the number of #s that start a heading line, or 0.
func headingLevel(line string) int {
	level := 0
	for level < len(line) && line[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || level == len(line) || line[level] != ' ' {
		return 0
	}
	return level
}

// parseSpans splits text into plain, **bold** and `code` spans. A marker
// with no partner is kept as text.
func parseSpans(text string) []MarkdownSpan {
	var spans []MarkdownSpan
	var plain strings.Builder
	flush := func() {
		if plain.Len() > 0 {
			spans = append(spans, MarkdownSpan{Kind: MarkdownText, Text: plain.String()})
			plain.Reset()
		}
	}
	for len(text) > 0 {
		kind, marker := "", ""
		switch {
		case strings.HasPrefix(text, "`"):
			kind, marker = MarkdownCode, "`"
		case strings.HasPrefix(text, "**"):
			kind, marker = MarkdownBold, "**"
		}
		if kind != "" {
			if end := strings.Index(text[len(marker):], marker); end > 0 {
				flush()
				spans = append(spans, MarkdownSpan{Kind: kind, Text: text[len(marker) : len(marker)+end]})
				text = text[2*len(marker)+end:]
				continue
			}
		}
		plain.WriteByte(text[0])
		text = text[1:]
	}
	flush()
	return spans
}
