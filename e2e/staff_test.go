package e2e

import (
	"fmt"
	"testing"

	"healthpassport/models"

	"github.com/go-rod/rod/lib/input"
)

// tick ticks a checkbox or chooses a radio button, as Space does.
func (v *visitor) tick(selector string) {
	v.t.Helper()
	v.focus(selector)
	v.must(v.page.Keyboard.Type(input.Space))
}

// TestAdministratorInvitesANurseAndSwitchesThemOff: an administrator
// invites a nurse, who sets up their account and signs in; the
// administrator then switches the nurse's account off, the nurse's open
// session ends, and the administrator finds it all in the audit log.
func TestAdministratorInvitesANurseAndSwitchesThemOff(t *testing.T) {
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		name, email := "Rosa Diaz "+onOff(v.js), "rosa.diaz."+onOff(v.js)+"@nhs.net"
		v.signIn("admin", demoPassword)
		v.at("/admin")
		v.press(`.nhsuk-header a[href="/staff"]`)
		v.at("/staff")
		v.see("Staff", "Alex Morgan")
		v.audit()
		v.press(`a[href="/staff/new"]`)
		v.at("/staff/new")
		v.audit()
		v.typeInto("#name", name)
		v.submit("#name")
		v.see("There is a problem", "Enter their work email address", "Choose a role", "Choose where they work", `value="`+name+`"`)
		v.audit()
		v.typeInto("#email", email)
		v.tick("#role")
		v.tick("#organisations-3")
		v.submit("#email")
		v.see("Set up your Health Passport staff account", "Dear "+name)
		v.audit()
		m := activationCode.FindStringSubmatch(v.html())
		if m == nil {
			t.Fatal("the letter shows no activation code")
		}
		v.press(`p.app-no-print a`)
		v.see(name, "Invited, not set up yet", "Make a new activation code")
		v.audit()

		nurse := newVisitor(t, v.js, desktop)
		nurse.visit("/activate/staff")
		nurse.audit()
		nurse.typeInto("#code", m[1])
		nurse.typeInto("#email", "someone.else@nhs.net")
		nurse.submit("#email")
		nurse.see("The activation code or work email address is not right")
		nurse.audit()
		nurse.replaceIn("#email", email)
		nurse.submit("#email")
		nurse.at("/activate/staff/account")
		nurse.see("Hello Rosa")
		nurse.audit()
		nurse.typeInto("#username", "rosa.diaz."+onOff(v.js))
		nurse.typeInto("#password", "violet harbour tractor")
		nurse.submit("#password")
		nurse.at("/caseload")
		nurse.see("Jones, Amelia")

		var invited models.User
		store.DB().Where("email = ?", email).Take(&invited)
		page := fmt.Sprintf("/staff/%d", invited.ID)
		v.visit(page)
		v.see(name, "Active", "Signed in on")
		v.audit()
		v.press(`a[href="` + page + `/disable"]`)
		v.at(page + "/disable")
		v.audit()
		v.press("#confirm")
		v.at(page)
		v.see("signed out everywhere", "Switched off")
		v.audit()

		nurse.visit("/caseload")
		nurse.at("/sign-in")

		v.press(`.nhsuk-header a[href="/audit"]`)
		v.at("/audit")
		v.audit()
		v.typeInto("#staff", "rosa.diaz."+onOff(v.js))
		v.submit("#staff")
		v.see("Signed in", "Rosa Diaz "+onOff(v.js)+", nurse")
		v.audit()
		v.typeInto("#nhs-number", "12345")
		v.submit("#nhs-number")
		v.see("There is a problem", "NHS number must be 10 digits")
		v.audit()
		v.press(`form[action="/audit/check"] button`)
		v.at("/audit")
		v.see("The audit log has not been changed")
		v.audit()
	})
}
