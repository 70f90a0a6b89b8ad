package handlers_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/demo"
)

func TestCaseloadSearchWithoutJavaScript(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("nurse")
		r := b.get("/caseload?q=999+000+0026")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "1 patient found", "Smith, Oliver", `value="999 000 0026"`)
		if strings.Contains(r.body, "Jones, Amelia") {
			t.Error("search did not narrow the caseload")
		}
		r = b.get("/caseload?filter=red-zone")
		mustContain(t, r, "Jones, Amelia", "Red zone", `<option value="red-zone" selected`)
		r = b.get("/caseload?q=" + strings.Repeat("<script>", 50))
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "No patients found")
		if strings.Contains(r.body, "<script>") {
			t.Error("the search was sent back unescaped")
		}
		mustStatus(t, b.get("/caseload?page=-3&sort=drop+table&filter=nonsense"), http.StatusOK)
	})
}

func TestCaseloadLiveSearchAnswersWithResultsOnly(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		b := s.browser(t)
		b.signIn("nurse")
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/caseload?q=jones", nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "div#caseload-results")
		r := b.do(req)
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, `id="caseload-results"`, "Jones, Amelia", `id="status" data-hx-swap-oob="innerHTML">1 patient found`)
		if strings.Contains(r.body, "<html") {
			t.Error("a live search got the whole page")
		}
		if !strings.Contains(r.header.Get("Vary"), "HX-Request") {
			t.Errorf("Vary = %q", r.header.Get("Vary"))
		}
		// Boosted navigation and history restores get the whole page.
		req.Header.Del("HX-Target")
		if r := b.do(req); !strings.Contains(r.body, "<html") {
			t.Error("a boosted request got only the results")
		}
	})
}

// TestCaseloadSaysWhenThereAreMoreThanItCounts fills the nurse's practice
// past the count's limit: the page says there are more, and pages no
// further than the limit.
func TestCaseloadSaysWhenThereAreMoreThanItCounts(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		spec := demo.PopulationSpec{Patients: models.CaseloadCountLimit, Practices: 1, Seed: 1, Today: time.Now()}
		if _, err := demo.BuildPopulation(t.Context(), s.store, spec, demoPassword); err != nil {
			t.Fatal(err)
		}
		b := s.browser(t)
		b.signIn("nurse")
		r := b.get("/caseload?page=99")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "More than 1,000 patients found", "Patients, page 40 of 40")
	})
}
