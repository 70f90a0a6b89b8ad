package e2e

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"healthpassport/handlers/nhslogin/nhslogintest"
	"healthpassport/models"
)

// nhsLogin is the NHS login provider the server signs people in through.
var nhsLogin *nhslogintest.Provider

// runScope stands in for a test where the whole run needs something set
// up once, in TestMain: it keeps what to clean up until the run ends.
type runScope struct {
	cleanups []func()
}

func (r *runScope) Helper()           {}
func (r *runScope) Fatal(args ...any) { panic(fmt.Sprint(args...)) }
func (r *runScope) Cleanup(f func())  { r.cleanups = append(r.cleanups, f) }
func (r *runScope) TempDir() string {
	dir, err := os.MkdirTemp("", "passport-e2e-run-")
	if err != nil {
		panic(err)
	}
	r.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func (r *runScope) cleanUp() {
	for _, f := range slices.Backward(r.cleanups) {
		f()
	}
}

// TestPatientSignsInWithNHSLogin: Amelia continues with NHS login from the
// sign-in page, is linked to her record on the way, and can unlink it
// from her account; someone NHS login knows but the clinic does not is
// told what to do.
func TestPatientSignsInWithNHSLogin(t *testing.T) {
	var amelia models.Patient
	if err := st.DB().Where("ref = ?", "demoamelia0000001").Take(&amelia).Error; err != nil {
		t.Fatal(err)
	}
	bothWays(t, desktop, func(t *testing.T, v *visitor) {
		nhsLogin.SignInAs(nhslogintest.Person{Subject: "e2e-stranger", NHSNumber: "9990000050",
			DateOfBirth: "1990-01-01", VectorOfTrust: "P9.Cp.Cd"})
		v.visit("/sign-in")
		v.see("Continue with NHS login")
		v.audit()
		v.press(`form[action="/sign-in/nhs-login"] button`)
		v.see("We could not find your health passport", "Ask your clinic to check the details they hold for you")
		v.audit()

		nhsLogin.SignInAs(nhslogintest.Person{Subject: "e2e-amelia", NHSNumber: amelia.NHSNumber,
			DateOfBirth: amelia.DateOfBirth.Format(time.DateOnly), VectorOfTrust: "P9.Cp.Cd"})
		v.visit("/sign-in")
		v.press(`form[action="/sign-in/nhs-login"] button`)
		v.at("/passport")
		v.see("Amelia")
		v.visit("/account")
		v.see("Your account is linked to your NHS login")
		v.audit()
		v.press(`form[action="/account/nhs-login/unlink"] button`)
		v.at("/account")
		v.see("Your NHS login is unlinked")
		v.audit()
	})
}
