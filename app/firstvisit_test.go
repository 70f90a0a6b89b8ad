package app

import (
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"healthpassport/models/modelstest"

	"github.com/andybalholm/brotli"
)

// firstVisitBudget is the most a first visit may download, compressed: the
// start page and everything it links, on a slow mobile line or a library's
// shared connection.
const firstVisitBudget = 45 * 1024

// TestFirstVisitFitsItsBudget fetches the start page as a browser with an
// empty cache does, then every stylesheet, script, module it imports and
// icon it links, each with the browser's Accept-Encoding, and adds up the
// bytes that come over the wire.
func TestFirstVisitFitsItsBudget(t *testing.T) {
	db := modelstest.Open(t, "sqlite")
	cfg := Config{PublicURL: "http://passport.test", AuditKey: "the first visit test's audit key, for its own database", SecretKey: "the first visit test's secret key, for its own database"}
	server := serveForTest(t, db, cfg)

	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	total := 0
	fetch := func(path string) string {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, server.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		wire, err := io.ReadAll(res.Body)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", path, res.StatusCode, err)
		}
		t.Logf("%s: %.1f KB (%s)", path, float64(len(wire))/1024, res.Header.Get("Content-Encoding"))
		total += len(wire)
		var body io.Reader = strings.NewReader(string(wire))
		switch res.Header.Get("Content-Encoding") {
		case "br":
			body = brotli.NewReader(body)
		case "gzip":
			if body, err = gzip.NewReader(body); err != nil {
				t.Fatal(err)
			}
		case "":
		default:
			t.Fatalf("%s came in %s, which this test cannot read", path, res.Header.Get("Content-Encoding"))
		}
		plain, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		return string(plain)
	}

	page := fetch("/")
	linked := regexp.MustCompile(`<(?:link[^>]+href|script[^>]+src)="(/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(linked) < 4 {
		t.Fatalf("the start page links %d files; want at least its stylesheet, scripts and icon:\n%s", len(linked), page)
	}
	imports := regexp.MustCompile(`(?:from|import)\s*"(/assets/[^"]+)"`)
	seen := map[string]bool{}
	for len(linked) > 0 {
		path := linked[0][1]
		linked = linked[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		body := fetch(path)
		if strings.HasSuffix(path, ".js") || strings.HasSuffix(path, ".mjs") {
			linked = append(linked, imports.FindAllStringSubmatch(body, -1)...)
		}
	}
	t.Logf("first visit: %.1f KB of %.0f KB", float64(total)/1024, float64(firstVisitBudget)/1024)
	if total > firstVisitBudget {
		t.Errorf("a first visit downloads %.1f KB compressed; the budget is %.0f KB", float64(total)/1024, float64(firstVisitBudget)/1024)
	}
}
