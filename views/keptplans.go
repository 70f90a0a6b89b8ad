package views

import (
	"bytes"
	"context"
	"io"

	"healthpassport/models"

	"github.com/a-h/templ"
	lru "github.com/hashicorp/golang-lru/v2"
)

// keptPlanPages is how many passports' plans and contacts are kept made:
// some ten kilobytes each.
const keptPlanPages = 2048

// madePlans holds the plans and contacts of passports as made into
// HTML, by the state of the passport they were made from.
var madePlans = func() *lru.Cache[models.PassportState, []byte] {
	cache, err := lru.New[models.PassportState, []byte](keptPlanPages)
	if err != nil {
		panic(err) // only for a size below one
	}
	return cache
}()

// keptPlans writes the plans and contacts of a passport, made once for
// each state of them: they are most of the page, and the same for
// everyone who may read that passport. A passport whose state is not
// known is made afresh.
func keptPlans(passport *models.Passport) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if !passport.State.Known() {
			return plansAndContacts(passport).Render(ctx, w)
		}
		if made, ok := madePlans.Get(passport.State); ok {
			_, err := w.Write(made)
			return err
		}
		var made bytes.Buffer
		if err := plansAndContacts(passport).Render(ctx, &made); err != nil {
			return err
		}
		madePlans.Add(passport.State, made.Bytes())
		_, err := w.Write(made.Bytes())
		return err
	})
}
