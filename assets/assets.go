// Package assets serves the stylesheets, scripts and images built into the
// binary. Scripts and stylesheets get names with a hash of their content, so
// browsers can keep them for a year and still never use an old copy.
package assets

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
)

// vendor holds what `make assets` builds from node_modules: the stylesheet
// compiled from the NHS design system's Sass and ours (styles/), the design
// system's script and images, and htmx. static holds our own script.
//
//go:embed static all:vendor
var files embed.FS

// Required lists the files every page needs.
var Required = []string{"passport.min.css", "nhsuk-frontend.min.js", "htmx.min.js", "app.mjs"}

type asset struct {
	body        []byte
	gzipped     []byte
	brotli      []byte // compressed by `make assets`, where it was
	contentType string
	etag        string
	immutable   bool
}

var (
	byURL   = map[string]*asset{}
	urlOf   = map[string]string{}
	loadErr = load()
)

// Check reports whether the built assets are all present.
func Check() error { return loadErr }

// URL is where a named asset is served, with its content hash in the name.
func URL(name string) string {
	if u, ok := urlOf[name]; ok {
		return u
	}
	panic("assets: no asset named " + name)
}

func load() error {
	var names []string
	for _, dir := range []string{"vendor", "static"} {
		entries, err := fs.ReadDir(files, dir)
		if err != nil {
			return err
		}
		for _, entry := range entries {
			if !entry.IsDir() && !strings.HasPrefix(entry.Name(), ".") && path.Ext(entry.Name()) != ".br" {
				names = append(names, dir+"/"+entry.Name())
			}
		}
	}
	// Our own files refer to vendor files by plain name; vendor files come
	// first so those references can be rewritten to the hashed names.
	sort.SliceStable(names, func(i, j int) bool {
		return strings.HasPrefix(names[i], "vendor/") && !strings.HasPrefix(names[j], "vendor/")
	})
	for _, name := range names {
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		base := path.Base(name)
		if strings.HasPrefix(name, "static/") {
			for plain, hashed := range urlOf {
				body = bytes.ReplaceAll(body, []byte("/assets/"+plain), []byte(hashed))
			}
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(base)
		if strings.HasSuffix(base, ".min"+ext) {
			ext = ".min" + ext
		}
		url := "/assets/" + strings.TrimSuffix(base, ext) + "." + hash + ext
		urlOf[base] = url
		a := newAsset(body, base, hash, true)
		if compressed, err := fs.ReadFile(files, name+".br"); err == nil && strings.HasPrefix(name, "vendor/") {
			a.brotli = compressed
		}
		byURL[url] = a
	}
	images, err := fs.Glob(files, "vendor/images/*")
	if err != nil {
		return err
	}
	for _, name := range images {
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		// The design system's stylesheet asks for these by plain name.
		byURL["/assets/images/"+path.Base(name)] = newAsset(body, name, hex.EncodeToString(sum[:])[:12], false)
	}
	var missing []string
	for _, name := range Required {
		if _, ok := urlOf[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("assets not built (missing %s): run `make assets`", strings.Join(missing, ", "))
	}
	if len(images) == 0 {
		return errors.New("assets not built (no design system images): run `make assets`")
	}
	return nil
}

func newAsset(body []byte, name, hash string, immutable bool) *asset {
	a := &asset{body: body, etag: `"` + hash + `"`, immutable: immutable}
	switch path.Ext(name) {
	case ".mjs", ".js":
		a.contentType = "text/javascript; charset=utf-8"
	default:
		a.contentType = mime.TypeByExtension(path.Ext(name))
	}
	if a.contentType == "" {
		a.contentType = "application/octet-stream"
	}
	if compressible(a.contentType) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		if buf.Len() < len(body) {
			a.gzipped = buf.Bytes()
		}
	}
	return a
}

// compressible types are text, and the favicon: an icon file holds bitmaps
// that gzip takes to a sixth of their size.
func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") || strings.Contains(contentType, "svg") || strings.Contains(contentType, "json") ||
		strings.Contains(contentType, "icon")
}

// Handler serves the assets, compressed where the browser accepts it.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := byURL[r.URL.Path]
		if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("ETag", a.etag)
		h.Set("Vary", "Accept-Encoding")
		if a.immutable {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "public, max-age=86400")
		}
		if r.Header.Get("If-None-Match") == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := a.body
		switch accepted := r.Header.Get("Accept-Encoding"); {
		case a.brotli != nil && accepts(accepted, "br"):
			h.Set("Content-Encoding", "br")
			body = a.brotli
		case a.gzipped != nil && accepts(accepted, "gzip"):
			h.Set("Content-Encoding", "gzip")
			body = a.gzipped
		}
		h.Set("Content-Length", fmt.Sprint(len(body)))
		if r.Method == http.MethodGet {
			w.Write(body)
		}
	})
}

// accepts reports whether an Accept-Encoding header allows the coding: named
// (or "*") with a quality above zero.
func accepts(header, coding string) bool {
	for _, item := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(item, ";")
		name = strings.TrimSpace(name)
		if !strings.EqualFold(name, coding) && name != "*" {
			continue
		}
		quality, found := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !found {
			return true
		}
		if q, err := strconv.ParseFloat(quality, 64); err == nil && q > 0 {
			return true
		}
	}
	return false
}
