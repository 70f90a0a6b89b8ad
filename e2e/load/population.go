package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/demo"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// password is the password of every account made for the measurement. It
// is no demo password: these accounts live only in a throwaway database.
const password = "load-measure-password"

// auditKey signs the audit entries of the measurement's throwaway databases.
const auditKey = "load-measure audit key, for throwaway databases only"

// secretKey seals the secrets kept in the measurement's throwaway databases.
const secretKey = "load-measure secret key, for throwaway databases only"

// people are the accounts the sessions belong to.
type people struct {
	patients []string // usernames
	nurses   []string
}

// addPeople registers patients at the demo practice with a published asthma
// plan each and sets up their accounts with an activation code, as a nurse
// and the patient would, through the store; and adds nurses who work
// there, whom the store has no way to add yet.
func addPeople(db *gorm.DB, count int) (people, error) {
	st, err := app.NewStore(db, app.Config{AuditKey: auditKey, SecretKey: secretKey})
	if err != nil {
		return people{}, err
	}
	var practice models.Organisation
	if err := db.First(&practice, "ods_code = ?", "Y90001").Error; err != nil {
		return people{}, err
	}
	demoNurse, err := st.UserByUsername(context.Background(), "nurse")
	if err != nil {
		return people{}, err
	}
	asthma, err := asthmaTemplate(st)
	if err != nil {
		return people{}, err
	}
	hash, err := models.HashPassword(context.Background(), password)
	if err != nil {
		return people{}, err
	}
	nurse := models.Actor{UserID: demoNurse.ID, Role: models.RoleNurse, IPAddress: "127.0.0.1"}
	nursePrincipal := &models.Principal{User: *demoNurse, PracticeIDs: []uint{practice.ID}}
	nhsNumbers := validNHSNumbers(count)
	var everyone people
	for i := range count {
		dateOfBirth := time.Date(1950+i%60, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		patient, code, err := st.RegisterPatient(context.Background(), nurse, models.NewPatient{NHSNumber: nhsNumbers[i],
			GivenName: fmt.Sprintf("Patient%d", i), FamilyName: "Load", DateOfBirth: dateOfBirth, PracticeID: practice.ID})
		if err != nil {
			return people{}, err
		}
		if _, err := st.CreatePlan(context.Background(), nursePrincipal, nurse, patient.ID, asthma, demo.AsthmaPlan(300+i), models.VersionPublished); err != nil {
			return people{}, err
		}
		activation, err := st.CheckActivation(context.Background(), code, dateOfBirth)
		if err != nil {
			return people{}, err
		}
		username := fmt.Sprintf("load-patient-%d", i)
		if _, err := st.CompleteActivation(context.Background(), activation.ID, username, hash, models.Actor{IPAddress: "127.0.0.1"}); err != nil {
			return people{}, err
		}
		everyone.patients = append(everyone.patients, username)

		staff := models.User{Username: fmt.Sprintf("load-nurse-%d", i), Role: models.RoleNurse,
			DisplayName: fmt.Sprintf("Nurse %d", i), PasswordHash: hash}
		if err := db.Create(&staff).Error; err != nil {
			return people{}, err
		}
		if err := db.Create(&models.Membership{UserID: staff.ID, OrganisationID: practice.ID}).Error; err != nil {
			return people{}, err
		}
		everyone.nurses = append(everyone.nurses, staff.Username)
	}
	return everyone, nil
}

func asthmaTemplate(st *store.Store) (*models.ConditionTemplate, error) {
	templates, err := st.Templates(context.Background(), false)
	if err != nil {
		return nil, err
	}
	for i := range templates {
		if templates[i].Key == "asthma" {
			return &templates[i], nil
		}
	}
	return nil, errors.New("no asthma template")
}

// validNHSNumbers gives numbers with a valid check digit from a range the
// demo data does not use.
func validNHSNumbers(count int) []string {
	var numbers []string
	for candidate := 9_992_000_000; len(numbers) < count; candidate++ {
		if number, err := models.NormaliseNHSNumber(fmt.Sprint(candidate)); err == nil {
			numbers = append(numbers, number)
		}
	}
	return numbers
}

var csrfPattern = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// signInAll signs each person in through the sign-in form, a few at a
// time so the password checks fit the server's hashing memory, and gives
// back each session's Cookie header.
func signInAll(baseURL string, usernames []string) ([]Credential, error) {
	cookies := make([]Credential, len(usernames))
	errs := make([]error, len(usernames))
	slots := make(chan struct{}, models.DefaultHashMemoryMB/models.HashMemoryPerCheckMB)
	var done sync.WaitGroup
	for i, username := range usernames {
		done.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			cookie, err := signIn(baseURL, username)
			cookies[i], errs[i] = Credential{Header: "Cookie", Value: cookie}, err
		})
	}
	done.Wait()
	return cookies, errors.Join(errs...)
}

func signIn(baseURL, username string) (string, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page, err := client.Get(baseURL + "/sign-in")
	if err != nil {
		return "", err
	}
	body, err := io.ReadAll(page.Body)
	page.Body.Close()
	if err != nil {
		return "", err
	}
	token := csrfPattern.FindSubmatch(body)
	if token == nil {
		return "", errors.New("the sign-in page has no anti-forgery token")
	}
	form := url.Values{"username": {username}, "password": {password}, "csrf_token": {string(token[1])}, "submission_key": {rand.Text()}}
	res, err := client.PostForm(baseURL+"/sign-in", form)
	if err != nil {
		return "", err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("signing in %s answered %d", username, res.StatusCode)
	}
	u, _ := url.Parse(baseURL)
	for _, cookie := range jar.Cookies(u) {
		if strings.HasSuffix(cookie.Name, "passport_session") {
			return cookie.Name + "=" + cookie.Value, nil
		}
	}
	return "", fmt.Errorf("signing in %s set no session cookie", username)
}
