package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"healthpassport/models"
)

// invite has the demo administrator invite a member of staff, and returns
// their id and the code on their letter.
func (s *testServer) invite(t *testing.T, admin *browser, name, email string, role models.Role, organisation uint) (uint, string) {
	t.Helper()
	r := admin.post("/staff/new", url.Values{"name": {name}, "email": {email}, "role": {string(role)},
		"organisations": {strconv.Itoa(int(organisation))}})
	m := codePattern.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		t.Fatalf("inviting %s answered %d at %s with no code", name, r.status, r.url)
	}
	var user models.User
	if err := s.db.Where("email = ?", strings.ToLower(email)).Take(&user).Error; err != nil {
		t.Fatal(err)
	}
	return user.ID, m[1]
}

// activateStaff sets up an invited member of staff's account in a new
// browser, which it returns signed in.
func (s *testServer) activateStaff(t *testing.T, code, email, username string) (*browser, response) {
	t.Helper()
	b := s.browser(t)
	if r := b.post("/activate/staff", url.Values{"code": {code}, "email": {email}}); r.url != "/activate/staff/account" {
		t.Fatalf("the code from the letter led to %s (%d)", r.url, r.status)
	}
	return b, b.post("/activate/staff/account", url.Values{"username": {username}, "password": {"heron lantern quarry 42"}})
}

func (s *testServer) organisation(t *testing.T, odsCode string) models.Organisation {
	t.Helper()
	var o models.Organisation
	if err := s.db.Where("ods_code = ?", odsCode).Take(&o).Error; err != nil {
		t.Fatal(err)
	}
	return o
}

func TestAnAdministratorInvitesANurseWhoSetsUpTheirAccount(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin := s.browser(t)
		admin.signIn("admin")
		riverside := s.organisation(t, "Y90001")

		r := admin.post("/staff/new", url.Values{"name": {"Jane Smith"}, "email": {"not an email"}, "role": {"superuser"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "There is a problem", "Enter an email address in the correct format", "Choose a role",
			"Choose where they work", `value="Jane Smith"`)

		id, code := s.invite(t, admin, "Jane Smith", "Jane.Smith@nhs.net", models.RoleNurse, riverside.ID)
		if s.auditCount(models.AuditStaffInvited, strconv.Itoa(int(id))) != 1 {
			t.Error("the invitation was not audited")
		}
		r = admin.post("/staff/new", url.Values{"name": {"Someone Else"}, "email": {"jane.smith@nhs.net"}, "role": {"nurse"},
			"organisations": {strconv.Itoa(int(riverside.ID))}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "A member of staff already has this email address")

		stranger := s.browser(t)
		r = stranger.post("/activate/staff", url.Values{"code": {code}, "email": {"someone@nhs.net"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "The activation code or work email address is not right")

		nurse, r := s.activateStaff(t, code, "jane.smith@nhs.net", "jane.smith")
		if r.url != "/caseload" {
			t.Fatalf("the new nurse landed on %s (%d)", r.url, r.status)
		}
		// The code is spent, and says so to someone who also knows the
		// work email, and to no one else.
		again := s.browser(t).post("/activate/staff", url.Values{"code": {code}, "email": {"Jane.Smith@nhs.net"}})
		if again.status != http.StatusUnprocessableEntity {
			t.Errorf("the code worked twice: %d at %s", again.status, again.url)
		}
		mustContain(t, again, "This activation code has already been used")
		again = s.browser(t).post("/activate/staff", url.Values{"code": {code}, "email": {"someone@nhs.net"}})
		mustContain(t, again, "The activation code or work email address is not right")
		mustNotContain(t, again, "already been used")
		mustStatus(t, nurse.get("/caseload"), http.StatusOK)
		mustContain(t, admin.get(fmt.Sprintf("/staff/%d", id)), "Jane Smith", "Active", "jane.smith")
	})
}

// TestStaffAreGreetedByNameNotTitle: a member of staff whose name starts
// with a title is greeted by their first name.
func TestStaffAreGreetedByNameNotTitle(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin := s.browser(t)
		admin.signIn("admin")
		_, code := s.invite(t, admin, "Dr Priya Shah", "priya.shah@nhs.net", models.RoleNurse, s.organisation(t, "Y90001").ID)
		r := s.browser(t).post("/activate/staff", url.Values{"code": {code}, "email": {"priya.shah@nhs.net"}})
		mustContain(t, r, "Hello Priya")
		mustNotContain(t, r, "Hello Dr")
	})
}

func TestOnlyAdministratorsManageStaff(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		for _, username := range []string{"nurse", "commissioner", "patient", "carer"} {
			b := s.browser(t)
			b.signIn(username)
			mustStatus(t, b.get("/staff"), http.StatusForbidden)
			mustStatus(t, b.post("/staff/new", url.Values{"name": {"Mallory"}, "email": {"mallory@nhs.net"}, "role": {"admin"}}), http.StatusForbidden)
		}
		if n := s.countWhere(&models.User{}, "email = ?", "mallory@nhs.net"); n != 0 {
			t.Errorf("someone who is not an administrator invited staff")
		}
	})
}

func TestAdministratorsCannotChangeOrSwitchOffTheirOwnAccount(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin := s.browser(t)
		admin.signIn("admin")
		own := fmt.Sprintf("/staff/%d", s.user(t, "admin").ID)
		icb := s.organisation(t, "QDM")
		r := admin.post(own+"/access", url.Values{"role": {"commissioner"}, "organisations": {strconv.Itoa(int(icb.ID))}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "You cannot change your own role or where you work")
		r = admin.post(own+"/disable", url.Values{})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "You cannot switch off your own account")
		if user := s.user(t, "admin"); user.Role != models.RoleAdmin || user.Disabled {
			t.Errorf("the administrator changed their own account: %s, disabled %v", user.Role, user.Disabled)
		}
		mustStatus(t, admin.get("/staff"), http.StatusOK)
	})
}

func TestChangingANursesRoleAndPracticesTakesEffectAtTheirNextRequest(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin, nurse := s.browser(t), s.browser(t)
		admin.signIn("admin")
		nurse.signIn("nurse")
		icb, hillside := s.organisation(t, "QDM"), s.organisation(t, "Y90002")
		page := fmt.Sprintf("/staff/%d", s.user(t, "nurse").ID)

		r := admin.post(page+"/access", url.Values{"role": {"nurse"}, "organisations": {"999999"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Choose where they work from the list")

		r = admin.post(page+"/access", url.Values{"role": {"nurse"}, "organisations": {strconv.Itoa(int(hillside.ID))}})
		if r.url != page {
			t.Fatalf("saving the nurse's practices landed on %s (%d)", r.url, r.status)
		}
		mustStatus(t, nurse.get("/patients/"+priyaRef), http.StatusOK)
		mustStatus(t, nurse.get("/patients/"+ameliaRef), http.StatusForbidden)

		admin.post(page+"/access", url.Values{"role": {"commissioner"}, "organisations": {strconv.Itoa(int(icb.ID))}})
		mustStatus(t, nurse.get("/caseload"), http.StatusForbidden)
		mustStatus(t, nurse.get("/dashboard"), http.StatusOK)
		if s.auditCount(models.AuditStaffAccessChanged, "") != 2 {
			t.Error("the changes were not audited")
		}
	})
}

func TestSwitchingOffANurseEndsTheirOpenSessionAtOnce(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin, work, home := s.browser(t), s.browser(t), s.browser(t)
		admin.signIn("admin")
		work.signIn("nurse")
		home.signIn("nurse")
		page := fmt.Sprintf("/staff/%d", s.user(t, "nurse").ID)
		mustContain(t, admin.get(page), "First signed in", "Last used")

		if r := admin.post(page+"/disable", url.Values{}); r.url != page {
			t.Fatalf("switching the nurse off landed on %s (%d)", r.url, r.status)
		}
		for _, b := range []*browser{work, home} {
			if r := b.get("/caseload"); r.url != "/sign-in" {
				t.Errorf("the switched-off nurse still reaches %s", r.url)
			}
		}
		if r := s.browser(t).signIn("nurse"); r.url != "/sign-in" {
			t.Errorf("the switched-off nurse signed in to %s", r.url)
		}
		mustContain(t, admin.get(page), "Switched off")
	})
}

func TestAnAdministratorSignsANurseOutOnOneDevice(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin, work, home := s.browser(t), s.browser(t), s.browser(t)
		admin.signIn("admin")
		work.signIn("nurse")
		home.signIn("nurse")
		nurse := s.user(t, "nurse")
		var device models.Device
		s.db.Where("user_id = ? AND token = ?", nurse.ID, home.sessionCookie()).Take(&device)
		page := fmt.Sprintf("/staff/%d", nurse.ID)
		if r := admin.post(fmt.Sprintf("%s/devices/%d/sign-out", page, device.ID), url.Values{}); r.url != page {
			t.Fatalf("signing the device out landed on %s (%d)", r.url, r.status)
		}
		if r := home.get("/caseload"); r.url != "/sign-in" {
			t.Errorf("the device signed out still reaches %s", r.url)
		}
		mustStatus(t, work.get("/caseload"), http.StatusOK)
		mustStatus(t, admin.post(fmt.Sprintf("%s/devices/%d/sign-out", page, device.ID), url.Values{}), http.StatusNotFound)
	})
}

func TestANewActivationCodeReplacesTheOldOne(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin := s.browser(t)
		admin.signIn("admin")
		id, old := s.invite(t, admin, "Sam Patel", "sam.patel@nhs.net", models.RoleSafetyOfficer, s.organisation(t, "QDM").ID)
		page := fmt.Sprintf("/staff/%d", id)
		if again := admin.get(page + "/activation-letter"); codePattern.MatchString(again.body) {
			t.Error("the letter showed its code twice")
		}
		m := codePattern.FindStringSubmatch(admin.post(page+"/activation-code", url.Values{}).body)
		if m == nil || m[1] == old {
			t.Fatal("no new code on the letter")
		}
		r := s.browser(t).post("/activate/staff", url.Values{"code": {old}, "email": {"sam.patel@nhs.net"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		if _, r := s.activateStaff(t, m[1], "sam.patel@nhs.net", "sam.patel"); r.url != "/templates" {
			t.Errorf("the clinical safety officer landed on %s (%d)", r.url, r.status)
		}
	})
}

// oneAdministratorStays checks the answers of two administrators acting
// on each other at once: one acts, and the other is refused, by the rule
// or, if the first change was saved before the second request began, for
// no longer being an administrator, or, switched off, sent to sign in.
// Either way one administrator is left.
func (s *testServer) oneAdministratorStays(t *testing.T, responses []response, message string) {
	t.Helper()
	acted, refused := 0, 0
	for _, r := range responses {
		switch {
		case r.status == http.StatusSeeOther && r.header.Get("Location") == "/sign-in":
			refused++
		case r.status == http.StatusSeeOther:
			acted++
		case r.status == http.StatusUnprocessableEntity:
			mustContain(t, r, message)
			refused++
		case r.status == http.StatusForbidden:
			refused++
		}
	}
	if acted != 1 || refused != 1 {
		t.Errorf("two administrators acting on each other at once: %d acted and %d were refused; want one of each", acted, refused)
	}
	if n := s.countWhere(&models.User{}, "role = ? AND disabled = ?", models.RoleAdmin, false); n != 1 {
		t.Errorf("%d administrators are left", n)
	}
}

// twoAdministrators signs in the demo administrator and a second one, both
// administrators again whatever an earlier round did.
func (s *testServer) twoAdministrators(t *testing.T, first, second *browser) (*models.User, *models.User) {
	t.Helper()
	s.db.Model(&models.User{}).Where("username IN ?", []string{"admin", "admin2"}).
		Updates(map[string]any{"role": models.RoleAdmin, "disabled": false})
	other, err := s.store.UserByUsername(t.Context(), "admin2")
	if err != nil {
		other = s.addUser(t, "admin2", models.RoleAdmin, nil)
	}
	s.db.Where("user_id = ?", other.ID).Delete(&models.Membership{})
	s.db.Create(&models.Membership{UserID: other.ID, OrganisationID: s.organisation(t, "QDM").ID})
	first.signIn("admin")
	second.signIn("admin2")
	return s.user(t, "admin"), other
}

// Two administrators who switch each other off at the same instant, again
// and again: one of them always stays.
func TestTwoAdministratorsCannotSwitchEachOtherOffAtOnce(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		for range 5 {
			first, second := s.browser(t), s.browser(t)
			admin, other := s.twoAdministrators(t, first, second)
			s.oneAdministratorStays(t, atOnce(t,
				submission{first, fmt.Sprintf("/staff/%d/disable", other.ID), url.Values{}},
				submission{second, fmt.Sprintf("/staff/%d/disable", admin.ID), url.Values{}}),
				"You cannot switch off the only administrator's account")
		}
	})
}

// Two administrators who make each other commissioners at the same
// instant, again and again: one of them always stays an administrator.
func TestTwoAdministratorsCannotDemoteEachOtherAtOnce(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		icb := strconv.Itoa(int(s.organisation(t, "QDM").ID))
		form := url.Values{"role": {"commissioner"}, "organisations": {icb}}
		for range 5 {
			first, second := s.browser(t), s.browser(t)
			admin, other := s.twoAdministrators(t, first, second)
			s.oneAdministratorStays(t, atOnce(t,
				submission{first, fmt.Sprintf("/staff/%d/access", other.ID), form},
				submission{second, fmt.Sprintf("/staff/%d/access", admin.ID), form}),
				"You cannot change the role of the only administrator")
		}
	})
}
