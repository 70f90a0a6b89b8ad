package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Requests beyond the limit wait, a waiting request whose browser gives up
// leaves without running, and the next waiting request runs as soon as a
// running one finishes or starts sending its answer. Forms sent do not wait.
func TestInTurnRunsAtMostItsLimit(t *testing.T) {
	entered := make(chan string, 10)
	release := make(chan struct{})
	sending := make(chan struct{})
	handler := inTurn(2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- r.URL.Path
		if r.Method == http.MethodPost {
			return
		}
		if r.URL.Path == "/download" {
			w.Write([]byte("the first rows"))
			<-sending // a slow line
		}
		<-release
	}))
	serve := func(ctx context.Context, path string) {
		handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil).WithContext(ctx))
	}
	var running sync.WaitGroup
	for _, path := range []string{"/first", "/second"} {
		running.Go(func() { serve(context.Background(), path) })
	}
	<-entered
	<-entered

	// A form sent goes straight in: signing in has a limit of its own.
	form := make(chan struct{})
	go func() {
		handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/form", nil))
		close(form)
	}()
	if got := <-entered; got != "/form" {
		t.Fatalf("%s ran beside two others; want only the form", got)
	}
	<-form

	gaveUp, giveUp := context.WithCancel(context.Background())
	waited := make(chan struct{})
	go func() { serve(gaveUp, "/gives-up"); close(waited) }()
	giveUp()
	<-waited
	if len(entered) != 0 {
		t.Fatalf("%s ran beside two others; the limit is two", <-entered)
	}

	running.Go(func() { serve(context.Background(), "/download") })
	release <- struct{}{} // one of the first two finishes
	if next := <-entered; next != "/download" {
		t.Errorf("%s ran next; want /download, which was waiting", next)
	}
	running.Go(func() { serve(context.Background(), "/after-the-download") })
	if next := <-entered; next != "/after-the-download" {
		t.Errorf("%s ran next; want /after-the-download, in the place the download left as it started sending", next)
	}
	close(sending)
	close(release)
	running.Wait()
}
