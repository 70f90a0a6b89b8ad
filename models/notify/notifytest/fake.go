// Package notifytest runs a fake of GOV.UK Notify's API version 2 on a real
// listener, for tests: it checks each request's JSON Web Token as Notify
// documents it (HS256 with the service's secret, the service id as issuer,
// issued within the last 30 seconds), keeps what was sent, and answers as
// it is told to: busy, failing or refusing, then accepting.
package notifytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Service identity of the fake, and an API key for it as Notify issues
// them: the key's name, the service id and the secret.
const (
	ServiceID = "26785a09-ab16-4eb0-8407-a37497a57506"
	Secret    = "3d844edf-8d35-48ac-975b-e847b4f122b0"
	APIKey    = "passport_test-" + ServiceID + "-" + Secret
)

// Request is one request the fake accepted as authentic.
type Request struct {
	Method  string
	Path    string
	Payload map[string]any
	Issued  time.Time
}

// Fake is the running fake.
type Fake struct {
	*httptest.Server
	mu       sync.Mutex
	requests []Request
	refused  int
	answers  []int             // statuses to answer the next sends with, in order; then 201
	statuses map[string]string // Notify's status of each message, by id
	sent     int
}

// Start runs the fake until the test ends.
func Start(t testing.TB) *Fake {
	f := &Fake{statuses: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/notifications/{channel}", f.send)
	mux.HandleFunc("GET /v2/notifications/{id}", f.status)
	f.Server = httptest.NewServer(f.authentic(mux))
	t.Cleanup(f.Close)
	return f
}

// AnswerNext makes the next sends answer with these statuses, in order.
func (f *Fake) AnswerNext(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers = append(f.answers, statuses...)
}

// SetStatus sets what Notify says of a message it accepted.
func (f *Fake) SetStatus(id, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statuses[id] = status
}

// Requests are the authentic requests so far.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// Refused counts requests whose token was missing or wrong.
func (f *Fake) Refused() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refused
}

// authentic lets through only requests with a good token, as Notify does,
// and records them.
func (f *Fake) authentic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		issued, err := checkToken(r.Header.Get("Authorization"))
		if err != nil {
			f.mu.Lock()
			f.refused++
			f.mu.Unlock()
			refuse(w, http.StatusForbidden, "AuthError", err.Error())
			return
		}
		request := Request{Method: r.Method, Path: r.URL.Path, Issued: issued}
		if r.Method == http.MethodPost {
			if r.Header.Get("Content-Type") != "application/json" {
				refuse(w, http.StatusBadRequest, "BadRequestError", "Content-Type must be application/json")
				return
			}
			if err := json.NewDecoder(r.Body).Decode(&request.Payload); err != nil {
				refuse(w, http.StatusBadRequest, "BadRequestError", "Invalid JSON")
				return
			}
		}
		f.mu.Lock()
		f.requests = append(f.requests, request)
		f.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// checkToken checks a bearer token as Notify documents: signed with HS256
// by the service's secret, issued by the service id, within 30 seconds.
func checkToken(header string) (time.Time, error) {
	raw, found := strings.CutPrefix(header, "Bearer ")
	if !found {
		return time.Time{}, fmt.Errorf("no bearer token")
	}
	token, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.HS256})
	if err != nil {
		return time.Time{}, fmt.Errorf("token not readable: %v", err)
	}
	var claims struct {
		Issuer   string `json:"iss"`
		IssuedAt *int64 `json:"iat"`
	}
	if err := token.Claims([]byte(Secret), &claims); err != nil {
		return time.Time{}, fmt.Errorf("invalid token: signature: %v", err)
	}
	if claims.Issuer != ServiceID {
		return time.Time{}, fmt.Errorf("invalid token: iss %q is not the service id", claims.Issuer)
	}
	if claims.IssuedAt == nil {
		return time.Time{}, fmt.Errorf("invalid token: no iat")
	}
	issued := time.Unix(*claims.IssuedAt, 0)
	if age := time.Since(issued); age > 30*time.Second || age < -30*time.Second {
		return time.Time{}, fmt.Errorf("invalid token: iat %s is not within 30 seconds", issued)
	}
	return issued, nil
}

func (f *Fake) send(w http.ResponseWriter, r *http.Request) {
	channel := r.PathValue("channel")
	if channel != "sms" && channel != "email" && channel != "letter" {
		refuse(w, http.StatusNotFound, "NotFoundError", "no such route")
		return
	}
	f.mu.Lock()
	status := http.StatusCreated
	if len(f.answers) > 0 {
		status, f.answers = f.answers[0], f.answers[1:]
	}
	var id string
	if status == http.StatusCreated {
		f.sent++
		id = fmt.Sprintf("740e5834-3a29-46b4-9a6f-16142fde%04d", f.sent)
		f.statuses[id] = "created"
	}
	f.mu.Unlock()
	switch {
	case status == http.StatusCreated:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"id": id, "reference": f.lastReference()})
	case status == http.StatusTooManyRequests:
		refuse(w, status, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds")
	case status >= 500:
		refuse(w, status, "Exception", "Internal server error")
	default:
		refuse(w, status, "BadRequestError", "phone_number Not a UK mobile number")
	}
}

func (f *Fake) lastReference() any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1].Payload["reference"]
}

func (f *Fake) status(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	status, found := f.statuses[r.PathValue("id")]
	f.mu.Unlock()
	if !found {
		refuse(w, http.StatusNotFound, "NoResultFound", "No result found")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"id": r.PathValue("id"), "status": status})
}

// refuse answers as Notify's errors are documented.
func refuse(w http.ResponseWriter, status int, kind, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"status_code": status,
		"errors": []map[string]string{{"error": kind, "message": message}}})
}
