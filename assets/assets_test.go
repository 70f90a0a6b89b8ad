package assets

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestAssetsAreBuilt(t *testing.T) {
	if err := Check(); err != nil {
		t.Fatal(err)
	}
}

func TestAssetNamesCarryTheirHash(t *testing.T) {
	pattern := regexp.MustCompile(`^/assets/[a-z-]+(\.min)?\.[0-9a-f]{12}(\.min)?\.(css|js|mjs)$`)
	for _, name := range Required {
		if url := URL(name); !pattern.MatchString(url) {
			t.Errorf("%s is served at %s", name, url)
		}
	}
}

func get(t *testing.T, url string, header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, url, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec.Result()
}

func TestHashedAssetsAreCachedForAYearAndCompressed(t *testing.T) {
	res := get(t, URL("passport.min.css"), http.Header{"Accept-Encoding": {"gzip"}})
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, encoding %q", res.StatusCode, res.Header.Get("Content-Encoding"))
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
		t.Errorf("Cache-Control %q", cc)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	css, _ := io.ReadAll(zr)
	if !strings.Contains(string(css), ".nhsuk-header") || !strings.Contains(string(css), ".app-code") {
		t.Error("the stylesheet is not the design system's and ours")
	}
	etag := res.Header.Get("ETag")
	if res := get(t, URL("passport.min.css"), http.Header{"If-None-Match": {etag}}); res.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation answered %d", res.StatusCode)
	}
}

// The stylesheet and the third-party scripts go out in Brotli, compressed
// ahead of time, to browsers that take it, and in gzip to the others; our
// own module, rewritten as it is loaded, only in gzip.
func TestAssetsAreSentInTheBestEncodingTheBrowserAccepts(t *testing.T) {
	for _, test := range []struct {
		asset, acceptEncoding, want string
	}{
		{"passport.min.css", "gzip, deflate, br, zstd", "br"},
		{"htmx.min.js", "br", "br"},
		{"nhsuk-frontend.min.js", "gzip, br", "br"},
		{"passport.min.css", "gzip, br;q=0", "gzip"},
		{"passport.min.css", "gzip;q=0.5, br;q=0.0", "gzip"},
		{"passport.min.css", "", ""},
		{"passport.min.css", "identity", ""},
		{"app.mjs", "gzip, br", "gzip"},
		{"app.mjs", "br", ""},
	} {
		res := get(t, URL(test.asset), http.Header{"Accept-Encoding": {test.acceptEncoding}})
		if got := res.Header.Get("Content-Encoding"); got != test.want {
			t.Errorf("%s for %q: encoding %q; want %q", test.asset, test.acceptEncoding, got, test.want)
			continue
		}
		if vary := res.Header.Get("Vary"); vary != "Accept-Encoding" {
			t.Errorf("%s: Vary %q", test.asset, vary)
		}
		plain, _ := io.ReadAll(get(t, URL(test.asset), nil).Body)
		var body io.Reader = res.Body
		switch test.want {
		case "br":
			body = brotli.NewReader(res.Body)
		case "gzip":
			zr, err := gzip.NewReader(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			body = zr
		}
		if got, err := io.ReadAll(body); err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%s for %q: decoded body differs from the plain one (%v)", test.asset, test.acceptEncoding, err)
		}
	}
}

func TestOurModuleImportsTheHashedDesignSystem(t *testing.T) {
	body, _ := io.ReadAll(get(t, URL("app.mjs"), nil).Body)
	if !strings.Contains(string(body), `from "`+URL("nhsuk-frontend.min.js")+`"`) {
		t.Errorf("app.mjs does not import %s:\n%s", URL("nhsuk-frontend.min.js"), body)
	}
	if ct := get(t, URL("app.mjs"), nil).Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("module served as %q", ct)
	}
}

func TestDesignSystemImagesAtTheirPlainNames(t *testing.T) {
	if res := get(t, "/assets/images/nhsuk-icon-arrow-down.svg", nil); res.StatusCode != http.StatusOK {
		t.Errorf("image answered %d", res.StatusCode)
	}
	for _, missing := range []string{"/assets/passport.min.css", "/assets/../assets.go", "/assets/images/none.svg"} {
		if res := get(t, missing, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s answered %d", missing, res.StatusCode)
		}
	}
}

// The design system's web font comes from an NHS host that our
// Content-Security-Policy blocks: the stylesheet must ask for no font file
// and nothing from elsewhere.
func TestTheStylesheetAsksForNothingFromElsewhere(t *testing.T) {
	css, _ := io.ReadAll(get(t, URL("passport.min.css"), nil).Body)
	for _, refused := range []string{"@font-face", "Frutiger", "http:", "https:", "//assets.nhs.uk"} {
		if strings.Contains(string(css), refused) {
			t.Errorf("the stylesheet contains %q", refused)
		}
	}
}

// TestTheDetailsComponentIsStyled: "About these figures" on the
// dashboards is the design system's details component, which shows
// unstyled unless its Sass is compiled in.
func TestTheDetailsComponentIsStyled(t *testing.T) {
	css, _ := io.ReadAll(get(t, URL("passport.min.css"), nil).Body)
	for _, class := range []string{"nhsuk-details", "nhsuk-details__summary", "nhsuk-details__summary-text", "nhsuk-details__text"} {
		if !regexp.MustCompile(`\.` + class + `\b`).Match(css) {
			t.Errorf("the stylesheet does not style .%s", class)
		}
	}
}
