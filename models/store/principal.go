package store

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"
)

// SignedInPrincipal loads the person a session is signed in as: the session
// must still be one of their devices and their account must not be
// disabled. The device record, not the session's own data, decides, so that
// ending a session holds even if a request already under way saves it
// again. A patient's own record comes in the same query, which is the
// session's own when the request was readied by PrefetchSignedIn; a
// carer's links or a staff member's practices come in one more.
func (s *Store) SignedInPrincipal(ctx context.Context, token string, userID uint) (*models.Principal, error) {
	row, ok := prefetched(ctx, token)
	if !ok {
		if err := s.db.WithContext(ctx).Raw(signedInQuery(), userID, false, token).Find(&row).Error; err != nil {
			return nil, err
		}
	}
	if row.User.ID == 0 || row.User.ID != userID {
		return nil, models.ErrNotFound
	}
	var err error
	principal := models.Principal{User: row.User}
	if row.User.PatientID != nil && row.Own.ID != 0 {
		principal.Own = &row.Own
		if row.Practice.ID != 0 {
			principal.Own.Practice = &row.Practice
		}
	}
	switch {
	case row.User.Role == models.RoleCarer:
		principal.CaredFor, err = s.peopleCaredFor(ctx, row.User.ID)
	case row.User.Role.IsStaff():
		err = s.db.WithContext(ctx).Model(&models.Membership{}).Where("user_id = ?", row.User.ID).Order("organisation_id").
			Pluck("organisation_id", &principal.PracticeIDs).Error
	}
	if err == nil && row.User.Role == models.RoleAdmin {
		principal.Administered, err = s.administeredBy(ctx, principal.PracticeIDs)
	}
	return &principal, err
}

// administeredBy is what an administrator working at the given
// organisations looks after: those, then their practices and clinics.
func (s *Store) administeredBy(ctx context.Context, memberships []uint) ([]models.Organisation, error) {
	var organisations []models.Organisation
	err := s.db.WithContext(ctx).Where("id IN ? OR (kind IN ? AND parent_id IN ?)", orNone(memberships), models.CareKinds, orNone(memberships)).
		Order("name, id").Find(&organisations).Error
	// Where they work comes first: an ICB before its practices.
	slices.SortStableFunc(organisations, func(a, b models.Organisation) int {
		return cmp.Compare(memberRank(memberships, a.ID), memberRank(memberships, b.ID))
	})
	return organisations, err
}

func memberRank(memberships []uint, id uint) int {
	if slices.Contains(memberships, id) {
		return 0
	}
	return 1
}

// signedInRow is a signed-in person with their own patient record and its
// practice, if they are a patient, as signedInQuery selects them.
type signedInRow struct {
	User     models.User         `gorm:"embedded"`
	Own      models.Patient      `gorm:"embedded;embeddedPrefix:own_"`
	Practice models.Organisation `gorm:"embedded;embeddedPrefix:practice_"`
}

// signedInQuery is the query every signed-in page starts with. It is
// written out once rather than built by GORM's joins on every request,
// which cost a third of the passport page's allocations; the column lists
// come from the models, so a new column is selected without anyone
// remembering to add it here.
var signedInQuery = sync.OnceValue(func() string {
	return "SELECT " + signedInColumns() + " FROM users LEFT JOIN patients ON patients.id = users.patient_id" +
		" LEFT JOIN organisations ON organisations.id = patients.practice_id" +
		" WHERE users.id = ? AND users.disabled = ?" +
		" AND EXISTS (SELECT 1 FROM devices WHERE devices.user_id = users.id AND devices.token = ?)"
})

// signedInColumns are the columns of a signedInRow.
func signedInColumns() string {
	return selectedColumns(&models.User{}, "users", "") + ", " +
		selectedColumns(&models.Patient{}, "patients", "own_") + ", " +
		selectedColumns(&models.Organisation{}, "organisations", "practice_")
}

// selectedColumns lists a model's columns in a table, each named with a
// prefix as an embedded struct with that prefix expects.
func selectedColumns(model any, table, prefix string) string {
	parsed, err := schema.Parse(model, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		panic(err) // our own models, parsed by every query too
	}
	columns := make([]string, 0, len(parsed.DBNames))
	for _, name := range parsed.DBNames {
		columns = append(columns, table+"."+name+" AS "+prefix+name)
	}
	return strings.Join(columns, ", ")
}

// NoteActive records that a person used the service on a day, at most once
// a day: the unique index keeps one activity row a person a day, and the
// update changes nothing if another request already noted it.
func (s *Store) NoteActive(ctx context.Context, userID uint, day time.Time) error {
	db := s.db.WithContext(ctx)
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.ActivityDay{UserID: userID, Day: day}).Error; err != nil {
		return err
	}
	return db.Model(&models.User{}).
		Where("id = ? AND (last_active_on IS NULL OR last_active_on <> ?)", userID, day).
		UpdateColumn("last_active_on", day).Error
}

// PatientFor finds the patient with a reference among those the principal
// may see: their own, those they care for, or the patients of their
// practices. A reader's patients came with the principal, so only a staff
// member's lookup reaches the database.
func (s *Store) PatientFor(ctx context.Context, principal *models.Principal, ref string) (*models.Patient, error) {
	if principal.Client != nil {
		return s.patientAtPractices(ctx, principal.PracticeIDs, ref)
	}
	switch principal.User.Role {
	case models.RolePatient:
		if principal.Own != nil && principal.Own.Ref == ref {
			return principal.Own, nil
		}
	case models.RoleCarer:
		for _, cared := range principal.CaredFor {
			if cared.Ref == ref {
				return &cared.Patient, nil
			}
		}
	case models.RoleNurse:
		return s.patientAtPractices(ctx, principal.PracticeIDs, ref)
	}
	return nil, models.ErrNotFound
}

// patientAtPractices finds the patient with a reference among the
// patients of some practices.
func (s *Store) patientAtPractices(ctx context.Context, practiceIDs []uint, ref string) (*models.Patient, error) {
	if len(practiceIDs) == 0 {
		return nil, models.ErrNotFound
	}
	var patient models.Patient
	err := s.db.WithContext(ctx).Joins("Practice").
		Where("patients.ref = ? AND patients.practice_id IN ?", ref, practiceIDs).Take(&patient).Error
	return &patient, notFound(err)
}

// mayRead is the condition that a column holding patient ids names a
// patient the principal may read: their own, those they care for, or the
// patients of their practices. It goes in the WHERE of the query it
// guards, so a wrong id finds nothing without costing a statement.
func mayRead(p *models.Principal, column string) clause.Expr {
	return reach(p, column, false)
}

// mayAct is mayRead narrowed to the patients the principal may change
// the records of: a carer's "view only" links are left out, and so is
// every patient of a closed practice, whose records are kept to read.
// column must name its table: the condition has tables of its own.
func mayAct(p *models.Principal, column string) clause.Expr {
	return gorm.Expr("(?) AND NOT EXISTS (SELECT 1 FROM patients closed_patients JOIN organisations closed_practices"+
		" ON closed_practices.id = closed_patients.practice_id"+
		" WHERE closed_patients.id = "+column+" AND closed_practices.closed_at IS NOT NULL)", reach(p, column, true))
}

// mayOversee is the condition that a column names a patient whose
// passport, and what happened to it, the principal may see in full: their
// own, or one they care for with "view and act" permission.
func mayOversee(p *models.Principal, column string) clause.Expr {
	if p.User.Role != models.RolePatient && p.User.Role != models.RoleCarer {
		return gorm.Expr("1 = 0")
	}
	return reach(p, column, true)
}

func reach(p *models.Principal, column string, acting bool) clause.Expr {
	if p.Share != nil {
		if acting {
			return gorm.Expr("1 = 0")
		}
		return gorm.Expr(column+" = ?", p.Share.PatientID)
	}
	if p.Client != nil || p.User.Role == models.RoleNurse {
		return gorm.Expr(column+" IN (SELECT patients.id FROM patients WHERE patients.practice_id IN ?)", practiceIDs(p))
	}
	switch p.User.Role {
	case models.RolePatient:
		if p.Own != nil {
			return gorm.Expr(column+" = ?", p.Own.ID)
		}
	case models.RoleCarer:
		var ids []uint
		for _, cared := range p.CaredFor {
			if !acting || cared.Permission == models.PermissionAct {
				ids = append(ids, cared.ID)
			}
		}
		if len(ids) > 0 {
			return gorm.Expr(column+" IN ?", ids)
		}
	}
	return gorm.Expr("1 = 0")
}

// mayReadPatient decides for a patient already read what mayRead decides
// in a query: that the patient is the principal's own, one they care for,
// the one a share was made for, or one of their practices' patients.
func mayReadPatient(p *models.Principal, patient *models.Patient) bool {
	switch {
	case p.Share != nil:
		return patient.ID == p.Share.PatientID
	case p.Client != nil || p.User.Role == models.RoleNurse:
		return slices.Contains(p.PracticeIDs, patient.PracticeID)
	case p.User.Role == models.RolePatient:
		return p.Own != nil && p.Own.ID == patient.ID
	case p.User.Role == models.RoleCarer:
		return slices.ContainsFunc(p.CaredFor, func(cared models.CaredFor) bool { return cared.ID == patient.ID })
	}
	return false
}

// practiceIDs are the principal's practices, never empty.
func practiceIDs(p *models.Principal) []uint { return orNone(p.PracticeIDs) }

// orNone is a list of ids for an IN list: never empty, so that it is valid
// SQL on both databases, and matching nothing when there are none.
func orNone(ids []uint) []uint {
	if len(ids) == 0 {
		return []uint{0}
	}
	return ids
}

// claimPatient is the first statement of a transaction that adds to a
// patient's record: it touches the patient's row only if the principal may
// act for the patient, and answers not found otherwise, so nothing is
// written for a patient passed by mistake. Touching the row also holds it
// until the transaction ends.
func claimPatient(tx *gorm.DB, principal *models.Principal, patientID uint) error {
	update := tx.Model(&models.Patient{}).Where("id = ?", patientID).Where(mayAct(principal, "patients.id")).
		UpdateColumn("updated_at", gorm.Expr("updated_at"))
	if update.Error != nil {
		return update.Error
	}
	if update.RowsAffected != 1 {
		return refusal(tx, principal, patientID)
	}
	return nil
}

// refusal says why a change scoped by mayAct changed nothing: the
// patient's practice is closed, or the principal may not act for them (or
// there is no such row).
func refusal(tx *gorm.DB, principal *models.Principal, patientID uint) error {
	var closed int64
	err := tx.Model(&models.Patient{}).Joins("JOIN organisations ON organisations.id = patients.practice_id").
		Where("patients.id = ? AND organisations.closed_at IS NOT NULL", patientID).Where(mayRead(principal, "patients.id")).
		Count(&closed).Error
	if err != nil {
		return err
	}
	if closed > 0 {
		return models.ErrPracticeClosed
	}
	return models.ErrNotFound
}
