// Package e2e drives the real server in Chromium, with JavaScript on and
// off, and checks every page it visits with two accessibility engines (axe
// and IBM Equal Access), the Nu HTML Checker and the browser's console.
package e2e

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/assets"
	"healthpassport/handlers"
	"healthpassport/handlers/nhslogin/nhslogintest"
	"healthpassport/models/store"
	"healthpassport/views"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/input"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"
	"github.com/go-rod/rod/lib/utils"
)

const (
	chromium     = "/usr/bin/chromium"
	demoPassword = "e2e-demo-password"
	auditKey     = "e2e audit key, for the throwaway database only"
	secretKey    = "e2e secret key, for the throwaway database only"
	stepTimeout  = 15 * time.Second
)

// vnuJar is the Nu HTML Checker, run with the machine's Java.
const vnuJar = "../node_modules/vnu-jar/build/dist/vnu.jar"

var (
	browser   *rod.Browser
	serverURL string
	st        *store.Store
	axeSource string
	aceSource string
	swept     = newSweep()
	saved     *htmlPages
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if !withJavaScript(true) && !withJavaScript(false) {
		fmt.Fprintf(os.Stderr, "e2e: -javascript is on, off or both, not %q\n", *javascript)
		return 1
	}
	// What the sweep needs is checked first, not found missing after every
	// journey has run.
	if err := assets.Check(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if _, err := os.Stat(vnuJar); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: the Nu HTML Checker is not installed (run npm ci):", err)
		return 1
	}
	if _, err := exec.LookPath("java"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: the Nu HTML Checker needs Java:", err)
		return 1
	}
	if _, err := os.Stat(chromium); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: the browser tests need Chromium:", err)
		return 1
	}
	axe, err := os.ReadFile("../node_modules/axe-core/axe.min.js")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: axe-core not installed (run npm ci):", err)
		return 1
	}
	axeSource = string(axe)
	ace, err := os.ReadFile("../node_modules/accessibility-checker-engine/ace.js")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: accessibility-checker-engine not installed (run npm ci):", err)
		return 1
	}
	aceSource = string(ace)
	if saved, err = newHTMLPages(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(saved.dir)

	dataDir, err := os.MkdirTemp("", "passport-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dataDir)
	db, err := store.Open("", dataDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	// NHS login is offered through a provider in this process, so that its
	// pages are swept like every other.
	// NHS login sends people back to the public address, so it is the
	// server's own, known before the server starts.
	setUp := &runScope{}
	defer setUp.cleanUp()
	nhsLogin = nhslogintest.Start(setUp)
	server := httptest.NewUnstartedServer(nil)
	defer server.Close()
	serverURL = "http://" + server.Listener.Addr().String()
	cfg := app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: serverURL,
		NHSLoginIssuer: nhsLogin.URL, NHSLoginClientID: nhsLogin.ClientID, NHSLoginPrivateKey: nhsLogin.ClientKeyFile,
		AuditKey: auditKey, SecretKey: secretKey}
	if err := app.Prepare(db, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if st, err = app.NewStore(db, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	// The dashboards read figures the job queue counts; the journeys see
	// them counted, as a running service would within minutes of starting.
	if err := st.RefreshOutcomes(context.Background(), time.Now(), true); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	handler, err := app.Handler(db, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	server.Config.Handler = handler
	server.Start()

	// The system Chromium with a fresh profile; rod must never download one.
	profile, err := os.MkdirTemp("", "passport-chromium-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(profile)
	l := launcher.New().Bin(chromium).Headless(true).NoSandbox(true).Leakless(false).UserDataDir(profile).
		Set("disable-gpu").Set("no-first-run").Set("disable-background-networking").
		Set("disable-component-update").Set("disable-sync").Set("disable-quic")
	controlURL, err := l.Launch()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: cannot start Chromium:", err)
		return 1
	}
	defer l.Cleanup()
	// A bound on the whole run, not on a step (each step has its own): a
	// busy machine takes well over 8 minutes for every journey.
	browser = rod.New().ControlURL(controlURL).Timeout(20 * time.Minute).Sleeper(quickPolls)
	if err := browser.Connect(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: cannot connect to Chromium:", err)
		return 1
	}
	defer browser.Close()

	started := time.Now()
	code := m.Run()
	invalid, err := saved.validate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		code = 1
	}
	for sc, found := range invalid {
		swept.add(sc, found)
		for _, f := range found {
			fmt.Fprintf(os.Stderr, "e2e: %s (JavaScript %s): %s\n", sc.Page, onOff(sc.JS), f)
		}
		code = 1
	}
	fmt.Printf("e2e: %s\n", swept.summary())
	if *auditReport != "" {
		if err := swept.writeReport(*auditReport, code == 0, time.Since(started)); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		fmt.Printf("e2e: report written to %s\n", *auditReport)
	}
	return code
}

// quickPolls is how long a wait sleeps before it looks again whether what
// it waits for has happened: 10 milliseconds at first, then longer, up to
// 100. rod's own waits sleep 200 milliseconds, then 400, 800 and a second,
// so an htmx swap done in 250 milliseconds was seen only after 600.
func quickPolls() utils.Sleeper {
	return utils.BackoffSleeper(5*time.Millisecond, 100*time.Millisecond, nil)
}

// visitor is one person at one browser: a fresh profile with no cookies,
// JavaScript on or off, at a given screen width.
type visitor struct {
	t       *testing.T
	page    *rod.Page
	js      bool
	console *consoleLog
}

func newVisitor(t *testing.T, js bool, width int) *visitor {
	t.Helper()
	incognito, err := browser.Incognito()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { incognito.Close() })
	page, err := incognito.Page(proto.TargetCreateTarget{})
	if err != nil {
		t.Fatal(err)
	}
	if err := page.SetViewport(&proto.EmulationSetDeviceMetricsOverride{Width: width, Height: 900, DeviceScaleFactor: 1}); err != nil {
		t.Fatal(err)
	}
	if !js {
		if err := (proto.EmulationSetScriptExecutionDisabled{Value: true}).Call(page); err != nil {
			t.Fatal(err)
		}
	}
	v := &visitor{t: t, page: page, js: js}
	v.listen()
	return v
}

func (v *visitor) step() *rod.Page { return v.page.Timeout(stepTimeout) }

// act does something that loads a new page, and waits for it: a full
// navigation with JavaScript off, an htmx swap of the main content with it on.
func (v *visitor) act(what string, action func()) {
	v.t.Helper()
	if !v.js {
		wait := v.step().WaitNavigation(proto.PageLifecycleEventNameLoad)
		action()
		wait()
		return
	}
	if _, err := v.step().Eval(`() => { const m = document.querySelector("main"); if (m) m.dataset.stale = "1"; }`); err != nil {
		v.t.Fatalf("%s: %v", what, err)
	}
	action()
	err := v.step().Wait(rod.Eval(`() => document.readyState === "complete" && !!document.querySelector("main") &&
		!document.querySelector("main[data-stale]") && !document.querySelector(".htmx-request")`))
	if err != nil {
		v.t.Fatalf("%s: the next page did not arrive: %v", what, err)
	}
}

func (v *visitor) visit(path string) {
	v.t.Helper()
	if !v.js {
		v.act("visit "+path, func() { v.must(v.page.Navigate(serverURL + path)) })
		return
	}
	v.must(v.step().Navigate(serverURL + path))
	v.must(v.step().WaitLoad())
}

func (v *visitor) must(err error) {
	v.t.Helper()
	if err != nil {
		v.t.Fatal(err)
	}
}

func (v *visitor) element(selector string) *rod.Element {
	v.t.Helper()
	el, err := v.step().Element(selector)
	if err != nil {
		v.t.Fatalf("%s: no %s: %v", v.path(), selector, err)
	}
	return el
}

// largeTarget fails the test unless the element is at least 44 by 44 CSS
// pixels: easy to tap with a shaking hand. The layout is read through the
// browser's protocol, which works with JavaScript off.
func (v *visitor) largeTarget(selector string) {
	v.t.Helper()
	shape, err := v.element(selector).Shape()
	v.must(err)
	box := shape.Box()
	if box.Width < 44 || box.Height < 44 {
		v.t.Errorf("%s: %s is %.0f by %.0f pixels; a target needs 44 by 44", v.path(), selector, box.Width, box.Height)
	}
}

// focus moves keyboard focus to an element, as tabbing to it would.
func (v *visitor) focus(selector string) {
	v.t.Helper()
	el := v.element(selector)
	v.must(proto.DOMFocus{ObjectID: el.Object.ObjectID}.Call(v.page))
}

// typeInto focuses a field and types into it.
func (v *visitor) typeInto(selector, text string) {
	v.t.Helper()
	v.focus(selector)
	v.must(v.page.InsertText(text))
}

// replaceIn selects what a field holds, as Ctrl+A does, and types over it.
func (v *visitor) replaceIn(selector, text string) {
	v.t.Helper()
	v.focus(selector)
	v.must(v.page.KeyActions().Press(input.ControlLeft).Type(input.KeyA).Release(input.ControlLeft).Do())
	v.must(v.page.InsertText(text))
}

// press presses Enter on an element: it follows a link or submits a form.
// With JavaScript on, it first waits for the design system's script to
// start the header and for the frames after that: the header rearranges
// its links as it starts and again on the next animation frame, and a link
// pressed before then may be gone.
func (v *visitor) press(selector string) {
	v.t.Helper()
	if v.js {
		if err := v.step().Wait(rod.Eval(`() => [...document.querySelectorAll('[data-module="nhsuk-header"]')].
			every(e => e.hasAttribute("data-nhsuk-header-init"))`)); err != nil {
			v.t.Fatalf("press %s: the header did not start: %v", selector, err)
		}
		_, err := v.step().Eval(`() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(done))))`)
		v.must(err)
	}
	v.act("press "+selector, func() {
		v.focus(selector)
		v.must(v.page.Keyboard.Press(input.Enter))
	})
}

// submit presses Enter in a form's field, submitting the form.
func (v *visitor) submit(selector string) { v.press(selector) }

func (v *visitor) html() string {
	v.t.Helper()
	html, err := v.page.HTML()
	v.must(err)
	return html
}

func (v *visitor) path() string {
	info, err := v.page.Info()
	if err != nil {
		return "?"
	}
	return strings.TrimPrefix(info.URL, serverURL)
}

func (v *visitor) see(texts ...string) {
	v.t.Helper()
	html := v.html()
	for _, text := range texts {
		if !strings.Contains(html, text) {
			v.t.Errorf("%s: page does not show %q", v.path(), text)
		}
	}
}

func (v *visitor) notSee(texts ...string) {
	v.t.Helper()
	html := v.html()
	for _, text := range texts {
		if strings.Contains(html, text) {
			v.t.Errorf("%s: page shows %q", v.path(), text)
		}
	}
}

// at checks the address bar. htmx updates it just after a swap, so with
// JavaScript on it is given a moment.
func (v *visitor) at(path string) {
	v.t.Helper()
	for range 50 {
		if v.path() == path || !v.js {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := v.path(); got != path {
		v.t.Fatalf("at %s; want %s", got, path)
	}
}

// idleTimerMeta matches the one meta refresh we use on purpose: without
// JavaScript, the idle sign-out warning (and the warning page's return once
// the session has ended). WCAG 2.2.1 allows a time limit when the person is
// warned and can extend it: the warning comes a minute before the end with
// a "Stay signed in" button. axe's meta-refresh rule cannot see the warning,
// so only these exact timers are let through; any other refresh still fails,
// and TestIdleWarning checks the warning itself.
var idleTimerMeta = regexp.MustCompile(fmt.Sprintf(`^<meta http-equiv="refresh" content="(%d|%d); url=/session/warning\?return=[^"]*">$|^<meta http-equiv="refresh" content="%d; url=/[^"/][^"]*">$`,
	int((handlers.ReaderIdleTimeout - views.IdleWarning).Seconds()), int((handlers.StaffIdleTimeout - views.IdleWarning).Seconds()),
	int((views.IdleWarning + 15*time.Second).Seconds())))

// audit checks the page as it stands with axe (the WCAG 2.0, 2.1 and 2.2 A
// and AA rules) and IBM Equal Access (WCAG 2.2), saves it for the HTML
// checker, and fails the test on any violation, and on any console error or
// Content-Security-Policy violation since the last check.
func (v *visitor) audit() {
	v.t.Helper()
	sc := screen{Page: pageKey(v.path()), JS: v.js}
	found := v.console.take()
	for _, f := range v.accessibilityFindings() {
		if idleTimerMeta.MatchString(f.Element) && (f.Rule == "meta-refresh" || f.Rule == "meta_refresh_delay") {
			continue
		}
		found = append(found, f)
	}
	v.must(saved.save(sc, v.pageHTML()))
	for _, f := range found {
		v.t.Errorf("%s (JavaScript %s): %s", v.path(), onOff(v.js), f)
	}
	swept.visit(sc, found)
}

// accessibilityFindings runs axe and IBM Equal Access on the DOM as it
// stands. With JavaScript off, scripts are allowed again just long enough
// to run them on the same DOM; the page's own scripts do not run then.
func (v *visitor) accessibilityFindings() []finding {
	v.t.Helper()
	if !v.js {
		v.must(proto.EmulationSetScriptExecutionDisabled{Value: false}.Call(v.page))
		defer func() { v.must(proto.EmulationSetScriptExecutionDisabled{Value: true}.Call(v.page)) }()
	}
	return append(v.axeFindings(), v.ibmFindings()...)
}

// load runs a checker's script in the page, unless the page has it from
// an earlier check: an htmx swap keeps the document, and a checker takes a
// third of a second to load.
func (v *visitor) load(global, source string) {
	v.t.Helper()
	res, err := (proto.RuntimeEvaluate{Expression: "typeof " + global + " !== \"undefined\""}).Call(v.page)
	v.must(err)
	if res.Result.Value.Bool() {
		return
	}
	if _, err := (proto.RuntimeEvaluate{Expression: source}).Call(v.page); err != nil {
		v.t.Fatal(err)
	}
}

// axeFindings runs axe on the DOM as it stands; scripts must be allowed.
func (v *visitor) axeFindings() []finding {
	v.t.Helper()
	v.load("axe", axeSource)
	res, err := v.page.Timeout(60 * time.Second).Evaluate(rod.Eval(`() => axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
		resultTypes: ["violations"]
	}).then(r => JSON.stringify(r.violations.flatMap(v => v.nodes.map(n => ({Rule: v.id, Message: v.help, Element: n.html})))))`).ByPromise())
	if err != nil {
		v.t.Fatalf("%s: axe: %v", v.path(), err)
	}
	var findings []finding
	v.must(json.Unmarshal([]byte(res.Value.Str()), &findings))
	for i := range findings {
		findings[i].Engine = engineAxe
	}
	return findings
}

// fitsWidth fails the test if the page scrolls sideways at its width, as
// it must not on a 320-pixel phone. With JavaScript off, scripts are allowed
// just long enough to measure.
func (v *visitor) fitsWidth() {
	v.t.Helper()
	if !v.js {
		v.must(proto.EmulationSetScriptExecutionDisabled{Value: false}.Call(v.page))
		defer func() { v.must(proto.EmulationSetScriptExecutionDisabled{Value: true}.Call(v.page)) }()
	}
	res, err := v.page.Timeout(stepTimeout).Eval(`() => {
		const wide = [...document.querySelectorAll("main *")].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1);
		return document.documentElement.scrollWidth > document.documentElement.clientWidth
			? wide.slice(0, 3).map(e => e.tagName + "." + e.className).join(", ") || "the page"
			: "";
	}`)
	v.must(err)
	if wide := res.Value.Str(); wide != "" {
		v.t.Errorf("%s scrolls sideways at this width: %s", v.path(), wide)
	}
}

func onOff(js bool) string {
	if js {
		return "on"
	}
	return "off"
}

// pageKey names a page for the sweep count: record references, ids and
// query strings are the same page.
func pageKey(path string) string {
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(path, "/")
	for i, part := range parts {
		if len(part) >= 16 || (part != "" && strings.Trim(part, "0123456789") == "") {
			parts[i] = ":id"
		}
	}
	return strings.Join(parts, "/")
}

// javascript chooses the half of the journeys a run takes. make test runs
// the two halves side by side, each with its own server, database and
// Chromium, since they share nothing; make audit runs both in one.
var javascript = flag.String("javascript", "both", "walk the journeys with JavaScript on, off or both")

// withJavaScript is whether this run takes the journeys with JavaScript
// on (js true) or off.
func withJavaScript(js bool) bool {
	return *javascript == "both" || *javascript == onOff(js)
}

// bothWays runs a journey with JavaScript on and with it off, or the half
// of the two this run takes.
func bothWays(t *testing.T, width int, journey func(t *testing.T, v *visitor)) {
	for _, js := range []bool{true, false} {
		if withJavaScript(js) {
			t.Run("javascript "+onOff(js), func(t *testing.T) { journey(t, newVisitor(t, js, width)) })
		}
	}
}
