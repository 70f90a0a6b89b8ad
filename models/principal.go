package models

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"
)

// Principal is who is asking: every query of patient data is scoped by it.
// It is loaded once a request: a signed-in person, a machine client
// reading through the FHIR API for its organisation, or a share opened
// with its access code.
type Principal struct {
	User User
	// Share is the share a school or carer opened with its code: it may
	// read the emergency page of the one patient it was made for, and
	// nothing else.
	Share *Share
	// Own is a patient's own record, with their practice.
	Own *Patient
	// CaredFor is the people a carer is linked to now, with the permission
	// each link gives.
	CaredFor []CaredFor
	// PracticeIDs are the practices a staff member works at, or the one
	// a client acts for.
	PracticeIDs []uint
	// Administered is, for an administrator, the organisations they look
	// after: those they work at, in name order, then the practices and
	// clinics of those, in name order. Every administration page scopes by it.
	Administered []Organisation
	// Client is the machine client, and Scopes what its access token
	// grants; nil for a person.
	Client *APIClient
	Scopes []string
}

// MayRead reports whether a client's token lets it read and search a FHIR
// resource type.
func (p *Principal) MayRead(resourceType string) bool {
	return slices.Contains(p.Scopes, ReadScope(resourceType))
}

// CanAct reports whether the principal may act on a patient's passport: a
// patient on their own, a carer with "view and act" permission.
func (p *Principal) CanAct(patientID uint) bool {
	if p.Own != nil && p.Own.ID == patientID {
		return true
	}
	return slices.ContainsFunc(p.CaredFor, func(cared CaredFor) bool {
		return cared.ID == patientID && cared.Permission == PermissionAct
	})
}

// SharePrincipal is whoever opened a working share, with no account of
// their own.
func SharePrincipal(share *Share) *Principal {
	return &Principal{Share: share}
}

// SignedInPrincipal loads the person a session is signed in as: the session
// must still be one of their devices and their account must not be
// disabled. The device record, not the session's own data, decides, so that
// ending a session holds even if a request already under way saves it
// again. A patient's own record comes in the same query, which is the
// session's own when the request was readied by PrefetchSignedIn; a
// carer's links or a staff member's practices come in one more.
func (s *Store) SignedInPrincipal(ctx context.Context, token string, userID uint) (*Principal, error) {
	row, ok := prefetched(ctx, token)
	if !ok {
		if err := s.db.WithContext(ctx).Raw(signedInQuery(), userID, false, token).Find(&row).Error; err != nil {
			return nil, err
		}
	}
	if row.User.ID == 0 || row.User.ID != userID {
		return nil, ErrNotFound
	}
	var err error
	principal := Principal{User: row.User}
	if row.User.PatientID != nil && row.Own.ID != 0 {
		principal.Own = &row.Own
		if row.Practice.ID != 0 {
			principal.Own.Practice = &row.Practice
		}
	}
	switch {
	case row.User.Role == RoleCarer:
		principal.CaredFor, err = s.peopleCaredFor(ctx, row.User.ID)
	case row.User.Role.IsStaff():
		err = s.db.WithContext(ctx).Model(&Membership{}).Where("user_id = ?", row.User.ID).Order("organisation_id").
			Pluck("organisation_id", &principal.PracticeIDs).Error
	}
	if err == nil && row.User.Role == RoleAdmin {
		principal.Administered, err = s.administeredBy(ctx, principal.PracticeIDs)
	}
	return &principal, err
}

// administeredBy is what an administrator working at the given
// organisations looks after: those, then their practices and clinics.
func (s *Store) administeredBy(ctx context.Context, memberships []uint) ([]Organisation, error) {
	var organisations []Organisation
	err := s.db.WithContext(ctx).Where("id IN ? OR (kind IN ? AND parent_id IN ?)", nonEmpty(memberships), CareKinds, nonEmpty(memberships)).
		Order("name, id").Find(&organisations).Error
	// Where they work comes first: an ICB before its practices.
	slices.SortStableFunc(organisations, func(a, b Organisation) int {
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

// AdministeredIDs are the ids of the organisations an administrator looks
// after.
func (p *Principal) AdministeredIDs() []uint {
	ids := make([]uint, len(p.Administered))
	for i, o := range p.Administered {
		ids[i] = o.ID
	}
	return ids
}

// AdministeredPractices are the practices and clinics among the
// organisations an administrator looks after: where patients are.
func (p *Principal) AdministeredPractices() []Organisation {
	var practices []Organisation
	for _, o := range p.Administered {
		if slices.Contains(CareKinds, o.Kind) {
			practices = append(practices, o)
		}
	}
	return practices
}

// signedInRow is a signed-in person with their own patient record and its
// practice, if they are a patient, as signedInQuery selects them.
type signedInRow struct {
	User     User         `gorm:"embedded"`
	Own      Patient      `gorm:"embedded;embeddedPrefix:own_"`
	Practice Organisation `gorm:"embedded;embeddedPrefix:practice_"`
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
	return selectedColumns(&User{}, "users", "") + ", " +
		selectedColumns(&Patient{}, "patients", "own_") + ", " +
		selectedColumns(&Organisation{}, "organisations", "practice_")
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
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&ActivityDay{UserID: userID, Day: day}).Error; err != nil {
		return err
	}
	return db.Model(&User{}).
		Where("id = ? AND (last_active_on IS NULL OR last_active_on <> ?)", userID, day).
		UpdateColumn("last_active_on", day).Error
}

// PatientFor finds the patient with a reference among those the principal
// may see: their own, those they care for, or the patients of their
// practices. A reader's patients came with the principal, so only a staff
// member's lookup reaches the database.
func (s *Store) PatientFor(ctx context.Context, principal *Principal, ref string) (*Patient, error) {
	if principal.Client != nil {
		return s.patientAtPractices(ctx, principal.PracticeIDs, ref)
	}
	switch principal.User.Role {
	case RolePatient:
		if principal.Own != nil && principal.Own.Ref == ref {
			return principal.Own, nil
		}
	case RoleCarer:
		for _, cared := range principal.CaredFor {
			if cared.Ref == ref {
				return &cared.Patient, nil
			}
		}
	case RoleNurse:
		return s.patientAtPractices(ctx, principal.PracticeIDs, ref)
	}
	return nil, ErrNotFound
}

// patientAtPractices finds the patient with a reference among the
// patients of some practices.
func (s *Store) patientAtPractices(ctx context.Context, practiceIDs []uint, ref string) (*Patient, error) {
	if len(practiceIDs) == 0 {
		return nil, ErrNotFound
	}
	var patient Patient
	err := s.db.WithContext(ctx).Joins("Practice").
		Where("patients.ref = ? AND patients.practice_id IN ?", ref, practiceIDs).Take(&patient).Error
	return &patient, notFound(err)
}

// mayRead is the condition that a column holding patient ids names a
// patient the principal may read: their own, those they care for, or the
// patients of their practices. It goes in the WHERE of the query it
// guards, so a wrong id finds nothing without costing a statement.
func (p *Principal) mayRead(column string) clause.Expr {
	return p.reach(column, false)
}

// mayAct is mayRead narrowed to the patients the principal may change
// the records of: a carer's "view only" links are left out, and so is
// every patient of a closed practice, whose records are kept to read.
// column must name its table: the condition has tables of its own.
func (p *Principal) mayAct(column string) clause.Expr {
	return gorm.Expr("(?) AND NOT EXISTS (SELECT 1 FROM patients closed_patients JOIN organisations closed_practices"+
		" ON closed_practices.id = closed_patients.practice_id"+
		" WHERE closed_patients.id = "+column+" AND closed_practices.closed_at IS NOT NULL)", p.reach(column, true))
}

// mayOversee is the condition that a column names a patient whose
// passport, and what happened to it, the principal may see in full: their
// own, or one they care for with "view and act" permission.
func (p *Principal) mayOversee(column string) clause.Expr {
	if p.User.Role != RolePatient && p.User.Role != RoleCarer {
		return gorm.Expr("1 = 0")
	}
	return p.reach(column, true)
}

func (p *Principal) reach(column string, acting bool) clause.Expr {
	if p.Share != nil {
		if acting {
			return gorm.Expr("1 = 0")
		}
		return gorm.Expr(column+" = ?", p.Share.PatientID)
	}
	if p.Client != nil || p.User.Role == RoleNurse {
		return gorm.Expr(column+" IN (SELECT patients.id FROM patients WHERE patients.practice_id IN ?)", p.practiceIDs())
	}
	switch p.User.Role {
	case RolePatient:
		if p.Own != nil {
			return gorm.Expr(column+" = ?", p.Own.ID)
		}
	case RoleCarer:
		var ids []uint
		for _, cared := range p.CaredFor {
			if !acting || cared.Permission == PermissionAct {
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
func (p *Principal) mayReadPatient(patient *Patient) bool {
	switch {
	case p.Share != nil:
		return patient.ID == p.Share.PatientID
	case p.Client != nil || p.User.Role == RoleNurse:
		return slices.Contains(p.PracticeIDs, patient.PracticeID)
	case p.User.Role == RolePatient:
		return p.Own != nil && p.Own.ID == patient.ID
	case p.User.Role == RoleCarer:
		return slices.ContainsFunc(p.CaredFor, func(cared CaredFor) bool { return cared.ID == patient.ID })
	}
	return false
}

// practiceIDs are the principal's practices, never empty, so that an IN
// list is valid SQL on both databases and matches nothing when they have
// none.
func (p *Principal) practiceIDs() []uint {
	if len(p.PracticeIDs) == 0 {
		return []uint{0}
	}
	return p.PracticeIDs
}

// claimPatient is the first statement of a transaction that adds to a
// patient's record: it touches the patient's row only if the principal may
// act for the patient, and answers not found otherwise, so nothing is
// written for a patient passed by mistake. Touching the row also holds it
// until the transaction ends.
func claimPatient(tx *gorm.DB, principal *Principal, patientID uint) error {
	update := tx.Model(&Patient{}).Where("id = ?", patientID).Where(principal.mayAct("patients.id")).
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
func refusal(tx *gorm.DB, principal *Principal, patientID uint) error {
	var closed int64
	err := tx.Model(&Patient{}).Joins("JOIN organisations ON organisations.id = patients.practice_id").
		Where("patients.id = ? AND organisations.closed_at IS NOT NULL", patientID).Where(principal.mayRead("patients.id")).
		Count(&closed).Error
	if err != nil {
		return err
	}
	if closed > 0 {
		return ErrPracticeClosed
	}
	return ErrNotFound
}
