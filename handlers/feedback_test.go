package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"healthpassport/models"
)

func TestFeedbackOnceAMonth(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("patient")
		mustContain(t, b.get("/feedback"), "How satisfied are you with Health Passport?")
		for _, bad := range []url.Values{{}, {"score": {"6"}}, {"score": {"0"}}, {"score": {"five"}},
			{"score": {"4"}, "comment": {"fine\x00"}}, {"score": {"4"}, "comment": {strings.Repeat("a", 1001)}}} {
			r := b.post("/feedback", bad)
			mustStatus(t, r, http.StatusUnprocessableEntity)
			mustContain(t, r, "There is a problem")
		}
		if s.count(&models.Feedback{}) != 0 {
			t.Fatal("refused feedback was stored")
		}
		r := b.post("/feedback", url.Values{"score": {"5"}, "comment": {"Easy to use at the library."}})
		mustContain(t, r, "Thank you. You told us what you think on")
		mustStatus(t, b.post("/feedback", url.Values{"score": {"1"}}), http.StatusConflict)
		if s.count(&models.Feedback{}) != 1 {
			t.Error("feedback was stored more than once in a month")
		}
		nurse := s.browser(t)
		nurse.signIn("nurse")
		mustStatus(t, nurse.get("/feedback"), http.StatusForbidden)
	})
}

// The accessibility statement is public and reached from every page's footer.
func TestAccessibilityStatementIsForEveryone(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		visitor := s.browser(t)
		mustContain(t, visitor.get("/"), `href="/accessibility">Accessibility statement</a>`)
		r := visitor.get("/accessibility")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Accessibility statement for Health Passport", "How accessible Health Passport is",
			"Reporting accessibility problems", "Enforcement procedure", "Compliance status", "How we tested Health Passport")
		patient := s.browser(t)
		patient.signIn("patient")
		mustContain(t, patient.get("/passport"), `href="/accessibility">Accessibility statement</a>`)
	})
}

func TestHelpIsForEveryone(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		r := s.browser(t).get("/help")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Using a shared computer", "What the zones mean", "Sharing with a school", "Who to call", "call 999")
	})
}
