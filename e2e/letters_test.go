package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"healthpassport/models"

	"github.com/go-rod/rod/lib/proto"
)

// The DL window envelope an A4 letter folded in three goes into: where its
// window sits on the page, in millimetres from the top left corner.
const (
	windowLeft, windowTop, windowWidth, windowHeight = 20.0, 50.0, 90.0, 35.0
	pageMargin                                       = 15.0 // the print stylesheet's @page margin
	pxPerMM                                          = 96 / 25.4
)

// TestLettersPrintOnePerPageWithTheAddressInTheEnvelopeWindow: a nurse
// prints every waiting letter at once. Each letter fills one A4 page, and
// the name and address sit where a DL window envelope shows them; a letter
// with no address tells the nurse so on screen.
func TestLettersPrintOnePerPageWithTheAddressInTheEnvelopeWindow(t *testing.T) {
	db := st.DB()
	var amelia models.Patient
	if err := db.Where("ref = ?", "demoamelia0000001").Take(&amelia).Error; err != nil {
		t.Fatal(err)
	}
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		v.must(db.Model(&models.Notification{}).Where("status = ?", models.MessageToPrint).Update("status", models.MessagePrinted).Error)
		addresses := []string{"12 Park Lane\nLeeds\nLS2 9JT", "Flat 3\n8 Canal Wharf\nHunslet\nLeeds\nLS10 1AB", ""}
		for i, address := range addresses {
			v.must(db.Create(&models.Notification{Key: "e2e-print-" + models.RandomToken(8), PatientID: &amelia.ID, OrganisationID: &amelia.PracticeID,
				Kind: models.MessageReviewDue, Channel: models.ChannelLetter, Destination: address, RecipientName: []string{"Amelia Jones", "Sam Jones", "Robin Jones"}[i],
				Body: models.MessageText(models.MessageReviewDue, "", serverURL), Status: models.MessageToPrint, SendAfter: time.Now(), CreatedAt: time.Now()}).Error)
		}

		v.signIn("nurse", demoPassword)
		v.visit("/letters")
		v.press(`main a[href="/letters/print"]`)
		v.at("/letters/print")
		v.see("3 letters, one to a page", "Dear Amelia Jones", "Dear Sam Jones", "Dear Robin Jones", "LS10 1AB",
			"No postal address", "Add an address to post this letter", "Riverside Health Centre", "01632 960 001", "1 River Street")
		v.audit()

		// Lay the page out as it prints: print styles, at the width of
		// an A4 page inside its margins.
		v.must(v.page.SetViewport(&proto.EmulationSetDeviceMetricsOverride{Width: 680, Height: 1100, DeviceScaleFactor: 1}))
		v.must(proto.EmulationSetEmulatedMedia{Media: "print"}.Call(v.page))
		boxes, err := v.step().Eval(`() => [...document.querySelectorAll(".app-letter")].map(letter => {
			const page = letter.getBoundingClientRect(), address = letter.querySelector("[data-letter-address]").getBoundingClientRect();
			return {left: address.left - page.left, top: address.top - page.top, right: address.right - page.left, bottom: address.bottom - page.top,
				letterHeight: page.height};
		})`)
		v.must(err)
		letters := boxes.Value.Arr()
		if len(letters) != len(addresses) {
			t.Fatalf("%d letters laid out; want %d", len(letters), len(addresses))
		}
		for i, box := range letters {
			mm := func(key string) float64 { return pageMargin + box.Get(key).Num()/pxPerMM }
			left, top, right, bottom := mm("left"), mm("top"), mm("right"), mm("bottom")
			t.Logf("letter %d: address from %.1fmm to %.1fmm across, %.1fmm to %.1fmm down", i+1, left, right, top, bottom)
			if left < windowLeft || top < windowTop || right > windowLeft+windowWidth || bottom > windowTop+windowHeight {
				t.Errorf("letter %d: the address (%.1f, %.1f)–(%.1f, %.1f)mm is outside the envelope window (%.0f, %.0f)–(%.0f, %.0f)mm",
					i+1, left, top, right, bottom, windowLeft, windowTop, windowLeft+windowWidth, windowTop+windowHeight)
			}
		}
		code, err := v.step().Eval(`() => getComputedStyle(document.querySelector(".app-letter__date")).display`)
		v.must(err)
		if code.Value.Str() == "none" {
			t.Error("the printed letter has no date")
		}

		pdf := v.printToPDF()
		if pages := len(pdfPage.FindAll(pdf, -1)); pages != len(addresses) {
			t.Errorf("the letters printed on %d pages; want one each, %d", pages, len(addresses))
		}
		if dir := os.Getenv("E2E_ARTIFACTS"); dir != "" {
			v.must(os.WriteFile(filepath.Join(dir, "letters-"+onOff(v.js)+".pdf"), pdf, 0o644))
		}
		v.must(proto.EmulationSetEmulatedMedia{Media: ""}.Call(v.page))
	})
}
