package e2e

import (
	"encoding/json"
	"io"
	"regexp"
	"testing"
	"time"

	"healthpassport/models"

	"github.com/go-rod/rod/lib/input"
	"github.com/go-rod/rod/lib/proto"
)

// measure evaluates a script on the page as it stands and decodes its JSON
// answer. With JavaScript off, scripts are allowed just long enough to
// measure.
func (v *visitor) measure(script string, into any) {
	v.t.Helper()
	if !v.js {
		v.must(proto.EmulationSetScriptExecutionDisabled{Value: false}.Call(v.page))
		defer func() { v.must(proto.EmulationSetScriptExecutionDisabled{Value: true}.Call(v.page)) }()
	}
	res, err := v.step().Eval(script)
	v.must(err)
	v.must(json.Unmarshal([]byte(res.Value.Str()), into))
}

// box is an element's size on the screen, and what it says.
type box struct {
	Text          string
	Width, Height float64
	LineHeight    float64
	Overflows     bool
}

// boxes measures every element a selector matches.
func (v *visitor) boxes(selector string) []box {
	v.t.Helper()
	var found []box
	v.measure(`() => JSON.stringify([...document.querySelectorAll(`+jsString(selector)+`)].map(e => {
		const r = e.getBoundingClientRect(), style = getComputedStyle(e);
		return {Text: e.textContent.trim(), Width: r.width, Height: r.height,
			LineHeight: parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5,
			Overflows: e.scrollWidth > e.clientWidth + 1};
	}))`, &found)
	return found
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// onOneLine fails the test for any element drawn on more than one line.
func onOneLine(t *testing.T, what string, boxes []box) {
	t.Helper()
	if len(boxes) == 0 {
		t.Fatalf("no %s on the page", what)
	}
	for _, b := range boxes {
		if b.Height > b.LineHeight*1.5 || b.Overflows {
			t.Errorf("%s %q is %.0f pixels high (a line is %.0f) or overflows: it is broken over lines", what, b.Text, b.Height, b.LineHeight)
		}
	}
}

// TestChartKeysAreSmall: the key under or beside each outcomes chart draws
// each line at its own small size, not at the chart's width, and a line
// with nothing to draw is named in words instead.
func TestChartKeysAreSmall(t *testing.T) {
	for _, width := range []int{desktop, phone} {
		bothWays(t, width, func(t *testing.T, v *visitor) {
			for _, who := range []struct{ user, path string }{{"commissioner", "/dashboard"}, {"nurse", "/outcomes"}} {
				v.signIn(who.user, demoPassword)
				v.visit(who.path)
				v.see("no line: ")
				keys := v.boxes(".app-chart__line")
				if len(keys) == 0 {
					t.Fatalf("%s: no chart key", who.path)
				}
				for _, k := range keys {
					if k.Width > 40 || k.Height > 24 {
						t.Fatalf("%s at %d pixels: a chart key's line is drawn %.0f by %.0f pixels; want at most 40 by 24", who.path, width, k.Width, k.Height)
					}
				}
				v.fitsWidth()
				v.audit()
				v.signOut()
			}
		})
	}
}

// TestCodesStayWholeOnAPhone: an access code and an activation code are
// each shown on one line of a 320-pixel phone.
func TestCodesStayWholeOnAPhone(t *testing.T) {
	bothWays(t, phone, func(t *testing.T, v *visitor) {
		v.signIn("patient", demoPassword)
		v.visit("/passport/demoamelia0000001/shares")
		v.typeInto("#recipient", "Hillside Academy")
		v.focus("#days-7")
		v.must(v.page.Keyboard.Type(input.Space))
		v.press(`main form[action$="/shares"] button[type="submit"]`)
		v.see("Give Hillside Academy this code")
		onOneLine(t, "the access code", v.boxes("#access-code"))
		v.fitsWidth()
		v.audit()
		// Stop sharing again: later journeys start from a passport shared
		// with nobody.
		v.visit("/passport/demoamelia0000001/shares")
		v.press(`main a[href$="/revoke"]`)
		v.see("Stop sharing with Hillside Academy?")
		v.press(`main form button[type="submit"]`)
		v.see("Hillside Academy can no longer see the emergency page")
		v.signOut()

		v.signIn("nurse", demoPassword)
		v.visit("/patients/demooliver0000001/activation-letter")
		v.press(`main form[action$="/activation-code"] button`)
		v.see("Set up your Health Passport")
		onOneLine(t, "the activation code", v.boxes("#activation-code"))
		v.fitsWidth()
		v.audit()
	})
}

// TestCaseloadOnAPhone: on a 320-pixel phone the caseload lists each
// patient's details under each other, each NHS number and date whole, and
// a review past its date needs attention.
func TestCaseloadOnAPhone(t *testing.T) {
	yesterday := time.Now().In(models.UK).AddDate(0, 0, -1)
	overdue := time.Date(yesterday.Year(), yesterday.Month(), yesterday.Day(), 0, 0, 0, 0, time.UTC)
	v := st.DB().Model(&models.Patient{}).Where("ref = ?", "demooliver0000001").Update("next_review_on", overdue)
	if v.Error != nil {
		t.Fatal(v.Error)
	}
	bothWays(t, phone, func(t *testing.T, v *visitor) {
		v.signIn("nurse", demoPassword)
		v.at("/caseload")
		v.see("Review overdue")
		onOneLine(t, "an NHS number", v.boxes(".app-caseload td .app-nowrap"))
		var names []box
		names = v.boxes(".app-caseload tbody th a")
		onOneLine(t, "a patient's name", names)
		v.fitsWidth()
		v.audit()
	})
}

// printToPDF prints the page to A4 as the browser's print does.
func (v *visitor) printToPDF() []byte {
	v.t.Helper()
	a4Width, a4Height := 8.27, 11.69
	r, err := v.page.Timeout(60 * time.Second).PDF(&proto.PagePrintToPDF{PaperWidth: &a4Width, PaperHeight: &a4Height, PreferCSSPageSize: true})
	v.must(err)
	pdf, err := io.ReadAll(r)
	v.must(err)
	return pdf
}

// pdfPages prints the page to A4 and counts the printed pages.
func (v *visitor) pdfPages() int {
	v.t.Helper()
	return len(pdfPage.FindAll(v.printToPDF(), -1))
}

var pdfPage = regexp.MustCompile(`/Type\s*/Page[^s]`)

// printMedia lays the page out for paper, as printing does, until the
// function it returns puts the screen back.
func (v *visitor) printMedia() (screen func()) {
	v.t.Helper()
	v.must(proto.EmulationSetEmulatedMedia{Media: "print"}.Call(v.page))
	return func() { v.must(proto.EmulationSetEmulatedMedia{Media: ""}.Call(v.page)) }
}

// TestPrintedPages: the emergency page prints on one side of A4, the
// monthly report starts with its headline figures and takes a few pages,
// and no medicine is printed apart from its details.
func TestPrintedPages(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.signIn("patient", demoPassword)
		v.visit("/passport/demoamelia0000001/emergency/print")
		v.see("Emergency information for Amelia Jones")
		if pages := v.pdfPages(); pages != 1 {
			t.Errorf("the emergency page prints on %d pages; want 1", pages)
		}
		v.visit("/passport/demoamelia0000001/print")
		screen := v.printMedia()
		// A medicine's name heads the summary of how it is taken.
		var split []string
		v.measure(`() => JSON.stringify([...document.querySelectorAll("main h3")].filter(h => h.nextElementSibling?.matches(".nhsuk-summary-list") && h.nextElementSibling.textContent.includes("How much"))
			.filter(h => getComputedStyle(h.parentElement).breakInside !== "avoid").map(h => h.textContent))`, &split)
		if len(split) > 0 {
			t.Errorf("these can print apart from their details: %v", split)
		}
		screen()
		v.signOut()

		v.signIn("commissioner", demoPassword)
		v.visit("/dashboard/report")
		v.see("Headline figures")
		if pages := v.pdfPages(); pages > 8 {
			t.Errorf("the monthly report prints on %d pages; want 8 at most", pages)
		}
		defer v.printMedia()()
		// A4 less the 15 mm margins is 267 mm high: 1009 CSS pixels.
		var top []float64
		v.measure(`() => JSON.stringify([document.querySelector("main table tbody tr").getBoundingClientRect().top + scrollY])`, &top)
		if top[0] > 1009 {
			t.Errorf("the headline figures start %.0f pixels down: not on the first printed page", top[0])
		}
	})
}

// TestNoInlineStyleAfterAnError: a wrong activation code, an empty peak
// flow and audit searches each come back with the error summary or results,
// and the browser's console stays clean: no inline style, which the
// Content-Security-Policy refuses, is applied by our script or a library's.
func TestNoInlineStyleAfterAnError(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.visit("/activate")
		v.audit()
		v.typeInto("#code", "AAAA-BBBB-CCCC")
		v.typeInto("#dob-day", "12")
		v.typeInto("#dob-month", "5")
		v.typeInto("#dob-year", "2014")
		v.submit("#dob-year")
		v.see("There is a problem")
		v.audit()

		v.signIn("patient", demoPassword)
		v.visit("/passport/demoamelia0000001/readings/peak-flow")
		v.audit()
		v.submit("#litres")
		v.see("There is a problem")
		v.audit()
		v.signOut()

		v.signIn("admin", demoPassword)
		v.visit("/audit")
		v.audit()
		v.typeInto("#nhs-number", "12")
		v.submit("#nhs-number")
		v.see("There is a problem")
		v.audit()
		v.replaceIn("#nhs-number", "999 000 0018")
		v.submit("#nhs-number")
		v.notSee("There is a problem")
		v.audit()
	})
}
