package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"healthpassport/models"
)

// newAdministrator is what "passport admin create" is told.
type newAdministrator struct {
	name, email, icb, ods string
}

// createAdministrator invites an administrator from the command line, so
// that an ICB can start from an empty database, and prints the code they
// set up their account with.
func createAdministrator(cfg Config, a newAdministrator, stdout io.Writer) error {
	if strings.TrimSpace(a.icb) == "" || strings.TrimSpace(a.ods) == "" {
		return errors.New("admin create: give the ICB's name with --icb and its ODS code with --ods")
	}
	staff, errs := models.CheckStaffPerson(a.name, a.email)
	if len(errs) > 0 {
		return fmt.Errorf("admin create: %s", errs[0].Message)
	}
	db, closeDB, err := ready(cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	st, err := NewStore(db, cfg)
	if err != nil {
		return err
	}
	user, code, err := st.CreateAdministrator(context.Background(), strings.TrimSpace(a.icb), strings.ToUpper(strings.TrimSpace(a.ods)), staff)
	if errors.Is(err, models.ErrEmailTaken) {
		return fmt.Errorf("admin create: a member of staff already has the email %s", staff.Email)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s is invited as an administrator.\nActivation code: %s (works once, for 30 days)\nThey set up their account at %s/activate/staff with this code and %s.\n",
		user.DisplayName, models.FormatActivationCode(code), cfg.PublicURL, user.Email)
	return nil
}
