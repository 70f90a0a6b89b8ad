package app

import (
	"regexp"
	"strings"
	"testing"

	"healthpassport/models"
	"healthpassport/models/store"
)

// An ICB starts from an empty database: the first administrator is
// invited from the command line, with the ICB, and sets up their account
// with the code it prints.
func TestCreateTheFirstAdministratorFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PASSPORT_DATA_DIR": dir, "PASSPORT_PUBLIC_URL": "https://passport.example.nhs.uk"}
	code, stdout, stderr := run(t, env, "admin", "create", "--name", "Jo Bloggs", "--email", "Jo.Bloggs@nhs.net", "--icb", "NHS Example ICB", "--ods", "qwe")
	m := regexp.MustCompile(`Activation code: ([A-Z0-9-]+)`).FindStringSubmatch(stdout)
	if code != 0 || m == nil || !strings.Contains(stdout, "https://passport.example.nhs.uk/activate/staff") {
		t.Fatalf("admin create: %d %q %q", code, stdout, stderr)
	}
	db, err := store.Open("", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	}()
	st := store.NewStore(db)
	if _, err := st.CheckStaffActivation(t.Context(), m[1], "jo.bloggs@nhs.net"); err != nil {
		t.Errorf("the printed code does not set up the account: %v", err)
	}
	var user models.User
	db.Where("email = ?", "jo.bloggs@nhs.net").Take(&user)
	organisations, err := st.OrganisationsOf(t.Context(), user.ID)
	if err != nil || user.Role != models.RoleAdmin || len(organisations) != 1 || organisations[0].ODSCode != "QWE" ||
		organisations[0].Kind != models.OrganisationICB {
		t.Errorf("administrator %+v at %+v (%v)", user, organisations, err)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"admin", "create", "--name", "Jo Bloggs", "--email", "jo.bloggs@nhs.net", "--icb", "NHS Example ICB", "--ods", "QWE"}, 1, "already has the email"},
		{[]string{"admin", "create", "--name", "Sam Lee", "--email", "not an email", "--icb", "NHS Example ICB", "--ods", "QWE"}, 1, "correct format"},
		{[]string{"admin", "create", "--name", "Sam Lee", "--email", "sam.lee@nhs.net"}, 1, "--icb"},
	} {
		code, _, stderr := run(t, env, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: %d %q; want %d and %q on one line", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}
