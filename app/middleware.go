package app

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"healthpassport/models/store"
	"healthpassport/views"
)

const maxBodyBytes = 1 << 20

// contentSecurityPolicy allows only our own files: no inline script or
// style, no framing, no third-party hosts. Forms may lead only here, and
// to the formTargets (origins) that signing in passes through.
func contentSecurityPolicy(formTargets ...string) string {
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"font-src 'self'; connect-src 'self'; form-action " + strings.Join(append([]string{"'self'"}, formTargets...), " ") +
		"; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
}

// requestID gives every request an id, replacing any the client sent, for
// the logs and the audit log.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := rand.Text()[:16]
		r.Header.Set("X-Request-Id", id)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logRequests logs one line per request. Query strings are left out: they
// can hold search terms about patients.
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		slog.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "bytes", rec.bytes,
			"duration", time.Since(start).Round(time.Microsecond), "request_id", r.Header.Get("X-Request-Id"))
	})
}

func securityHeaders(secure bool, policy string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", policy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if secure {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// prefetchSignedIn has the session's load read whoever the session is
// signed in as in the same statement (see models.PrefetchSignedIn).
func prefetchSignedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(store.PrefetchSignedIn(r.Context())))
	})
}

// limitBody refuses request bodies larger than any form of ours needs.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// checkInput refuses web addresses whose path or query holds invalid UTF-8
// or control characters: no page of ours has one, and PostgreSQL would
// refuse them. It also cleans the User-Agent, which is kept with each
// signed-in device, since a browser may send any bytes in it.
func checkInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !readableAddress(r) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusBadRequest)
			title := "Page not found"
			views.ErrorPage(views.Page{Title: title, Path: "/"}, title,
				[]string{"If you typed the web address, check it is correct.", "If you pasted the web address, check you copied the entire address."}).Render(r.Context(), w)
			return
		}
		if agent := r.Header.Get("User-Agent"); agent != "" {
			r.Header.Set("User-Agent", strings.Map(dropControl, strings.ToValidUTF8(agent, "\uFFFD")))
		}
		next.ServeHTTP(w, r)
	})
}

func readableAddress(r *http.Request) bool {
	if !readable(r.URL.Path) {
		return false
	}
	for key, values := range r.URL.Query() {
		if !readable(key) {
			return false
		}
		for _, value := range values {
			if !readable(value) {
				return false
			}
		}
	}
	return true
}

func readable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

func dropControl(r rune) rune {
	if unicode.IsControl(r) {
		return -1
	}
	return r
}

// inTurn lets at most limit requests for pages work at once and the others
// wait for a place in the order they came. A crowd let in all at once
// queues for the database's connections instead, where Go's pool hands
// each connection that comes free to a waiting request chosen at random,
// once for every query: most requests were quick, and the unlucky ones
// waited ten times as long. A request gives its place up when it starts
// sending its answer, so a slow line or a long download holds no one up.
// A request that gives up while waiting is answered with nothing. Forms
// sent (POST) go straight in, as before: signing in has its own limit,
// which tells people when the service is too busy rather than keeping
// them waiting.
func inTurn(limit int, next http.Handler) http.Handler {
	places := make(chan struct{}, limit)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case places <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		place := &placeHolder{ResponseWriter: w, leave: sync.OnceFunc(func() { <-places })}
		defer place.leave()
		next.ServeHTTP(place, r)
	})
}

// placeHolder gives a request's place up at the first byte of its answer.
type placeHolder struct {
	http.ResponseWriter
	leave func()
}

func (p *placeHolder) Write(b []byte) (int, error) {
	p.leave()
	return p.ResponseWriter.Write(b)
}

func (p *placeHolder) Unwrap() http.ResponseWriter { return p.ResponseWriter }
