// The hazard log is checked against the code: every test a control names
// must exist, so that renaming or removing a test cannot leave a control
// that nothing proves.
package clinicalsafety

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The hazards this product can cause, which the log must cover.
var requiredHazards = []string{
	"Wrong or stale plan shown",
	"Unfinished template text shown",
	"Plan shown to the wrong person",
	"Red reading not seen",
	"Lost plan update",
	"School shown too much",
	"Notification to the wrong person",
}

// The parts of a hazard in the DCB0129 shape, in order.
var parts = []string{"Hazard", "Cause", "Effect", "Initial risk", "Controls", "Residual risk"}

var (
	hazardHeading = regexp.MustCompile(`(?m)^## (H\d+)\. (.+)$`)
	testName      = regexp.MustCompile("`([a-z][a-z0-9/]*)\\.(Test[A-Za-z0-9_]+)`")
	riskRating    = regexp.MustCompile(`risk ([1-5])\.`)
)

// namedTest is a test a control names, by its package folder and function.
type namedTest struct{ pkg, name string }

func (n namedTest) String() string { return n.pkg + "." + n.name }

// checkLog finds what is wrong with a hazard log: a missing hazard or part,
// a control that names no test, a residual risk above the initial one, or a
// named test that exists tests does not know.
func checkLog(log string, exists func(namedTest) bool) []string {
	var problems []string
	headings := hazardHeading.FindAllStringSubmatchIndex(log, -1)
	found := map[string]bool{}
	for i, h := range headings {
		id, title := log[h[2]:h[3]], log[h[4]:h[5]]
		found[title] = true
		end := len(log)
		if i+1 < len(headings) {
			end = headings[i+1][0]
		}
		section := log[h[1]:end]
		last := -1
		for _, part := range parts {
			at := strings.Index(section, "**"+part+".**")
			if at < 0 || at < last {
				problems = append(problems, fmt.Sprintf("%s has no %q part in its place", id, part))
				continue
			}
			last = at
		}
		problems = append(problems, checkControls(id, section, exists)...)
		problems = append(problems, checkRisks(id, section)...)
	}
	for _, hazard := range requiredHazards {
		if !found[hazard] {
			problems = append(problems, fmt.Sprintf("the log has no hazard %q", hazard))
		}
	}
	return problems
}

// checkControls finds each control's named tests.
func checkControls(id, section string, exists func(namedTest) bool) []string {
	start := strings.Index(section, "**Controls.**")
	end := strings.Index(section, "**Residual risk.**")
	if start < 0 || end < start {
		return nil
	}
	var problems []string
	controls := strings.Split(section[start:end], "\n- ")[1:]
	if len(controls) == 0 {
		problems = append(problems, id+" lists no controls")
	}
	for i, control := range controls {
		names := testName.FindAllStringSubmatch(control, -1)
		if len(names) == 0 {
			problems = append(problems, fmt.Sprintf("%s control %d names no test", id, i+1))
		}
		for _, m := range names {
			if test := (namedTest{m[1], m[2]}); !exists(test) {
				problems = append(problems, fmt.Sprintf("%s control %d names %s, which does not exist", id, i+1, test))
			}
		}
	}
	return problems
}

// checkRisks reads the initial and residual risks: controls never make a
// risk worse.
func checkRisks(id, section string) []string {
	rating := func(part string) int {
		at := strings.Index(section, "**"+part+".**")
		if at < 0 {
			return 0
		}
		m := riskRating.FindStringSubmatch(strings.SplitN(section[at:], "\n\n", 2)[0])
		if m == nil {
			return 0
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	initial, residual := rating("Initial risk"), rating("Residual risk")
	switch {
	case initial == 0 || residual == 0:
		return []string{id + " gives its risks without a rating from 1 to 5"}
	case residual > initial:
		return []string{fmt.Sprintf("%s has a residual risk %d above its initial risk %d", id, residual, initial)}
	}
	return nil
}

// testsIn lists the test functions declared in the repository, by package
// folder, reading the source so that a test need not compile to be found.
func testsIn(root string) (map[namedTest]bool, error) {
	tests := map[namedTest]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		for _, decl := range file.Decls {
			if name := funcName(decl); strings.HasPrefix(name, "Test") {
				tests[namedTest{filepath.ToSlash(dir), name}] = true
			}
		}
		return nil
	})
	return tests, err
}

// TestEveryNamedTestExists checks the hazard log in this folder against the
// tests in the repository.
func TestEveryNamedTestExists(t *testing.T) {
	log, err := os.ReadFile("hazard-log.md")
	if err != nil {
		t.Fatal(err)
	}
	tests, err := testsIn(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	problems := checkLog(string(log), func(n namedTest) bool { return tests[n] })
	for _, problem := range problems {
		t.Error(problem)
	}
	if named := len(testName.FindAllString(string(log), -1)); named < len(requiredHazards) {
		t.Errorf("the log names %d tests; want at least one for each hazard", named)
	}
}

// TestTheCheckNoticesWhatIsWrong gives the check logs with one thing
// wrong each, and a right one.
func TestTheCheckNoticesWhatIsWrong(t *testing.T) {
	exists := func(n namedTest) bool { return n == namedTest{"handlers", "TestReal"} }
	hazard := func(title, controls, residual string) string {
		return "## H1. " + title + "\n\n**Hazard.** h\n\n**Cause.** c\n\n**Effect.** e\n\n**Initial risk.** Consequence major, likelihood medium: risk 4.\n\n" +
			"**Controls.**\n" + controls + "\n\n**Residual risk.** " + residual + "\n"
	}
	rest := ""
	for i, title := range requiredHazards[1:] {
		rest += strings.Replace(hazard(title, "- A control. Tests: `handlers.TestReal`.", "Consequence major, likelihood low: risk 2."), "H1", fmt.Sprintf("H%d", i+2), 1)
	}
	tests := []struct {
		name string
		log  string
		want string
	}{
		{"a right log", hazard(requiredHazards[0], "- A control. Tests: `handlers.TestReal`.", "Consequence major, likelihood low: risk 2.") + rest, ""},
		{"a renamed test", hazard(requiredHazards[0], "- A control. Tests: `handlers.TestRenamed`.", "Consequence major, likelihood low: risk 2.") + rest,
			"H1 control 1 names handlers.TestRenamed, which does not exist"},
		{"a test in another package", hazard(requiredHazards[0], "- A control. Tests: `models.TestReal`.", "Consequence major, likelihood low: risk 2.") + rest,
			"H1 control 1 names models.TestReal, which does not exist"},
		{"a control with no test", hazard(requiredHazards[0], "- A control.\n- Another. Tests: `handlers.TestReal`.", "Consequence major, likelihood low: risk 2.") + rest,
			"H1 control 1 names no test"},
		{"a risk made worse", hazard(requiredHazards[0], "- A control. Tests: `handlers.TestReal`.", "Consequence catastrophic, likelihood high: risk 5.") + rest,
			"H1 has a residual risk 5 above its initial risk 4"},
		{"a hazard left out", rest, `the log has no hazard "Wrong or stale plan shown"`},
		{"a part left out", strings.Replace(hazard(requiredHazards[0], "- A control. Tests: `handlers.TestReal`.", "Consequence major, likelihood low: risk 2."), "**Effect.** e\n\n", "", 1) + rest,
			`H1 has no "Effect" part in its place`},
	}
	for _, tc := range tests {
		problems := checkLog(tc.log, exists)
		switch {
		case tc.want == "" && len(problems) > 0:
			t.Errorf("%s: %v", tc.name, problems)
		case tc.want != "" && (len(problems) == 0 || problems[0] != tc.want):
			t.Errorf("%s: %v; want %q first", tc.name, problems, tc.want)
		}
	}
}

// funcName is the name of a top-level function, or "" for a method or any
// other declaration: a test is a plain function.
func funcName(decl ast.Decl) string {
	fn, ok := decl.(*ast.FuncDecl)
	if !ok || fn.Recv != nil {
		return ""
	}
	return fn.Name.Name
}
