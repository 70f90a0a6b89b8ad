package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"healthpassport/models"
)

var (
	olderEntries   = regexp.MustCompile(`href="(/passport/[a-z0-9]+/seen\?before=\d+)"`)
	historyEntries = regexp.MustCompile(`<li>[^<]+</li>`)
)

func TestAPatientSeesWhoHasSeenTheirPassport(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse, patient, carer := s.browser(t), s.browser(t), s.browser(t)
		nurse.signIn("nurse")
		patient.signIn("patient")
		carer.signIn("carer")
		mustStatus(t, nurse.get("/patients/"+ameliaRef), http.StatusOK)
		mustStatus(t, carer.get("/passport/"+ameliaRef), http.StatusOK)
		mustStatus(t, patient.post("/passport/"+ameliaRef+"/readings/peak-flow", url.Values{"litres": {"280"}}), http.StatusOK)

		mustContain(t, patient.get("/passport"), "Who has seen your passport")
		mustContain(t, patient.get("/account"), `href="/passport/`+ameliaRef+`/seen"`)
		r := patient.get("/passport/" + ameliaRef + "/seen")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Who has seen your passport", "What you do is not listed.", `<h2 class="nhsuk-heading-m">Today</h2>`,
			"Nurse Alex Morgan looked at your record at ",
			"Sam Jones (carer) looked at your passport at ")
		// The patient's own reading is theirs, so not listed.
		mustNotContain(t, r, "recorded a reading", "You looked", "You recorded", "Amelia Jones (patient)")
		// Newest first: the carer's look, then the nurse's.
		body := r.body
		carerLook, nurseLook := strings.Index(body, "Sam Jones (carer) looked"), strings.Index(body, "Nurse Alex Morgan looked at your record")
		if !(carerLook < nurseLook) {
			t.Errorf("entries out of order: carer at %d, nurse at %d", carerLook, nurseLook)
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
		}

		// A carer who acts for her reads it about her, without their own looks.
		r = carer.get("/passport/" + ameliaRef + "/seen")
		mustContain(t, r, "Who has seen Amelia's passport", "What you and Amelia do is not listed.",
			"Nurse Alex Morgan looked at Amelia's record at ")
		// Neither the carer's own looks nor Amelia's own reading.
		mustNotContain(t, r, "Sam Jones (carer)", "Amelia Jones (patient)", "recorded a reading")
	})
}

// TestWhoHasSeenAPassportSaysWhenNoOneElseHas: a patient whose passport
// only they have used reads a plain sentence, not their own doings.
func TestWhoHasSeenAPassportSaysWhenNoOneElseHas(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		oliver := s.patient(t, oliverRef)
		s.addUser(t, "oliver", models.RolePatient, &oliver.ID)
		// Everything so far was the clinic's: it was done before this test.
		s.db.Where("patient_id = ?", oliver.ID).Delete(&models.AuditEvent{})
		patient := s.browser(t)
		patient.signIn("oliver")
		mustStatus(t, patient.get("/passport/"+oliverRef), http.StatusOK)
		r := patient.get("/passport/" + oliverRef + "/seen")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "No one else has looked at your passport yet.")
		mustNotContain(t, r, "<h2 class=\"nhsuk-heading-m\">")
	})
}

func TestWhoHasSeenAPassportIsForItsOwnerAndCarersWhoAct(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		oliver := s.patient(t, oliverRef)
		s.addUser(t, "oliver", models.RolePatient, &oliver.ID)
		for _, username := range []string{"oliver", "nurse", "admin", "commissioner"} {
			b := s.browser(t)
			b.signIn(username)
			mustStatus(t, b.get("/passport/"+ameliaRef+"/seen"), http.StatusForbidden)
		}
		s.db.Model(&models.CarerLink{}).Where("carer_id = ?", s.user(t, "carer").ID).Update("permission", models.PermissionView)
		carer := s.browser(t)
		carer.signIn("carer")
		if r := carer.get("/passport/" + ameliaRef); strings.Contains(r.body, "Who has seen") {
			t.Error("a carer who may only view is offered who has seen the passport")
		}
		mustStatus(t, carer.get("/passport/"+ameliaRef+"/seen"), http.StatusForbidden)
		if anonymous := s.browser(t).get("/passport/" + ameliaRef + "/seen"); anonymous.url != "/sign-in" {
			t.Errorf("an anonymous visitor landed on %s", anonymous.url)
		}
	})
}

func TestWhoHasSeenAPassportPagesSteadily(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse, patient := s.browser(t), s.browser(t)
		nurse.signIn("nurse")
		patient.signIn("patient")
		for range 25 {
			mustStatus(t, nurse.get("/patients/"+ameliaRef), http.StatusOK)
		}
		first := patient.get("/passport/" + ameliaRef + "/seen")
		m := olderEntries.FindStringSubmatch(first.body)
		if m == nil {
			t.Fatal("no link to older entries")
		}
		if n := strings.Count(first.body, "<li>Nurse Alex Morgan"); n != 20 {
			t.Errorf("the first page lists %d of the nurse's looks; want 20", n)
		}
		// New entries do not shift the next page.
		before := historyEntries.FindAllString(patient.get(m[1]).body, -1)
		mustStatus(t, nurse.get("/patients/"+ameliaRef), http.StatusOK)
		after := historyEntries.FindAllString(patient.get(m[1]).body, -1)
		if len(after) == 0 || strings.Join(before, "\n") != strings.Join(after, "\n") {
			t.Errorf("the second page changed when a new entry was added, or is empty:\n%v\n%v", before, after)
		}
	})
}
