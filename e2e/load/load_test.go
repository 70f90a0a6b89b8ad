package main

import (
	"bytes"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/models/modelstest"

	"gorm.io/gorm"
)

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, test := range []struct {
		name   string
		sorted []time.Duration
		share  float64
		want   time.Duration
	}{
		{"median of 1 to 100", hundred, 0.50, 50 * time.Millisecond},
		{"99th of 1 to 100", hundred, 0.99, 99 * time.Millisecond},
		{"highest of 1 to 100", hundred, 1, 100 * time.Millisecond},
		{"median of four", []time.Duration{1, 2, 3, 4}, 0.50, 2},
		{"99th of four is the slowest", []time.Duration{1, 2, 3, 4}, 0.99, 4},
		{"one latency", []time.Duration{7}, 0.50, 7},
		{"none", nil, 0.99, 0},
	} {
		if got := Percentile(test.sorted, test.share); got != test.want {
			t.Errorf("%s: got %v; want %v", test.name, got, test.want)
		}
	}
}

func TestMeasureStopsAtTheRequestLimitWithEverySession(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	url, stop, err := serveLoopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Header.Get("Cookie")]++
		mu.Unlock()
		io.WriteString(w, "ok")
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	cookies := []string{"s=1", "s=2", "s=3", "s=4"}
	var credentials []Credential
	for _, cookie := range cookies {
		credentials = append(credentials, Credential{Header: "Cookie", Value: cookie})
	}
	result := Measure(url, credentials, Limits{Duration: time.Minute, MaxRequests: 200})
	if result.Requests != 200 || result.Failures != 0 {
		t.Fatalf("measured %d requests and %d failures; want 200 and 0", result.Requests, result.Failures)
	}
	if got := slices.Sorted(maps.Keys(seen)); !slices.Equal(got, cookies) {
		t.Errorf("the server saw sessions %q; want %q", got, cookies)
	}
	if result.P50 <= 0 || result.P99 < result.P50 || result.PerSecond() <= 0 || result.CPUPerRequest() <= 0 {
		t.Errorf("p50 %v, p99 %v, %.0f a second, %v of processor time a request: not a measurement",
			result.P50, result.P99, result.PerSecond(), result.CPUPerRequest())
	}
}

func TestMeasureStopsAtTheTimeLimitAndCountsFailures(t *testing.T) {
	url, stop, err := serveLoopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Millisecond)
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	result := Measure(url, []Credential{{"Cookie", "s=1"}, {"Cookie", "s=2"}}, Limits{Duration: 300 * time.Millisecond, MaxRequests: 1_000_000})
	if result.Elapsed > 2*time.Second {
		t.Errorf("ran for %s; want about 300 ms", result.Elapsed)
	}
	if result.Requests != 0 || result.Failures == 0 {
		t.Errorf("measured %d answered and %d failed; want every answer counted as failed", result.Requests, result.Failures)
	}
}

// The static server must send what the app sent, byte for byte, or the
// ratio compares different work.
func TestStaticServerSendsThePassportAsTheAppDid(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		cfg := app.Config{Demo: true, DemoPassword: password, PublicURL: "http://127.0.0.1", AuditKey: auditKey, SecretKey: secretKey}
		if err := app.Prepare(db, cfg); err != nil {
			t.Fatal(err)
		}
		everyone, err := addPeople(db, 1)
		if err != nil {
			t.Fatal(err)
		}
		handler, err := app.Handler(db, cfg)
		if err != nil {
			t.Fatal(err)
		}
		appURL, stopApp, err := serveLoopback(handler)
		if err != nil {
			t.Fatal(err)
		}
		defer stopApp()
		cookies, err := signInAll(appURL, everyone.patients)
		if err != nil {
			t.Fatal(err)
		}
		original, err := CapturePage(appURL+"/passport", cookies[0])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(original.Body, []byte("Patient0 Load")) {
			t.Fatal("the captured page is not Patient0 Load's passport")
		}
		staticURL, stopStatic, err := serveLoopback(original)
		if err != nil {
			t.Fatal(err)
		}
		defer stopStatic()
		copied, err := CapturePage(staticURL+"/passport", cookies[0])
		if err != nil {
			t.Fatal(err)
		}
		if string(copied.Body) != string(original.Body) {
			t.Error("the static server sent other bytes")
		}
		original.Header.Del("Date")
		copied.Header.Del("Date")
		if !maps.EqualFunc(copied.Header, original.Header, slices.Equal) {
			t.Errorf("the static server sent headers\n%v\nwhere the app sent\n%v", copied.Header, original.Header)
		}
	})
}

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}
