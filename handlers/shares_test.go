package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/store"
)

var accessCode = regexp.MustCompile(`id="access-code">([A-Z0-9-]+)<`)

func ameliaDOB(code string) url.Values {
	return url.Values{"code": {code}, "dob-day": {"12"}, "dob-month": {"5"}, "dob-year": {"2014"}}
}

func TestShareTheEmergencyPageWithASchool(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		base := "/passport/" + ameliaRef
		carer := s.browser(t)
		carer.signIn("carer")
		r := carer.get(base + "/shares")
		mustContain(t, r, "Nobody outside the clinic can see it", "Share with someone new")
		r = carer.post(base+"/shares", url.Values{"recipient": {""}, "days": {"365"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, `href="#recipient"`, `href="#days-7"`)
		r = carer.post(base+"/shares", url.Values{"recipient": {"Riverside Primary School"}, "days": {"30"}})
		m := accessCode.FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no access code on %s", r.url)
		}
		if again := carer.get(r.url); accessCode.MatchString(again.body) {
			t.Error("the access code was shown twice")
		}
		mustContain(t, carer.get(base+"/shares"), "Riverside Primary School", "Until "+time.Now().AddDate(0, 0, 30).Format("2 January 2006"))

		school := s.browser(t)
		mustStatus(t, school.get("/shared/view"), http.StatusOK) // sent to the form
		r = school.post("/shared", ameliaDOB(m[1]))
		if r.url != "/shared/view" {
			t.Fatalf("a right code landed on %s", r.url)
		}
		mustContain(t, r, "Emergency information for Amelia Jones", "Shared with Riverside Primary School", "Call 999 if I do not feel better")
		for _, private := range []string{"Readings", "Repeat prescriptions", "Version 1", "Sign out", "Peak flow 140"} {
			if strings.Contains(r.body, private) {
				t.Errorf("the shared view shows %q", private)
			}
		}
		mustStatus(t, school.get("/passport/"+ameliaRef), http.StatusOK) // only the sign-in page
		if r := school.get("/passport/" + ameliaRef); r.url != "/sign-in" {
			t.Errorf("a share opened %s", r.url)
		}
		if s.auditCount("share.used", "") != 1 || s.auditCount("share.viewed", "") != 1 {
			t.Error("using the share was not audited")
		}

		// Revoking stops it at once, even for a school already looking.
		var share models.Share
		s.db.First(&share)
		carer.post(fmt.Sprintf("%s/shares/%d/revoke", base, share.ID), url.Values{})
		if r := school.get("/shared/view"); r.url != "/shared" {
			t.Errorf("a revoked share still shows %s", r.url)
		}
		mustStatus(t, s.browser(t).post("/shared", ameliaDOB(m[1])), http.StatusUnprocessableEntity)
	})
}

func TestShareCodesRefuseGuessesExpiryAndOtherPeople(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		patient := s.browser(t)
		patient.signIn("patient")
		r := patient.post("/passport/"+ameliaRef+"/shares", url.Values{"recipient": {"Swimming club"}, "days": {"7"}})
		code := accessCode.FindStringSubmatch(r.body)[1]

		school := s.browser(t)
		wrongDOB := ameliaDOB(code)
		wrongDOB.Set("dob-day", "13")
		mustStatus(t, school.post("/shared", wrongDOB), http.StatusUnprocessableEntity)
		for _, bad := range []url.Values{{}, ameliaDOB(strings.Repeat("A", 500)), ameliaDOB("' OR 1=1 --")} {
			mustStatus(t, school.post("/shared", bad), http.StatusUnprocessableEntity)
		}
		// Guessing: after repeated failures the address is refused even the right code.
		guesser := s.browser(t)
		for i := range store.LimitPerAddress.Max {
			guesser.post("/shared", ameliaDOB(fmt.Sprintf("GUES-SXXX-%04d", i)))
		}
		r = guesser.post("/shared", ameliaDOB(code))
		mustStatus(t, r, http.StatusTooManyRequests)

		// An expired share does not open (with the guesser's failures forgotten).
		s.db.Where("1 = 1").Delete(&store.AttemptCounter{})
		s.db.Model(&models.Share{}).Where("1 = 1").Update("expires_at", time.Now().Add(-time.Minute))
		mustStatus(t, s.browser(t).post("/shared", ameliaDOB(code)), http.StatusUnprocessableEntity)

		// Nobody shares or revokes another person's passport.
		var share models.Share
		s.db.First(&share)
		mustStatus(t, patient.post("/passport/"+oliverRef+"/shares", url.Values{"recipient": {"x"}, "days": {"7"}}), http.StatusForbidden)
		nurse := s.browser(t)
		nurse.signIn("nurse")
		mustStatus(t, nurse.post(fmt.Sprintf("/passport/%s/shares/%d/revoke", ameliaRef, share.ID), url.Values{}), http.StatusForbidden)
		carerUser, _ := s.store.UserByUsername(t.Context(), "carer")
		s.db.Model(&models.CarerLink{}).Where("carer_id = ?", carerUser.ID).Update("permission", models.PermissionView)
		carer := s.browser(t)
		carer.signIn("carer")
		if r := carer.get("/passport/" + ameliaRef + "/shares"); strings.Contains(r.body, "Share with someone new") {
			t.Error("a view-only carer is offered sharing")
		}
		mustStatus(t, carer.post("/passport/"+ameliaRef+"/shares", url.Values{"recipient": {"x"}, "days": {"7"}}), http.StatusForbidden)
	})
}
