package handlers_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	clinicalsafety "healthpassport/docs/clinical-safety"
)

// TestHazardLogIsReadableInTheService: administrators and the clinical
// safety officer read the hazard log built into the program, every hazard
// and every test a control names; no one else does.
func TestHazardLogIsReadableInTheService(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		hazards := regexp.MustCompile(`(?m)^## (H\d+\. .+)$`).FindAllStringSubmatch(clinicalsafety.HazardLog, -1)
		tests := regexp.MustCompile("`([a-z0-9/]+\\.Test[A-Za-z0-9_]+)`").FindAllStringSubmatch(clinicalsafety.HazardLog, -1)
		if len(hazards) < 7 || len(tests) < 20 {
			t.Fatalf("the built-in log has %d hazards and %d named tests", len(hazards), len(tests))
		}
		for _, username := range []string{"admin", "safety"} {
			reader := s.browser(t)
			reader.signIn(username)
			r := reader.get("/admin/hazard-log")
			mustStatus(t, r, http.StatusOK)
			mustContain(t, r, "<h1>Hazard log</h1>", "<strong>Controls.</strong>", "<strong>Residual risk.</strong>")
			for _, hazard := range hazards {
				mustContain(t, r, "<h2>"+hazard[1]+"</h2>")
			}
			for _, test := range tests {
				mustContain(t, r, "<code>"+test[1]+"</code>")
			}
			if strings.Contains(r.body, "**") || strings.Contains(r.body, "## ") {
				t.Errorf("%s: Markdown left unread on the page", username)
			}
		}
		for _, username := range []string{"nurse", "patient", "carer", "commissioner"} {
			other := s.browser(t)
			other.signIn(username)
			if r := other.get("/admin/hazard-log"); r.status != http.StatusForbidden {
				t.Errorf("%s reads the hazard log: %d", username, r.status)
			}
		}
		if r := s.browser(t).get("/admin/hazard-log"); r.url != "/sign-in" {
			t.Errorf("signed out, the hazard log leads to %s", r.url)
		}
	})
}
