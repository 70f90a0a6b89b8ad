package handlers_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
)

// statementCounter counts the SQL statements run through a connection,
// and how many of them write.
type statementCounter struct {
	mu         sync.Mutex
	statements []string
	writes     int
	changed    int64 // rows that writes changed
}

func countStatements(t *testing.T, db *gorm.DB) *statementCounter {
	t.Helper()
	counter := &statementCounter{}
	note := func(write bool) func(*gorm.DB) {
		return func(tx *gorm.DB) {
			if tx.DryRun {
				return // a subquery being built, not sent
			}
			counter.mu.Lock()
			defer counter.mu.Unlock()
			counter.statements = append(counter.statements, tx.Statement.SQL.String())
			if write {
				counter.writes++
				counter.changed += tx.Statement.RowsAffected
			}
		}
	}
	callbacks := db.Callback()
	for _, err := range []error{
		callbacks.Query().After("*").Register("test:count", note(false)),
		callbacks.Row().After("*").Register("test:count", note(false)),
		callbacks.Raw().After("*").Register("test:count", note(true)),
		callbacks.Create().After("*").Register("test:count", note(true)),
		callbacks.Update().After("*").Register("test:count", note(true)),
		callbacks.Delete().After("*").Register("test:count", note(true)),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return counter
}

func (c *statementCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.statements, c.writes, c.changed = nil, 0, 0
}

// count is how many statements have run since the last reset.
func (c *statementCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.statements)
}

// The patient's own passport is the page read most: it must cost at most
// four statements, the session's load (which brings the signed-in patient
// with it) included, and write nothing once the day's activity and the
// minute's idle clock are noted. Once read, an unchanged passport costs
// the session's statement and the glance at its top, which is read afresh
// because readings and requests change without the passport's plans.
func TestOwnPassportRunsTwoStatementsOnceReadAndWritesNothing(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		counter := countStatements(t, s.db)
		patient := s.browser(t)
		patient.signIn("patient")
		for _, path := range []string{"/passport", "/passport/" + ameliaRef} {
			for _, want := range []int{4, 2} {
				if want == 4 {
					bumpPassport(t, s, ameliaRef) // read afresh
				}
				mustStatus(t, patient.get(path), http.StatusOK) // the idle clock and the day's activity are noted once
				if want == 4 {
					bumpPassport(t, s, ameliaRef)
				}
				counter.reset()
				r := patient.get(path)
				mustStatus(t, r, http.StatusOK)
				mustContain(t, r, "My passport", "Clenil")
				counter.mu.Lock()
				if len(counter.statements) > want || counter.writes != 0 {
					t.Errorf("%s ran %d statements with %d writes; want at most %d and none:", path, len(counter.statements), counter.writes, want)
					for _, statement := range counter.statements {
						t.Log(statement)
					}
				}
				counter.mu.Unlock()
			}
		}
	})
}

// bumpPassport changes a patient's passport and changes it back, so that
// the next read finds it changed.
func bumpPassport(t *testing.T, s *testServer, ref string) {
	t.Helper()
	patient := s.patient(t, ref)
	for _, name := range []string{"Sam Jones (changing)", "Sam Jones"} {
		if err := s.db.Exec("UPDATE contacts SET name = ? WHERE patient_id = ? AND position = 0 AND kind = ?", name, patient.ID, models.ContactEmergency).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// A passport kept from an earlier read is never shown once anything on it
// has changed, whoever or whatever changed it: the database counts every
// change to plans, their versions, template approval and contacts, and
// the count comes with each read.
func TestPassportShowsEveryChangeAtOnce(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		patient := s.browser(t)
		patient.signIn("patient")
		amelia := s.patient(t, ameliaRef)
		var plan models.ActionPlan
		if err := s.db.Where("patient_id = ? AND template_id IS NOT NULL", amelia.ID).Order("id").First(&plan).Error; err != nil {
			t.Fatal(err)
		}
		var latest models.PlanVersion
		if err := s.db.Where("plan_id = ? AND state = ?", plan.ID, models.VersionPublished).Order("number DESC").First(&latest).Error; err != nil {
			t.Fatal(err)
		}
		var approved bool
		s.db.Model(&models.ConditionTemplate{}).Select("approved").Where("id = ?", *plan.TemplateID).Scan(&approved)
		const notApproved = "Example plan, not clinically approved"
		exec := func(sql string, values ...any) func() error {
			return func() error { return s.db.Exec(sql, values...).Error }
		}
		steps := []struct {
			name          string
			change        func() error
			shows, hidden []string
		}{
			{"nothing changed", func() error { return nil }, []string{"Sam Jones", "Clenil"}, nil},
			{"a contact renamed", exec("UPDATE contacts SET name = ? WHERE patient_id = ? AND name = ?", "Samira Jones", amelia.ID, "Sam Jones"),
				[]string{"Samira Jones"}, []string{"Sam Jones"}},
			{"a contact removed", exec("DELETE FROM contacts WHERE patient_id = ? AND name = ?", amelia.ID, "Samira Jones"),
				nil, []string{"Samira Jones"}},
			{"a contact added", exec("INSERT INTO contacts (patient_id, kind, name, relationship, phone, position) VALUES (?, ?, ?, ?, ?, ?)",
				amelia.ID, models.ContactEmergency, "Sam Jones", "Parent", "07700 900456", 0), []string{"Sam Jones"}, nil},
			{"a version published", exec("INSERT INTO plan_versions (plan_id, number, author_id, content, state, created_at) VALUES (?, ?, ?, ?, ?, ?)",
				plan.ID, latest.Number+1, latest.AuthorID, strings.ReplaceAll(latest.Content, "Clenil", "Fostair"), models.VersionPublished, time.Now().UTC()),
				[]string{"Fostair"}, []string{"Clenil"}},
			{"a version withdrawn", exec("DELETE FROM plan_versions WHERE plan_id = ? AND number = ?", plan.ID, latest.Number+1),
				[]string{"Clenil"}, []string{"Fostair"}},
			{"the template's approval changed", exec("UPDATE condition_templates SET approved = ? WHERE id = ?", !approved, *plan.TemplateID),
				map[bool][]string{true: {notApproved}}[approved], map[bool][]string{false: {notApproved}}[approved]},
			{"the plan renamed", exec("UPDATE action_plans SET condition_name = ? WHERE id = ?", "Brittle asthma", plan.ID),
				[]string{"Brittle asthma"}, nil},
		}
		mustStatus(t, patient.get("/passport"), http.StatusOK)
		for _, step := range steps {
			if err := step.change(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			r := patient.get("/passport")
			mustStatus(t, r, http.StatusOK)
			for _, want := range step.shows {
				if !strings.Contains(r.body, want) {
					t.Errorf("after %s the passport does not show %q", step.name, want)
				}
			}
			for _, gone := range step.hidden {
				if strings.Contains(r.body, gone) {
					t.Errorf("after %s the passport still shows %q", step.name, gone)
				}
			}
		}
	})
}

// Many pages opened at the same instant on the first visit of a day note
// the day once: the conditional update lets one through.
func TestActivityIsNotedOnceADay(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		patient := s.browser(t)
		patient.signIn("patient")
		mustStatus(t, patient.get("/passport"), http.StatusOK)
		user := s.user(t, "patient")
		today, _ := time.Parse(time.DateOnly, models.UKDay(time.Now()))
		if user.LastActiveOn == nil || !user.LastActiveOn.Equal(today) {
			t.Fatalf("last active on %v after using the service today; want %v", user.LastActiveOn, today)
		}
		s.db.Model(&models.User{}).Where("id = ?", user.ID).Update("last_active_on", today.AddDate(0, 0, -1))

		counter := countStatements(t, s.db)
		const pages = 12
		release := make(chan struct{})
		statuses := make([]int, pages)
		var done sync.WaitGroup
		for i := range pages {
			done.Go(func() {
				req, _ := http.NewRequest(http.MethodGet, s.URL+"/passport", nil)
				<-release
				res, err := patient.client.Do(req)
				if err != nil {
					return
				}
				res.Body.Close()
				statuses[i] = res.StatusCode
			})
		}
		close(release)
		done.Wait()
		for i, status := range statuses {
			if status != http.StatusOK {
				t.Errorf("page %d answered %d", i, status)
			}
		}
		counter.mu.Lock()
		changed := counter.changed
		counter.mu.Unlock()
		if changed != 1 {
			t.Errorf("%d pages at once changed %d rows; want the day noted once", pages, changed)
		}
		if user := s.user(t, "patient"); user.LastActiveOn == nil || !user.LastActiveOn.Equal(today) {
			t.Errorf("last active on %v; want %v", user.LastActiveOn, today)
		}
		// The day is kept once for the measures of daily and weekly use.
		if days := s.countWhere(&models.ActivityDay{}, "user_id = ? AND day = ?", user.ID, today); days != 1 {
			t.Errorf("%d activity rows for today; want 1", days)
		}
	})
}

// Pages that list rows load them in a fixed number of queries: more plans,
// versions or practices add no statements.
func TestListsCostTheSameWhateverTheirLength(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		counter := countStatements(t, s.db)
		nurse, carer, commissioner := s.browser(t), s.browser(t), s.browser(t)
		nurse.signIn("nurse")
		carer.signIn("carer")
		commissioner.signIn("commissioner")
		pages := []struct {
			who  *browser
			path string
		}{
			{nurse, "/patients/" + ameliaRef},
			{nurse, "/caseload"},
			{carer, "/passport/" + ameliaRef},
			{carer, "/passport/" + ameliaRef + "/readings"},
			{commissioner, "/dashboard"},
		}
		cost := func() []int {
			var counts []int
			for _, page := range pages {
				page.who.get(page.path) // the idle clock and the day's activity are noted once
				counter.reset()
				mustStatus(t, page.who.get(page.path), http.StatusOK)
				counts = append(counts, counter.count())
			}
			return counts
		}
		before := cost()

		amelia, nurseUser := s.patient(t, ameliaRef), s.user(t, "nurse")
		var template models.ConditionTemplate
		s.db.Where("approved_at IS NOT NULL").First(&template)
		var content string
		s.db.Model(&models.PlanVersion{}).Select("content").Where("state = ?", models.VersionPublished).Limit(1).Scan(&content)
		for i := range 3 {
			plan := models.ActionPlan{PatientID: amelia.ID, ConditionName: fmt.Sprintf("Condition %d", i), SnomedCode: fmt.Sprintf("90000%d", i),
				TemplateID: &template.ID, CreatedAt: time.Now()}
			if err := s.db.Create(&plan).Error; err != nil {
				t.Fatal(err)
			}
			for number, state := range []string{models.VersionPublished, models.VersionDraft} {
				s.db.Create(&models.PlanVersion{PlanID: plan.ID, Number: number + 1, AuthorID: nurseUser.ID, Content: content, State: state, CreatedAt: time.Now()})
			}
		}
		var icb models.Organisation
		s.db.Where("kind = ?", models.OrganisationICB).First(&icb)
		for i := range 3 {
			s.db.Create(&models.Organisation{Kind: models.OrganisationPractice, Name: fmt.Sprintf("Practice %d", i), ODSCode: fmt.Sprintf("Z%04d", i), ParentID: &icb.ID, CreatedAt: time.Now()})
		}

		after := cost()
		for i, page := range pages {
			if after[i] != before[i] {
				t.Errorf("%s ran %d statements, then %d with more rows to list", page.path, before[i], after[i])
			}
		}
	})
}

// Pages go out whole, with their length, rather than in chunks: a page
// longer than the server's buffer would otherwise cost a system call for
// each chunk.
func TestPagesGoOutWholeWithTheirLength(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		visitor, patient, nurse := s.browser(t), s.browser(t), s.browser(t)
		patient.signIn("patient")
		nurse.signIn("nurse")
		for _, page := range []struct {
			who  *browser
			path string
		}{{visitor, "/sign-in"}, {patient, "/passport"}, {nurse, "/caseload"}, {nurse, "/patients/" + ameliaRef}} {
			r := page.who.get(page.path)
			mustStatus(t, r, http.StatusOK)
			if got := r.header.Get("Content-Length"); got != strconv.Itoa(len(r.body)) || len(r.body) < 4096 {
				t.Errorf("%s: Content-Length %q for a page of %d bytes; want the page's length, over 4 KB", page.path, got, len(r.body))
			}
		}
	})
}

// The caseload runs the same few statements however it is searched or
// filtered, and writes nothing: the session's, the nurse's practices, one
// to find the matches, one to read the page (none when nothing matches),
// and the queue counts.
func TestCaseloadRunsAtMostFiveStatements(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		counter := countStatements(t, s.db)
		nurse := s.browser(t)
		nurse.signIn("nurse")
		for _, query := range []string{"", "?q=jones", "?q=jo", "?q=999+000+0018", "?q=12%2F5%2F2014", "?filter=" + models.FilterPrescriptions,
			"?filter=" + models.FilterRedZone + "&sort=review", "?q=amelia&filter=" + models.FilterReviewDue} {
			nurse.get("/caseload" + query) // the idle clock and the day's activity are noted once
			counter.reset()
			mustStatus(t, nurse.get("/caseload"+query), http.StatusOK)
			counter.mu.Lock()
			if len(counter.statements) > 5 || counter.writes != 0 {
				t.Errorf("/caseload%s ran %d statements with %d writes; want at most 5 and none:", query, len(counter.statements), counter.writes)
				for _, statement := range counter.statements {
					t.Log(statement)
				}
			}
			counter.mu.Unlock()
		}
	})
}
