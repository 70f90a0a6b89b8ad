package handlers_test

import (
	"crypto/rand"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"healthpassport/models"
)

// postOnly sends a form as post does, but does not follow the redirect, so
// the test sees the answer itself.
func (b *browser) postOnly(path string, form url.Values) *http.Response {
	b.t.Helper()
	client := *b.client
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	form = maps.Clone(form)
	form.Set("csrf_token", b.csrfToken())
	res, err := client.PostForm(b.server.URL+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func TestAFormSentTwiceIsActedOnOnce(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("patient")
		path := "/passport/" + ameliaRef + "/readings/peak-flow"
		readings, alerts := s.count(&models.Reading{}), s.count(&models.Alert{})
		// A red reading, sent again as a browser retrying would.
		form := url.Values{"litres": {"120"}, "submission_key": {rand.Text()}}
		first := b.postOnly(path, form)
		again := b.postOnly(path, form)
		if first.StatusCode != http.StatusSeeOther || again.StatusCode != http.StatusSeeOther {
			t.Fatalf("answered %d then %d; want 303 twice", first.StatusCode, again.StatusCode)
		}
		if where := first.Header.Get("Location"); !readingPath.MatchString(where) || again.Header.Get("Location") != where {
			t.Errorf("sent to %s then %s; want the same reading twice", where, again.Header.Get("Location"))
		}
		if got := s.count(&models.Reading{}) - readings; got != 1 {
			t.Errorf("%d readings recorded; want 1", got)
		}
		if got := s.count(&models.Alert{}) - alerts; got != 1 {
			t.Errorf("%d alerts raised; want 1", got)
		}

		// A new form, with a new key, is a new reading.
		mustStatus(t, b.post(path, url.Values{"litres": {"280"}}), http.StatusOK)
		if got := s.count(&models.Reading{}) - readings; got != 2 {
			t.Errorf("%d readings after a second form; want 2", got)
		}
	})
}

func TestAFormSentManyTimesAtOnceIsActedOnOnce(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("patient")
		path := "/passport/" + ameliaRef + "/readings/peak-flow"
		readings := s.count(&models.Reading{})
		form := url.Values{"litres": {"200"}, "submission_key": {rand.Text()}, "csrf_token": {b.csrfToken()}}
		client := *b.client
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

		const senders = 10
		start := make(chan struct{})
		answers := make([]*http.Response, senders)
		var wg sync.WaitGroup
		for i := range senders {
			wg.Go(func() {
				<-start
				res, err := client.PostForm(s.URL+path, form)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				answers[i] = res
			})
		}
		close(start)
		wg.Wait()

		if got := s.count(&models.Reading{}) - readings; got != 1 {
			t.Errorf("%d readings recorded; want 1", got)
		}
		var where string
		for _, res := range answers {
			if res == nil {
				continue
			}
			switch res.StatusCode {
			case http.StatusSeeOther:
				if where == "" {
					where = res.Header.Get("Location")
				}
				if res.Header.Get("Location") != where || !readingPath.MatchString(where) {
					t.Errorf("sent to %s; want one reading, %s", res.Header.Get("Location"), where)
				}
			case http.StatusConflict:
				// Still being saved when this one gave up waiting.
			default:
				t.Errorf("answered %d; want 303 or 409", res.StatusCode)
			}
		}
		if where == "" {
			t.Error("no answer led to the reading")
		}
	})
}

func TestAFormWithMistakesCanBeCorrectedAndSent(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("patient")
		path := "/passport/" + ameliaRef + "/readings/peak-flow"
		readings := s.count(&models.Reading{})
		key := rand.Text()
		r := b.post(path, url.Values{"litres": {"two hundred"}, "submission_key": {key}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "nhsuk-error-summary", `value="two hundred"`)
		r = b.post(path, url.Values{"litres": {"200"}, "submission_key": {key}})
		mustStatus(t, r, http.StatusOK)
		if !readingPath.MatchString(r.url) {
			t.Errorf("the corrected form landed on %s", r.url)
		}
		if got := s.count(&models.Reading{}) - readings; got != 1 {
			t.Errorf("%d readings recorded; want 1", got)
		}
	})
}

func TestEveryFormCarriesANewKey(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("patient")
		path := "/passport/" + ameliaRef + "/readings/peak-flow"
		first, second := b.get(path).body, b.get(path).body
		key := func(body string) string {
			_, after, found := strings.Cut(body, `name="submission_key" value="`)
			if !found {
				t.Fatal("the form carries no key")
			}
			return after[:26]
		}
		if key(first) == key(second) {
			t.Error("the form was shown twice with the same key")
		}
		// A key that is not one of ours is refused like a forged form.
		r := b.post(path, url.Values{"litres": {"200"}, "submission_key": {"not-a-key"}})
		mustStatus(t, r, http.StatusForbidden)
		mustContain(t, r, "This page has expired")
	})
}
