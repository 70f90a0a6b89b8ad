package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"
)

// finding is one problem a checker found on a page.
type finding struct {
	Engine  string
	Rule    string
	Message string
	Element string
}

func (f finding) String() string {
	return fmt.Sprintf("%s %s: %s\n  element: %s", f.Engine, f.Rule, f.Message, f.Element)
}

// The checkers the sweep runs on every page it visits.
const (
	engineAxe     = "axe"
	engineIBM     = "IBM Equal Access"
	engineNu      = "Nu HTML Checker"
	engineConsole = "Browser console"
)

// engines lists them in the order the report shows them.
var engines = []string{engineAxe, engineIBM, engineNu, engineConsole}

// consoleLog collects what a page writes to the browser's console as
// errors: failed scripts, exceptions, and Content-Security-Policy
// violations, which Chromium reports there whether or not scripts run.
type consoleLog struct {
	mu       sync.Mutex
	messages []finding
	// document is the request that brought the page as it was served,
	// for the HTML checker.
	document proto.NetworkRequestID
}

// listen starts collecting a page's console errors and remembers the
// request of each page it loads, until the test ends.
func (v *visitor) listen() {
	ctx, stop := context.WithCancel(context.Background())
	v.t.Cleanup(stop)
	log := &consoleLog{}
	v.console = log
	wait := v.page.Context(ctx).EachEvent(
		func(e *proto.RuntimeConsoleAPICalled) {
			if e.Type != proto.RuntimeConsoleAPICalledTypeError && e.Type != proto.RuntimeConsoleAPICalledTypeAssert {
				return
			}
			var args []string
			for _, arg := range e.Args {
				if arg.Description != "" {
					args = append(args, arg.Description)
				} else {
					args = append(args, arg.Value.String())
				}
			}
			log.add(finding{Engine: engineConsole, Rule: "console." + string(e.Type), Message: strings.Join(args, " ")})
		},
		func(e *proto.RuntimeExceptionThrown) {
			log.add(finding{Engine: engineConsole, Rule: "exception", Message: e.ExceptionDetails.Text + " " + e.ExceptionDetails.Exception.Description,
				Element: e.ExceptionDetails.URL})
		},
		func(e *proto.LogEntryAdded) {
			if e.Entry.Level == proto.LogLogEntryLevelError && !deliberateStatus(e.Entry) {
				log.add(finding{Engine: engineConsole, Rule: string(e.Entry.Source), Message: e.Entry.Text, Element: e.Entry.URL})
			}
		},
		func(e *proto.NetworkResponseReceived) {
			if e.Type == proto.NetworkResourceTypeDocument {
				log.mu.Lock()
				log.document = e.RequestID
				log.mu.Unlock()
			}
		},
	)
	go wait()
}

// deliberateStatus tells the browser's note of an error status on one of
// our own pages from a real failure. Forms answer bad input with 422 and
// the error summary, refusals and missing pages come with 403 and 404
// pages: the browser logs each of those responses, as it must.
func deliberateStatus(entry *proto.LogLogEntry) bool {
	return entry.Source == proto.LogLogEntrySourceNetwork && strings.HasPrefix(entry.URL, serverURL+"/") &&
		!strings.HasPrefix(entry.URL, serverURL+"/assets/") &&
		strings.Contains(entry.Text, "the server responded with a status of 4")
}

func (l *consoleLog) add(f finding) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.messages = append(l.messages, f)
}

// take returns what has been collected since it was last called.
func (l *consoleLog) take() []finding {
	l.mu.Lock()
	defer l.mu.Unlock()
	messages := l.messages
	l.messages = nil
	return messages
}

func (l *consoleLog) lastDocument() proto.NetworkRequestID {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.document
}

// ibmFindings runs the IBM Equal Access engine's WCAG 2.2 rules on the DOM
// as it stands, keeping the definite violations; scripts must be allowed.
func (v *visitor) ibmFindings() []finding {
	v.t.Helper()
	v.load("ace", aceSource)
	res, err := v.page.Timeout(60 * time.Second).Evaluate(rod.Eval(`() => new ace.Checker().check(document, ["WCAG_2_2"])
		.then(report => JSON.stringify(report.results
			.filter(r => r.value[0] === "VIOLATION" && r.value[1] === "FAIL")
			.map(r => ({Rule: r.ruleId, Message: r.message, Element: r.snippet}))))`).ByPromise())
	if err != nil {
		v.t.Fatalf("%s: IBM Equal Access: %v", v.path(), err)
	}
	var findings []finding
	v.must(json.Unmarshal([]byte(res.Value.Str()), &findings))
	for i := range findings {
		findings[i].Engine = engineIBM
	}
	return findings
}

// html is the page for the HTML checker: as served with JavaScript off,
// and as the browser holds it, scripts' changes included, with it on.
func (v *visitor) pageHTML() string {
	v.t.Helper()
	if !v.js {
		body, err := proto.NetworkGetResponseBody{RequestID: v.console.lastDocument()}.Call(v.page)
		if err != nil {
			v.t.Fatalf("%s: the page as served: %v", v.path(), err)
		}
		return body.Body
	}
	res, err := v.step().Eval(`() => "<!DOCTYPE html>\n" + document.documentElement.outerHTML`)
	v.must(err)
	return res.Value.Str()
}

// htmlPages keeps every audited page for one run of the HTML checker at
// the end of the suite: a Java virtual machine is slow to start.
type htmlPages struct {
	dir   string
	pages map[string]screen // by file name
}

// validityControl is a page the HTML checker must find fault with, so a
// checker that finds nothing cannot pass the sweep.
const validityControl = "control.html"

func newHTMLPages() (*htmlPages, error) {
	dir, err := os.MkdirTemp("", "passport-html-")
	if err != nil {
		return nil, err
	}
	control := `<!DOCTYPE html><html lang="en-GB"><head><title>Control</title></head><body><p><div></p></body></html>`
	return &htmlPages{dir: dir, pages: map[string]screen{}}, os.WriteFile(filepath.Join(dir, validityControl), []byte(control), 0o600)
}

func (h *htmlPages) save(s screen, html string) error {
	name := fmt.Sprintf("page-%04d.html", len(h.pages)+1)
	h.pages[name] = s
	return os.WriteFile(filepath.Join(h.dir, name), []byte(html), 0o600)
}

// validate runs the Nu HTML Checker once on every saved page and returns
// its errors by page.
func (h *htmlPages) validate() (map[screen][]finding, error) {
	files := []string{filepath.Join(h.dir, validityControl)}
	for name := range h.pages {
		files = append(files, filepath.Join(h.dir, name))
	}
	cmd := exec.Command("java", append([]string{"-jar", vnuJar, "--errors-only", "--format", "json"}, files...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return nil, fmt.Errorf("cannot run the Nu HTML Checker (is Java installed?): %w", err)
	}
	var report struct {
		Messages []struct {
			Type     string `json:"type"`
			URL      string `json:"url"`
			Message  string `json:"message"`
			Extract  string `json:"extract"`
			LastLine int    `json:"lastLine"`
		} `json:"messages"`
	}
	if err := json.Unmarshal([]byte(stderr.String()), &report); err != nil {
		return nil, fmt.Errorf("the Nu HTML Checker answered %q: %w", stderr.String(), err)
	}
	found := map[screen][]finding{}
	controlFailed := false
	for _, m := range report.Messages {
		name := filepath.Base(m.URL)
		if name == validityControl {
			controlFailed = true
			continue
		}
		s, ok := h.pages[name]
		if !ok {
			return nil, fmt.Errorf("the Nu HTML Checker reports on %s, which is no page of ours: %s", m.URL, m.Message)
		}
		found[s] = append(found[s], finding{Engine: engineNu, Rule: m.Type, Message: fmt.Sprintf("line %d: %s", m.LastLine, m.Message), Element: m.Extract})
	}
	if !controlFailed {
		return nil, errors.New("the Nu HTML Checker passed a page with a misplaced <div>: it is not checking")
	}
	return found, nil
}
