package handlers_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/handlers/nhslogin/nhslogintest"
	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// startNHSLoginServer serves the demo offering NHS login through a provider
// running in the test, at the address it tells NHS login to send people
// back to.
func startNHSLoginServer(t *testing.T, db *gorm.DB) (*testServer, *nhslogintest.Provider) {
	t.Helper()
	provider := nhslogintest.Start(t)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: "http://" + listener.Addr().String(),
		NHSLoginIssuer: provider.URL, NHSLoginClientID: provider.ClientID, NHSLoginPrivateKey: provider.ClientKeyFile}
	if err := app.Prepare(db, cfg); err != nil {
		t.Fatal(err)
	}
	handler, err := app.Handler(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewUnstartedServer(handler)
	server.Listener.Close()
	server.Listener = listener
	server.Start()
	t.Cleanup(server.Close)
	return &testServer{Server: server, db: db, store: store.NewStore(db)}, provider
}

// ameliaAtNHSLogin is the demo patient as NHS login knows her, proven to P9.
func ameliaAtNHSLogin(t *testing.T, s *testServer) nhslogintest.Person {
	t.Helper()
	var amelia models.Patient
	if err := s.db.Where("ref = ?", ameliaRef).First(&amelia).Error; err != nil {
		t.Fatal(err)
	}
	return nhslogintest.Person{Subject: "amelia-at-nhs-login", NHSNumber: amelia.NHSNumber,
		DateOfBirth: amelia.DateOfBirth.Format(time.DateOnly), VectorOfTrust: "P9.Cp.Cd"}
}

func (b *browser) continueWithNHSLogin() response {
	b.t.Helper()
	return b.post("/sign-in/nhs-login", url.Values{})
}

func TestSignInPageOffersNHSLoginOnlyWhenConfigured(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		r := s.browser(t).get("/sign-in")
		if strings.Contains(r.body, "Continue with NHS login") {
			t.Error("the sign-in page offers NHS login, which is not configured")
		}
		mustStatus(t, s.browser(t).post("/sign-in/nhs-login", url.Values{}), http.StatusNotFound)
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self';") {
			t.Errorf("forms may lead elsewhere: %q", csp)
		}
	})
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, provider := startNHSLoginServer(t, db)
		r := s.browser(t).get("/sign-in")
		mustContain(t, r, "Continue with NHS login")
		// Browsers hold the redirect that answers the form to form-action.
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+provider.URL+";") {
			t.Errorf("NHS login is not among the form's destinations: %q", csp)
		}
	})
}

func TestNHSLoginLinksAPatientOnFirstSignInThenSignsThemStraightIn(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, provider := startNHSLoginServer(t, db)
		provider.SignInAs(ameliaAtNHSLogin(t, s))

		first := s.browser(t).continueWithNHSLogin()
		mustStatus(t, first, http.StatusOK)
		if first.url != "/passport" {
			t.Fatalf("first sign-in landed on %s; want /passport", first.url)
		}
		mustContain(t, first, "Amelia")
		if n := s.auditCount(models.AuditNHSLoginLinked, ""); n != 1 {
			t.Errorf("%d link entries in the audit log; want 1", n)
		}

		later := s.browser(t).continueWithNHSLogin()
		if later.url != "/passport" {
			t.Fatalf("a later sign-in landed on %s; want /passport", later.url)
		}
		if n := s.count(&models.NHSLoginIdentity{}); n != 1 {
			t.Errorf("%d NHS login links; want 1", n)
		}
	})
}

func TestNHSLoginRefusesAnswersThatCannotBeTrusted(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, provider := startNHSLoginServer(t, db)
		amelia := ameliaAtNHSLogin(t, s)
		lowTrust := amelia
		lowTrust.VectorOfTrust = "P5.Cp.Cd"
		for _, tc := range []struct {
			name   string
			person nhslogintest.Person
			faults nhslogintest.Faults
		}{
			{"wrong state", amelia, nhslogintest.Faults{ReplaceState: true}},
			{"wrong nonce", amelia, nhslogintest.Faults{ReplaceNonce: true}},
			{"expired ID token", amelia, nhslogintest.Faults{ExpiredIDToken: true}},
			{"ID token signed with another key", amelia, nhslogintest.Faults{WrongSigningKey: true}},
			{"lower vector of trust than asked", lowTrust, nhslogintest.Faults{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				provider.SignInAs(tc.person)
				provider.Misbehave(tc.faults)
				failedBefore := s.auditCount(models.AuditNHSLoginFailed, "")
				b := s.browser(t)
				r := b.continueWithNHSLogin()
				mustStatus(t, r, http.StatusBadRequest)
				mustContain(t, r, "We could not sign you in with NHS login")
				if n := s.auditCount(models.AuditNHSLoginFailed, ""); n != failedBefore+1 {
					t.Errorf("%d failure entries in the audit log; want %d", n, failedBefore+1)
				}
				if n := s.count(&models.NHSLoginIdentity{}); n != 0 {
					t.Errorf("%d NHS login links; want none", n)
				}
				if r := b.get("/passport"); r.url == "/passport" {
					t.Error("the browser was signed in")
				}
			})
		}
	})
}

func TestNHSLoginLinksOnlyWhenNHSNumberAndDateOfBirthMatch(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, provider := startNHSLoginServer(t, db)
		amelia := ameliaAtNHSLogin(t, s)
		otherNumber, otherBirthday := amelia, amelia
		otherNumber.NHSNumber = "9990000042" // valid, and registered to no one
		otherBirthday.DateOfBirth = "2001-02-03"
		for _, tc := range []struct {
			name   string
			person nhslogintest.Person
		}{{"NHS number differs", otherNumber}, {"date of birth differs", otherBirthday}} {
			t.Run(tc.name, func(t *testing.T) {
				provider.SignInAs(tc.person)
				refusedBefore := s.auditCount(models.AuditNHSLoginRefused, amelia.Subject)
				b := s.browser(t)
				r := b.continueWithNHSLogin()
				mustStatus(t, r, http.StatusForbidden)
				mustContain(t, r, "We could not find your health passport", "Ask your clinic")
				if n := s.auditCount(models.AuditNHSLoginRefused, amelia.Subject); n != refusedBefore+1 {
					t.Errorf("%d refused matches in the audit log; want %d", n, refusedBefore+1)
				}
				if n := s.count(&models.NHSLoginIdentity{}); n != 0 {
					t.Errorf("%d NHS login links; want none", n)
				}
				if r := b.get("/passport"); r.url == "/passport" {
					t.Error("the browser was signed in")
				}
			})
		}
	})
}

func TestNHSLoginAsksPatientsWithoutAnAccountToSetOneUp(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, provider := startNHSLoginServer(t, db)
		var oliver models.Patient
		if err := s.db.Where("ref = ?", oliverRef).First(&oliver).Error; err != nil {
			t.Fatal(err)
		}
		provider.SignInAs(nhslogintest.Person{Subject: "oliver-at-nhs-login", NHSNumber: oliver.NHSNumber,
			DateOfBirth: oliver.DateOfBirth.Format(time.DateOnly), VectorOfTrust: "P9.Cp.Cd"})
		r := s.browser(t).continueWithNHSLogin()
		mustStatus(t, r, http.StatusForbidden)
		mustContain(t, r, "Set up your account first", "activation code")
		if n := s.count(&models.NHSLoginIdentity{}); n != 0 {
			t.Errorf("%d NHS login links; want none", n)
		}
	})
}

func TestCarerLinksAndUnlinksNHSLoginFromTheirAccount(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, provider := startNHSLoginServer(t, db)
		sam := nhslogintest.Person{Subject: "sam-at-nhs-login", NHSNumber: "9990000050", DateOfBirth: "1985-06-01", VectorOfTrust: "P9.Cm"}
		provider.SignInAs(sam)

		carer := s.browser(t)
		carer.signIn("carer")
		mustContain(t, carer.get("/account"), "Link NHS login")
		linked := carer.post("/account/nhs-login", url.Values{})
		if linked.url != "/account" {
			t.Fatalf("linking landed on %s; want /account", linked.url)
		}
		mustContain(t, linked, "Your NHS login is linked", "Unlink NHS login")
		if n := s.auditCount(models.AuditNHSLoginLinked, ""); n != 1 {
			t.Errorf("%d link entries in the audit log; want 1", n)
		}

		if r := s.browser(t).continueWithNHSLogin(); r.url != "/people" {
			t.Fatalf("the carer's NHS login sign-in landed on %s; want /people", r.url)
		}

		unlinked := carer.post("/account/nhs-login/unlink", url.Values{})
		mustContain(t, unlinked, "Your NHS login is unlinked", "Link NHS login")
		if n := s.auditCount(models.AuditNHSLoginUnlinked, ""); n != 1 {
			t.Errorf("%d unlink entries in the audit log; want 1", n)
		}
		// Sam is no patient, so without the link NHS login finds no one.
		mustStatus(t, s.browser(t).continueWithNHSLogin(), http.StatusForbidden)
	})
}

// TestNHSLoginFirstSignInsAtTheSameInstantLinkOnce sends one person's first
// NHS login sign-in from several browsers at once: the unique indexes let
// one link through, and every browser is signed in to the same account.
func TestNHSLoginFirstSignInsAtTheSameInstantLinkOnce(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, provider := startNHSLoginServer(t, db)
		provider.SignInAs(ameliaAtNHSLogin(t, s))
		const browsers = 6
		callbacks := make([]string, browsers)
		clients := make([]*browser, browsers)
		for i := range browsers {
			clients[i] = s.browser(t)
			// Stop where NHS login sends the browser back, to send them all together.
			clients[i].client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
				if req.URL.Path == "/sign-in/nhs-login/callback" {
					return http.ErrUseLastResponse
				}
				return nil
			}
			r := clients[i].continueWithNHSLogin()
			mustStatus(t, r, http.StatusFound)
			callbacks[i] = r.header.Get("Location")
			clients[i].client.CheckRedirect = nil
		}
		release := make(chan struct{})
		landed := make([]string, browsers)
		var wg sync.WaitGroup
		for i := range browsers {
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodGet, callbacks[i], nil)
				<-release
				res, err := clients[i].client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				landed[i] = res.Request.URL.Path
			})
		}
		close(release)
		wg.Wait()
		for i, path := range landed {
			if path != "/passport" {
				t.Errorf("browser %d landed on %s; want /passport", i, path)
			}
		}
		if n := s.count(&models.NHSLoginIdentity{}); n != 1 {
			t.Errorf("%d NHS login links; want 1", n)
		}
		if n := s.auditCount(models.AuditNHSLoginLinked, ""); n != 1 {
			t.Errorf("%d link entries in the audit log; want 1", n)
		}
	})
}
