package e2e

import (
	"sync"
	"testing"

	"github.com/go-rod/rod/lib/proto"
)

// TestPassportFirstVisitTransfer measures, in Chromium, every byte a first
// visit to the passport page brings over the network (HTML, styles,
// scripts, images), and keeps it within a budget for slow mobile data.
func TestPassportFirstVisitTransfer(t *testing.T) {
	const budget = 96 * 1024
	if !withJavaScript(true) {
		t.Skip("measured with JavaScript on, in the other half of the run")
	}
	v := newVisitor(t, true, desktop)
	v.signIn("patient", demoPassword)
	// A fresh browser for the measured visit, with the same session cookie.
	cookies, err := v.page.Cookies([]string{serverURL})
	v.must(err)
	fresh := newVisitor(t, true, desktop)
	for _, c := range cookies {
		v.must(fresh.page.SetCookies([]*proto.NetworkCookieParam{{Name: c.Name, Value: c.Value, URL: serverURL}}))
	}
	var mu sync.Mutex
	total, requests := 0.0, 0
	wait := fresh.page.EachEvent(func(e *proto.NetworkLoadingFinished) {
		mu.Lock()
		total += e.EncodedDataLength
		requests++
		mu.Unlock()
	})
	go wait()
	v.must(proto.NetworkEnable{}.Call(fresh.page))
	fresh.visit("/passport")
	fresh.see("My passport")
	v.must(fresh.page.WaitIdle(stepTimeout))
	mu.Lock()
	defer mu.Unlock()
	t.Logf("first visit to the passport: %d requests, %.0f bytes transferred", requests, total)
	if total > budget {
		t.Errorf("first visit transferred %.0f bytes; budget %d", total, budget)
	}
}
