package e2e

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

var auditReport = flag.String("audit-report", "", "write a Markdown report of every screen, checker and mode to this file")

// screen is one page of the service, with JavaScript on or off.
type screen struct {
	Page string
	JS   bool
}

// sweep is what the checkers found on every screen the suite reached.
type sweep struct {
	visits   map[screen]int
	findings map[screen][]finding
}

func newSweep() *sweep {
	return &sweep{visits: map[screen]int{}, findings: map[screen][]finding{}}
}

// visit notes a visit to a screen and what was found there.
func (s *sweep) visit(sc screen, found []finding) {
	s.visits[sc]++
	s.add(sc, found)
}

// add notes what was found on a screen; a problem found on several visits
// is listed once.
func (s *sweep) add(sc screen, found []finding) {
	for _, f := range found {
		if !slices.Contains(s.findings[sc], f) {
			s.findings[sc] = append(s.findings[sc], f)
		}
	}
}

func (s *sweep) pages() int {
	pages := map[string]bool{}
	for sc := range s.visits {
		pages[sc.Page] = true
	}
	return len(pages)
}

func (s *sweep) count(sc screen, engine string) int {
	n := 0
	for _, f := range s.findings[sc] {
		if f.Engine == engine {
			n++
		}
	}
	return n
}

func (s *sweep) screens() []screen {
	var screens []screen
	for sc := range s.visits {
		screens = append(screens, sc)
	}
	slices.SortFunc(screens, func(a, b screen) int {
		return cmp.Or(strings.Compare(a.Page, b.Page), strings.Compare(onOff(b.JS), onOff(a.JS)))
	})
	return screens
}

// summary is the line the suite prints at the end.
func (s *sweep) summary() string {
	totals := map[string]int{}
	for sc := range s.visits {
		for _, engine := range engines {
			totals[engine] += s.count(sc, engine)
		}
	}
	var parts []string
	for _, engine := range engines {
		parts = append(parts, fmt.Sprintf("%s %d", engine, totals[engine]))
	}
	return fmt.Sprintf("%d distinct pages, %d screens (page and JavaScript on or off) swept; findings: %s",
		s.pages(), len(s.visits), strings.Join(parts, ", "))
}

// writeReport writes the sweep as Markdown, for an accessibility auditor
// to read without running anything.
func (s *sweep) writeReport(path string, passed bool, took time.Duration) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Health Passport: accessibility and HTML audit\n\n")
	fmt.Fprintf(&b, "Written by `make audit` on %s. The browser tests walked every journey in Chromium, with JavaScript on and off, "+
		"at desktop width and at 320 pixels, and checked each page they reached with:\n\n", time.Now().UTC().Format("2 January 2006 at 15:04 UTC"))
	fmt.Fprintf(&b, "- **%s** %s: the WCAG 2.0, 2.1 and 2.2 A and AA rules\n", engineAxe, packageVersion("axe-core"))
	fmt.Fprintf(&b, "- **%s** %s: the WCAG 2.2 rule set, definite violations\n", engineIBM, packageVersion("accessibility-checker-engine"))
	fmt.Fprintf(&b, "- **%s** %s: errors in the HTML as served (JavaScript off) and as the browser holds it (JavaScript on)\n", engineNu, packageVersion("vnu-jar"))
	fmt.Fprintf(&b, "- **%s**: errors, failed scripts and Content-Security-Policy violations\n\n", engineConsole)
	result := "passed"
	if !passed {
		result = "failed"
	}
	fmt.Fprintf(&b, "The browser tests %s in %s. %s.\n\n", result, took.Round(time.Second), s.summary())
	fmt.Fprintf(&b, "Record numbers in addresses are shown as `:id`. One known exception is let through: the idle sign-out "+
		"warning's timed refresh without JavaScript, which WCAG 2.2.1 allows because the person is warned and can stay signed in.\n\n")

	fmt.Fprintf(&b, "## Screens\n\n| Page | JavaScript | Visits |")
	for _, engine := range engines {
		fmt.Fprintf(&b, " %s |", engine)
	}
	fmt.Fprintf(&b, "\n| --- | --- | ---: |%s\n", strings.Repeat(" ---: |", len(engines)))
	for _, sc := range s.screens() {
		fmt.Fprintf(&b, "| `%s` | %s | %d |", sc.Page, onOff(sc.JS), s.visits[sc])
		for _, engine := range engines {
			fmt.Fprintf(&b, " %d |", s.count(sc, engine))
		}
		b.WriteString("\n")
	}

	fmt.Fprintf(&b, "\n## Findings\n\n")
	found := false
	for _, sc := range s.screens() {
		if len(s.findings[sc]) == 0 {
			continue
		}
		found = true
		fmt.Fprintf(&b, "### `%s`, JavaScript %s\n\n", sc.Page, onOff(sc.JS))
		for _, f := range s.findings[sc] {
			fmt.Fprintf(&b, "- **%s** `%s`: %s\n", f.Engine, f.Rule, oneLine(f.Message))
			if f.Element != "" {
				fmt.Fprintf(&b, "  `` %s ``\n", oneLine(f.Element))
			}
		}
		b.WriteString("\n")
	}
	if !found {
		b.WriteString("No checker found a problem on any screen.\n")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func oneLine(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > 300 {
		text = text[:300] + "…"
	}
	return strings.ReplaceAll(text, "`", "'")
}

// packageVersion reads an npm package's version, for the report.
func packageVersion(name string) string {
	data, err := os.ReadFile(filepath.Join("..", "node_modules", name, "package.json"))
	if err != nil {
		return "(version unknown)"
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(data, &pkg) != nil {
		return "(version unknown)"
	}
	return pkg.Version
}
