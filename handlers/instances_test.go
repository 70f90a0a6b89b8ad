package handlers_test

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"
)

// twoInstances starts the service twice, each instance with connections of
// its own, on one PostgreSQL database, as behind a load balancer. Both listen
// on 127.0.0.1, and cookies are per host whatever the port, so one browser
// sends its cookies to both, as it would to one address that a load
// balancer shares out.
func twoInstances(t *testing.T) (*testServer, *testServer) {
	t.Helper()
	if os.Getenv("TEST_DATABASE_URL") == "" {
		t.Skip("several instances share one PostgreSQL database: set TEST_DATABASE_URL to run this test")
	}
	first := modelstest.Open(t, "postgres")
	var database string
	if err := first.Raw(`SELECT current_database()`).Scan(&database).Error; err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(os.Getenv("TEST_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + database
	second, err := store.Open(u.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := second.DB(); err == nil {
			sqlDB.Close()
		}
	})
	cfg := app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: "http://passport.test"}
	return startServer(t, first, cfg), startServer(t, second, cfg)
}

// at is the same browser, with the same cookies, sent to another instance.
func (b *browser) at(s *testServer) *browser {
	return &browser{t: b.t, server: s, client: b.client}
}

func TestTwoInstancesShareOneDatabase(t *testing.T) {
	first, second := twoInstances(t)

	t.Run("signed in at one, carry on at the other", func(t *testing.T) {
		atFirst := first.browser(t)
		mustStatus(t, atFirst.signIn("patient"), http.StatusOK)
		atSecond := atFirst.at(second)
		r := atSecond.get("/passport")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Amelia Jones")
		session := atFirst.sessionCookie()

		mustStatus(t, atSecond.post("/sign-out", url.Values{}), http.StatusOK)
		jar, _ := cookiejar.New(nil)
		u, _ := url.Parse(first.URL)
		jar.SetCookies(u, []*http.Cookie{{Name: "passport_session", Value: session, Path: "/"}})
		oldCookie := &browser{t: t, server: first, client: &http.Client{Jar: jar}}
		if r := oldCookie.get("/passport"); r.url != "/sign-in" {
			t.Errorf("signed out at one instance, the session still opened %s at the other", r.url)
		}
	})

	t.Run("wrong passwords count at both", func(t *testing.T) {
		guesser := first.browser(t)
		instances := []*testServer{first, second}
		for i := range store.LimitPerAccountAddress.Max {
			r := guesser.at(instances[i%2]).post("/sign-in", url.Values{"username": {"carer"}, "password": {fmt.Sprintf("guess-%d", i)}})
			mustStatus(t, r, http.StatusUnprocessableEntity)
		}
		for _, instance := range instances {
			r := guesser.at(instance).post("/sign-in", url.Values{"username": {"carer"}, "password": {"one-more-guess"}})
			mustStatus(t, r, http.StatusTooManyRequests)
		}
	})

	t.Run("a form sent to both is acted on once", func(t *testing.T) {
		patient := first.browser(t)
		patient.signIn("patient")
		path := "/passport/" + ameliaRef + "/readings/peak-flow"
		readings := first.count(&models.Reading{})
		form := url.Values{"litres": {"250"}, "submission_key": {rand.Text()}, "csrf_token": {patient.csrfToken()}}
		client := *patient.client
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

		const senders = 10
		start := make(chan struct{})
		answers := make([]*http.Response, senders)
		var wg sync.WaitGroup
		for i := range senders {
			instance := []*testServer{first, second}[i%2]
			wg.Go(func() {
				<-start
				res, err := client.PostForm(instance.URL+path, form)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				answers[i] = res
			})
		}
		close(start)
		wg.Wait()

		if got := first.count(&models.Reading{}) - readings; got != 1 {
			t.Errorf("%d readings recorded; want 1", got)
		}
		locations := map[string]bool{}
		for _, res := range answers {
			switch {
			case res == nil:
			case res.StatusCode == http.StatusSeeOther:
				locations[res.Header.Get("Location")] = true
			case res.StatusCode != http.StatusConflict: // still being saved when this one gave up waiting
				t.Errorf("answered %d; want 303 or 409", res.StatusCode)
			}
		}
		if len(locations) != 1 {
			t.Errorf("led to %v; want one reading", locations)
		}
	})

	t.Run("a plan saved at both at once makes one version", func(t *testing.T) {
		nurse, _ := first.store.UserByUsername(t.Context(), "nurse")
		colleague := models.User{Username: "nurse2", PasswordHash: nurse.PasswordHash, Role: models.RoleNurse, DisplayName: "Bea Okoye"}
		first.db.Create(&colleague)
		var membership models.Membership
		first.db.First(&membership, "user_id = ?", nurse.ID)
		first.db.Create(&models.Membership{UserID: colleague.ID, OrganisationID: membership.OrganisationID})
		var plan models.ActionPlan
		first.db.First(&plan, "patient_id = ?", first.patient(t, ameliaRef).ID)
		path := fmt.Sprintf("/patients/%s/plans/%d", ameliaRef, plan.ID)
		versions := first.count(&models.PlanVersion{})

		alex, bea := first.browser(t), second.browser(t)
		alex.signIn("nurse")
		bea.signIn("nurse2")
		start := make(chan struct{})
		statuses := make(chan int, 2)
		for i, nurse := range []*browser{alex, bea} {
			form := asthmaPlan(fmt.Sprint(300 + i))
			form.Set("base", "1")
			form.Set("csrf_token", nurse.csrfToken())
			go func() {
				req, _ := http.NewRequest(http.MethodPost, nurse.server.URL+path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				<-start
				res, err := nurse.client.Do(req)
				if err != nil {
					statuses <- 0
					return
				}
				res.Body.Close()
				statuses <- res.StatusCode
			}()
		}
		close(start)
		got := map[int]int{}
		for range 2 {
			got[<-statuses]++
		}
		if got[http.StatusOK] != 1 || got[http.StatusConflict] != 1 {
			t.Errorf("saves at both instances at once answered %v; want one saved and one refused", got)
		}
		if n := first.count(&models.PlanVersion{}) - versions; n != 1 {
			t.Errorf("%d versions made; want 1", n)
		}
	})

	t.Run("a plan published at one is shown at the other at once", func(t *testing.T) {
		patient := second.browser(t)
		patient.signIn("patient")
		mustContain(t, patient.get("/passport"), "Clenil") // now kept by the second instance
		var plan models.ActionPlan
		if err := first.db.Where("patient_id = ? AND snomed_code = ?", first.patient(t, ameliaRef).ID, models.SnomedAsthma).First(&plan).Error; err != nil {
			t.Fatal(err)
		}
		var latest int
		first.db.Model(&models.PlanVersion{}).Select("MAX(number)").Where("plan_id = ?", plan.ID).Scan(&latest)
		nurse := first.browser(t)
		nurse.signIn("nurse")
		form := asthmaPlan("400")
		form.Set("med-0-name", "Fostair 100/6")
		form.Set("base", fmt.Sprint(latest))
		mustStatus(t, nurse.post(fmt.Sprintf("/patients/%s/plans/%d", ameliaRef, plan.ID), form), http.StatusOK)
		r := patient.get("/passport")
		mustContain(t, r, "Fostair 100/6")
		if strings.Contains(r.body, "Clenil") {
			t.Error("the second instance still shows the plan the first replaced")
		}
	})
}
