package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"healthpassport/models"
)

// Clinical notes say "<150" and "peak flow >80%": free text takes any
// printable character and the page shows it as text, never as markup.
func TestFreeTextKeepsAngleBracketsAsText(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse := s.browser(t)
		nurse.signIn("nurse")
		r := nurse.post("/patients/"+ameliaRef+"/details", url.Values{
			"practice":            {fmt.Sprint(s.patient(t, ameliaRef).PracticeID)},
			"allergies":           {"Reacts when peak flow <150"},
			"communication-needs": {"<script>alert(1)</script>"},
			"emergency-0-name":    {"Sam Jones"}, "emergency-0-relationship": {"Parent"}, "emergency-0-phone": {"07700 900 111"},
			"clinic-0-name": {"Asthma nurse"}, "clinic-0-phone": {"0113 496 0000"}})
		mustStatus(t, r, http.StatusOK)

		plan := asthmaPlan("400")
		plan.Set("template", fmt.Sprint(s.template(t, "asthma").ID))
		plan.Set("zone-green-actions", "Keep peak flow >80% of my best")
		r = nurse.post("/patients/"+oliverRef+"/plans", plan)
		mustStatus(t, r, http.StatusOK)
		mustContainRaw(t, r, "Keep peak flow &gt;80% of my best")

		patient := s.browser(t)
		patient.signIn("patient")
		r = patient.get("/passport")
		mustContainRaw(t, r, "Reacts when peak flow &lt;150", "&lt;script&gt;alert(1)&lt;/script&gt;")
		if strings.Contains(r.body, "<script>alert(1)") {
			t.Error("typed text reached the page as markup")
		}
	})
}

// mustContainRaw looks for text in the HTML as sent, escapes and all.
func mustContainRaw(t *testing.T, r response, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(r.body, want) {
			t.Errorf("%s: the HTML lacks %q", r.url, want)
		}
	}
}

// A phone can call the numbers on the passport and 999 with a tap; the
// print pages have a Print button for browsers with JavaScript, and say how
// to print without it.
func TestPhoneLinksAndPrintButtons(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		patient := s.browser(t)
		patient.signIn("patient")
		mustContain(t, patient.get("/passport"), `href="tel:999"`, `href="tel:01134960000">0113 496 0000</a>`)
		mustContain(t, patient.get("/emergency"), `href="tel:999"`)
		for _, path := range []string{"/passport/" + ameliaRef + "/print", "/passport/" + ameliaRef + "/emergency/print"} {
			mustContain(t, patient.get(path), `data-print-page hidden`, "Use your browser's print option")
		}
		nurse := s.browser(t)
		nurse.signIn("nurse")
		r := nurse.post("/patients/"+oliverRef+"/activation-code", url.Values{})
		mustContain(t, r, `data-print-page hidden>Print this letter</button>`, "Use your browser's print option")
	})
}

// A passport with several conditions starts with a list of them, each
// linked to its plan.
func TestContentsListWithSeveralConditions(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		patient := s.browser(t)
		patient.signIn("patient")
		if strings.Contains(patient.get("/passport").body, "nhsuk-contents-list") {
			t.Error("a passport with one condition has a contents list")
		}
		nurse := s.browser(t)
		nurse.signIn("nurse")
		mustStatus(t, nurse.post("/patients/"+ameliaRef+"/plans", templateForm(t, s.template(t, "epilepsy"), true, models.VersionPublished)), http.StatusOK)
		r := patient.get("/passport")
		mustContain(t, r, `class="nhsuk-contents-list"`, "Asthma action plan</a>", "Epilepsy action plan</a>")
		for _, target := range regexp.MustCompile(`nhsuk-contents-list__link" href="#([a-z0-9-]+)"`).FindAllStringSubmatch(r.body, -1) {
			if !strings.Contains(r.body, `id="`+target[1]+`"`) {
				t.Errorf("the contents list links to #%s, which is not on the page", target[1])
			}
		}
	})
}

// Choosing no condition is an error the nurse can put right, not a
// page that silently comes back.
func TestAddAConditionWithNothingChosen(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse := s.browser(t)
		nurse.signIn("nurse")
		r := nurse.get("/patients/" + oliverRef + "/plans/new")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, `name="choosing"`)
		r = nurse.get("/patients/" + oliverRef + "/plans/new?choosing=yes")
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "<title>Error: Add a condition", "There is a problem", `href="#template">Select the condition to add`,
			`id="template-error"`)
	})
}

var (
	summaryLinks = regexp.MustCompile(`<li><a href="#([^"]+)">`)
	fieldIDs     = regexp.MustCompile(`<(?:input|select|textarea)[^>]* id="([^"]+)"`)
)

// The error summary lists problems in the order of the fields on the page.
func TestErrorSummaryFollowsFieldOrder(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse := s.browser(t)
		nurse.signIn("nurse")
		forms := []struct {
			path string
			form url.Values
		}{
			{"/patients/new", url.Values{}},
			{"/patients/new", registration("123", "", "Okafor", "31", "2", "")},
			{"/patients/" + oliverRef + "/details", url.Values{"email": {"not an email"}, "allergies": {strings.Repeat("nuts ", 300)},
				"emergency-0-name": {"Ann"}, "practice": {"999"}}},
			{"/patients/" + oliverRef + "/reviews", url.Values{}},
		}
		for _, f := range forms {
			r := nurse.post(f.path, f.form)
			mustStatus(t, r, http.StatusUnprocessableEntity)
			position := map[string]int{}
			for i, m := range fieldIDs.FindAllStringSubmatch(r.body, -1) {
				if _, seen := position[m[1]]; !seen {
					position[m[1]] = i
				}
			}
			last := -1
			for _, m := range summaryLinks.FindAllStringSubmatch(r.body, -1) {
				at, ok := position[m[1]]
				if !ok {
					t.Errorf("%s: the summary links to #%s, which is no field", f.path, m[1])
					continue
				}
				if at < last {
					t.Errorf("%s: #%s is listed after a field below it", f.path, m[1])
				}
				last = at
			}
		}
	})
}

var pageTitle = regexp.MustCompile(`<title>([^<]*)</title>`)

// Every page names the service once in its title.
func TestTitlesNameTheServiceOnce(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		pages := map[string][]string{
			"":             {"/", "/sign-in", "/activate", "/shared", "/help", "/accessibility"},
			"patient":      {"/passport", "/emergency", "/passport/" + ameliaRef + "/readings", "/passport/" + ameliaRef + "/print", "/account"},
			"carer":        {"/people"},
			"nurse":        {"/caseload", "/patients/new", "/patients/" + ameliaRef, "/queues/alerts", "/queues/prescriptions"},
			"admin":        {"/admin"},
			"commissioner": {"/dashboard"},
		}
		for user, paths := range pages {
			b := s.browser(t)
			if user != "" {
				b.signIn(user)
			}
			for _, path := range paths {
				r := b.get(path)
				m := pageTitle.FindStringSubmatch(r.body)
				if m == nil {
					t.Errorf("%s has no title", path)
					continue
				}
				if n := strings.Count(m[1], "Health Passport"); n != 1 {
					t.Errorf("%s (reached %s) is titled %q", path, r.url, m[1])
				}
			}
		}
	})
}
