package handlers_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// eachServerBehindProxy runs a test against a demo server that believes the
// X-Forwarded-For of requests from this computer, so that requests can come
// from many addresses; on each database in turn, as these tests fill the
// queue of passwords to hash, which the whole process shares.
func eachServerBehindProxy(t *testing.T, hashMemoryMB int, test func(t *testing.T, s *testServer)) {
	modelstest.EachInTurn(t, func(t *testing.T, db *gorm.DB) {
		test(t, startServer(t, db, app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: "http://passport.test",
			TrustedProxies: []string{"127.0.0.1"}, HashMemoryMB: hashMemoryMB}))
	})
}

// postFrom sends a form from a browser as if from the given address.
func (b *browser) postFrom(address, path string, form url.Values) response {
	b.t.Helper()
	// The form may be shared with a test on the other database running
	// side by side: each request gets its own copy.
	form = maps.Clone(form)
	form.Set("csrf_token", b.csrfToken())
	req, _ := http.NewRequest(http.MethodPost, b.server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", address)
	return b.do(req)
}

// answers is how many answers of each status a burst got, and one of each.
type answers struct {
	count   map[int]int
	example map[int]response
}

// burst posts forms, each from a browser of its own with its anti-forgery
// token ready, all at the same instant: every request waits on one channel
// and closing it releases them together.
func burst(t *testing.T, s *testServer, path string, forms []url.Values, addresses []string) answers {
	t.Helper()
	requests := make([]*http.Request, len(forms))
	clients := make([]*http.Client, len(forms))
	for i, form := range forms {
		b := s.browser(t)
		form = maps.Clone(form)
		form.Set("csrf_token", b.csrfToken())
		requests[i], _ = http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
		requests[i].Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if addresses != nil {
			requests[i].Header.Set("X-Forwarded-For", addresses[i])
		}
		clients[i] = b.client
	}
	got := answers{count: map[int]int{}, example: map[int]response{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range requests {
		wg.Go(func() {
			<-start
			res, err := clients[i].Do(requests[i])
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			got.count[res.StatusCode]++
			got.example[res.StatusCode] = response{status: res.StatusCode, header: res.Header, body: string(body), url: path}
		})
	}
	close(start)
	wg.Wait()
	return got
}

// checkedAtMost fails the test unless at most limit of the burst's guesses
// were checked (answered "not right") and the rest were refused as too many.
func checkedAtMost(t *testing.T, got answers, n, limit int) {
	t.Helper()
	checked, refused := got.count[http.StatusUnprocessableEntity], got.count[http.StatusTooManyRequests]
	if checked > limit || refused < n-limit || checked+refused+got.count[http.StatusServiceUnavailable] != n {
		t.Errorf("%d simultaneous guesses: %d checked, %d refused as too many (%v); want at most %d checked", n, checked, refused, got.count, limit)
	}
}

func TestSimultaneousGuessesStopAtTheLimit(t *testing.T) {
	const n = 60
	eachServer(t, func(t *testing.T, s *testServer) {
		t.Run("one account", func(t *testing.T) {
			forms := make([]url.Values, n)
			for i := range forms {
				forms[i] = url.Values{"username": {"carer"}, "password": {fmt.Sprintf("guess-%d", i)}}
			}
			checkedAtMost(t, burst(t, s, "/sign-in", forms, nil), n, store.LimitPerAccountAddress.Max)
		})
		t.Run("one address", func(t *testing.T) {
			forms := make([]url.Values, n)
			for i := range forms {
				forms[i] = url.Values{"username": {fmt.Sprintf("someone-%d", i)}, "password": {"guess"}}
			}
			// The account burst above used 5 of the address's 20.
			checkedAtMost(t, burst(t, s, "/sign-in", forms, nil), n, store.LimitPerAddress.Max-store.LimitPerAccountAddress.Max)
		})
		t.Run("one activation code", func(t *testing.T) {
			forms := make([]url.Values, n)
			for i := range forms {
				forms[i] = url.Values{"code": {"ABCD-EFGH-JKLM"}, "dob-day": {fmt.Sprint(1 + i%28)}, "dob-month": {"1"}, "dob-year": {"2000"}}
			}
			checkedAtMost(t, burst(t, s, "/activate", forms, nil), n, store.LimitPerAccountAddress.Max)
		})
		t.Run("share codes from one address", func(t *testing.T) {
			forms := make([]url.Values, n)
			for i := range forms {
				forms[i] = url.Values{"code": {fmt.Sprintf("GUES-SXXX-%04d", i)}, "dob-day": {"12"}, "dob-month": {"5"}, "dob-year": {"2014"}}
			}
			checkedAtMost(t, burst(t, s, "/shared", forms, nil), n, store.LimitPerAddress.Max)
		})
	})
}

func TestStrangersCannotLockTheOwnerOut(t *testing.T) {
	wrong := url.Values{"username": {"carer"}, "password": {"a wrong guess"}}
	right := url.Values{"username": {"carer"}, "password": {demoPassword}}
	eachServerBehindProxy(t, 0, func(t *testing.T, s *testServer) {
		owner := s.browser(t)
		if r := owner.postFrom("192.0.2.1", "/sign-in", url.Values{"username": {"carer"}, "password": {demoPassword}}); r.url != "/people" {
			t.Fatalf("the owner did not sign in: %s", r.url)
		}
		owner.post("/sign-out", url.Values{})

		// The pair limit stops a guesser at one address, without stopping
		// the owner at another.
		guesser := s.browser(t)
		for range store.LimitPerAccountAddress.Max {
			mustStatus(t, guesser.postFrom("198.51.100.1", "/sign-in", wrong), http.StatusUnprocessableEntity)
		}
		mustStatus(t, guesser.postFrom("198.51.100.1", "/sign-in", right), http.StatusTooManyRequests)
		if r := s.browser(t).postFrom("198.51.100.2", "/sign-in", right); r.url != "/people" {
			t.Errorf("the owner at another address was locked out: %s", r.url)
		}

		// Strangers at many addresses use up the account's backstop (the
		// guesser used 5, and the owner's success gave its own back).
		for i := range store.LimitPerAccount.Max - store.LimitPerAccountAddress.Max {
			mustStatus(t, s.browser(t).postFrom(fmt.Sprintf("203.0.113.%d", i), "/sign-in", wrong), http.StatusUnprocessableEntity)
		}
		r := s.browser(t).postFrom("203.0.113.250", "/sign-in", right)
		mustStatus(t, r, http.StatusTooManyRequests)
		mustContain(t, r, "tried to sign in too many times")

		// The owner's device still signs in, and its failures count
		// against it alone.
		if r := owner.postFrom("192.0.2.1", "/sign-in", right); r.url != "/people" {
			t.Fatalf("strangers locked the owner's device out: %s", r.url)
		}
		owner.post("/sign-out", url.Values{})
		for range store.LimitPerDevice.Max {
			mustStatus(t, owner.postFrom("192.0.2.1", "/sign-in", wrong), http.StatusUnprocessableEntity)
		}
		mustStatus(t, owner.postFrom("192.0.2.1", "/sign-in", right), http.StatusTooManyRequests)
	})
}

func TestDeviceCookieOutsideDemo(t *testing.T) {
	db := modelstest.Open(t, "sqlite")
	s := startServer(t, db, app.Config{PublicURL: "https://passport.test"})
	hash, _ := models.HashPassword(context.Background(), demoPassword)
	db.Create(&models.User{Username: "ops", PasswordHash: hash, Role: models.RoleAdmin, DisplayName: "Ops"})

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(s.URL + "/sign-in")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	token := csrfPattern.FindStringSubmatch(string(page))
	form := url.Values{"username": {"ops"}, "password": {demoPassword}, "csrf_token": {token[1]}}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range res.Cookies() {
		req.AddCookie(c)
	}
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("signing in answered %d", res.StatusCode)
	}
	var device string
	for _, cookie := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(cookie, "__Host-passport_device=") {
			device = cookie
		}
	}
	for _, want := range []string{"Path=/", "Max-Age=31536000", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(device, want) {
			t.Errorf("device cookie %q lacks %s", device, want)
		}
	}
}

// TestSimultaneousSignInsKeepMemoryBounded sends 200 sign-ins at once for
// made-up accounts from as many addresses, so that no guess limit applies
// and every one would hash a password, and samples the heap meanwhile.
func TestSimultaneousSignInsKeepMemoryBounded(t *testing.T) {
	const n = 200
	const budgetMB = 64 // three hashes at once
	const boundMB = 300
	eachServerBehindProxy(t, budgetMB, func(t *testing.T, s *testServer) {
		forms := make([]url.Values, n)
		addresses := make([]string, n)
		for i := range forms {
			forms[i] = url.Values{"username": {fmt.Sprintf("nobody-%d", i)}, "password": {"a wrong guess"}}
			addresses[i] = fmt.Sprintf("10.1.%d.%d", i/250, i%250)
		}
		runtime.GC()
		done := make(chan struct{})
		peak := make(chan uint64)
		go func() {
			var stats runtime.MemStats
			var highest uint64
			for {
				runtime.ReadMemStats(&stats)
				highest = max(highest, stats.HeapInuse)
				select {
				case <-done:
					peak <- highest
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
		}()
		got := burst(t, s, "/sign-in", forms, addresses)
		close(done)
		peakMB := <-peak >> 20
		t.Logf("%d simultaneous sign-ins: heap in use peaked at %d MB; answers %v", n, peakMB, got.count)
		if peakMB > boundMB {
			t.Errorf("heap in use peaked at %d MB; want %d MB or less", peakMB, boundMB)
		}
		if got.count[http.StatusUnprocessableEntity]+got.count[http.StatusServiceUnavailable] != n {
			t.Errorf("answers %v; want only wrong passwords and busy", got.count)
		}
		busy, ok := got.example[http.StatusServiceUnavailable]
		if !ok {
			t.Fatal("nobody was told the service is busy")
		}
		if busy.header.Get("Retry-After") == "" {
			t.Error("busy answer without Retry-After")
		}
		mustContain(t, busy, "Sorry, the service is busy", "Wait a few seconds and try again")
	})
}
