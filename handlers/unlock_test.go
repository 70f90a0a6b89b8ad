package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"healthpassport/models"
	"healthpassport/models/store"
)

func TestAnAdministratorUnlocksAThrottledStaffAccount(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin, nurse := s.browser(t), s.browser(t)
		admin.signIn("admin")
		for range store.LimitPerAccountAddress.Max {
			nurse.post("/sign-in", url.Values{"username": {"nurse"}, "password": {"wrong password"}})
		}
		r := nurse.signIn("nurse")
		mustStatus(t, r, http.StatusTooManyRequests)

		id := s.user(t, "nurse").ID
		page := fmt.Sprintf("/staff/%d", id)
		mustContain(t, admin.get(page), "Blocked after too many wrong passwords", "Let them sign in again")

		// Only an administrator unlocks, and no one unlocks themselves by it.
		other := s.browser(t)
		other.signIn("commissioner")
		mustStatus(t, other.post(page+"/unlock", url.Values{}), http.StatusForbidden)
		mustStatus(t, nurse.signIn("nurse"), http.StatusTooManyRequests)

		r = admin.post(page+"/unlock", url.Values{})
		mustContain(t, r, "Alex Morgan can sign in again")
		if s.auditCount(models.AuditAccountUnlocked, strconv.Itoa(int(id))) != 1 {
			t.Error("unlocking was not audited")
		}
		if r := nurse.signIn("nurse"); r.url != "/caseload" {
			t.Fatalf("the unlocked nurse landed on %s (%d)", r.url, r.status)
		}
		if r := admin.get(page); r.status != http.StatusOK || strings.Contains(r.body, "Blocked after too many wrong passwords") {
			t.Error("the account still shows as blocked")
		}
	})
}

func TestAnAdministratorSignsANurseOutOnEveryDevice(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin, work, home := s.browser(t), s.browser(t), s.browser(t)
		admin.signIn("admin")
		work.signIn("nurse")
		home.signIn("nurse")
		nurse := s.user(t, "nurse")
		page := fmt.Sprintf("/staff/%d", nurse.ID)
		mustContain(t, admin.get(page), "Sign them out on every device")
		r := admin.post(page+"/devices/sign-out", url.Values{})
		mustContain(t, r, "Alex Morgan is signed out on every device", "They are not signed in anywhere")
		for _, b := range []*browser{work, home} {
			if r := b.get("/caseload"); r.url != "/sign-in" {
				t.Errorf("a device signed out still reaches %s", r.url)
			}
		}
		if s.auditCount(models.AuditStaffSignedOut, strconv.Itoa(int(nurse.ID))) != 1 {
			t.Error("signing out everywhere was not audited")
		}
		mustStatus(t, admin.get("/staff"), http.StatusOK)
	})
}

func TestANurseUnlocksAThrottledPatientAccount(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse, patient, stranger := s.browser(t), s.browser(t), s.browser(t)
		nurse.signIn("nurse")
		for range store.LimitPerAccountAddress.Max {
			patient.post("/sign-in", url.Values{"username": {"patient"}, "password": {"wrong password"}})
		}
		mustStatus(t, patient.signIn("patient"), http.StatusTooManyRequests)
		record := "/patients/" + ameliaRef
		mustContain(t, nurse.get(record), "Blocked after too many wrong passwords", "Let Amelia sign in again")

		// A nurse of another practice does not reach her.
		priya := s.patient(t, priyaRef)
		otherNurse := s.addUser(t, "hillside-nurse", models.RoleNurse, nil)
		s.db.Create(&models.Membership{UserID: otherNurse.ID, OrganisationID: priya.PracticeID})
		stranger.signIn("hillside-nurse")
		mustStatus(t, stranger.post(record+"/unlock", url.Values{}), http.StatusForbidden)
		mustStatus(t, patient.signIn("patient"), http.StatusTooManyRequests)
		// Oliver has no account to unlock.
		mustStatus(t, nurse.post("/patients/"+oliverRef+"/unlock", url.Values{}), http.StatusNotFound)

		mustContain(t, nurse.post(record+"/unlock", url.Values{}), "Amelia can sign in again")
		if n := s.countWhere(&models.AuditEvent{}, "action = ? AND patient_id = ?", models.AuditAccountUnlocked, s.patient(t, ameliaRef).ID); n != 1 {
			t.Errorf("unlocking was audited %d times", n)
		}
		if r := patient.signIn("patient"); r.url != "/passport" {
			t.Fatalf("the unlocked patient landed on %s (%d)", r.url, r.status)
		}
		mustContain(t, patient.get("/passport/"+ameliaRef+"/seen"), "Nurse Alex Morgan let you sign in again after too many wrong passwords")
	})
}
