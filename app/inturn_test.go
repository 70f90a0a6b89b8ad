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
// running one finishes.
func TestInTurnRunsAtMostItsLimit(t *testing.T) {
	entered := make(chan string, 10)
	release := make(chan struct{})
	handler := inTurn(2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- r.URL.Path
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

	gaveUp, giveUp := context.WithCancel(context.Background())
	waited := make(chan struct{})
	go func() { serve(gaveUp, "/gives-up"); close(waited) }()
	giveUp()
	<-waited
	if len(entered) != 0 {
		t.Fatalf("%s ran beside two others; the limit is two", <-entered)
	}

	running.Go(func() { serve(context.Background(), "/third") })
	release <- struct{}{} // one of the first two finishes
	if next := <-entered; next != "/third" {
		t.Errorf("%s ran next; want /third, which was waiting", next)
	}
	close(release)
	running.Wait()
}
