package e2e

import (
	"testing"

	"github.com/go-rod/rod"
)

// TestCaseloadSearch narrows the caseload by NHS number. With JavaScript on
// the results change as the nurse types and the count is announced; with it
// off, Enter submits the search and the query stays in the address.
func TestCaseloadSearch(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("nurse", demoPassword)
		v.at("/caseload")
		if v.js {
			v.typeInto("#q", "999 000 0026")
			v.must(v.step().Wait(rod.Eval(`() => document.querySelector("#result-count")?.textContent.trim() === "1 patient found"`)))
			v.must(v.step().Wait(rod.Eval(`() => document.querySelector("#status").textContent.trim() === "1 patient found"`)))
			res, err := v.step().Eval(`() => document.activeElement.id`)
			v.must(err)
			if res.Value.Str() != "q" {
				t.Errorf("focus left the search box for %q", res.Value.Str())
			}
		} else {
			v.typeInto("#q", "999 000 0026")
			v.submit("#q")
			v.at("/caseload?q=999+000+0026&filter=&sort=name")
		}
		v.see("Smith, Oliver")
		v.notSee("Jones, Amelia")
		v.audit()
		v.press(`a[href="/patients/demooliver0000001"]`)
		v.at("/patients/demooliver0000001")
		v.see("Oliver Smith")
		v.audit()
	})
}
