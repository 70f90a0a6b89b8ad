package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"healthpassport/models"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// plansToReview selects the patients with a plan whose template version
// was retired after the plan's newest version was saved: a plan saved
// since has been looked at again.
const plansToReview = "SELECT action_plans.patient_id FROM action_plans " +
	"JOIN condition_templates ON condition_templates.id = action_plans.template_id " +
	"WHERE condition_templates.retired_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM plan_versions " +
	"WHERE plan_versions.plan_id = action_plans.id AND plan_versions.created_at >= condition_templates.retired_at)"

// retiredTemplates selects any retired template version. Versions are
// seldom retired: while none is, the caseload asks once for its page
// whether plans need reviewing, rather than once for each patient on it.
const retiredTemplates = "SELECT 1 FROM condition_templates WHERE condition_templates.retired_at IS NOT NULL"

// recentRed is the condition that a patient's latest red-zone reading,
// which the database keeps on their row (migration 0022), came since a
// time.
const recentRed = "patients.last_red_at >= ?"

// practicePatients limits a patient query to the practices a staff member
// works at, named, so that the database reads a practice's patients in
// name order from the caseload index and stops at the page.
func (s *Store) practicePatients(ctx context.Context, principal *models.Principal) *gorm.DB {
	return s.db.WithContext(ctx).Model(&models.Patient{}).Where("patients.practice_id IN ?", practiceIDs(principal))
}

var dateLayouts = []string{"2/1/2006", "2-1-2006", "2 1 2006", "2.1.2006", "2006-01-02"}

// patientName is the text a name search looks in: the person's names with
// a space between, in lower case. A search word holds no space, so it
// matches within one name. PostgreSQL indexes this very expression by its
// trigrams (migration 0014).
const patientName = "lower(patients.given_name || ' ' || patients.family_name || ' ' || patients.preferred_name)"

// searchPatients narrows a query by name, NHS number (with or without
// spaces, or its first digits) or date of birth, each through an index.
func searchPatients(q *gorm.DB, search string) *gorm.DB {
	search = strings.TrimSpace(search)
	if search == "" {
		return q
	}
	if digits := strings.ReplaceAll(search, " ", ""); digits != "" && strings.Trim(digits, "0123456789") == "" {
		if len(digits) >= 10 {
			return q.Where("patients.nhs_number = ?", digits)
		}
		// Every NHS number has 10 digits, so those that start with the
		// digits lie between the digits padded with zeros and with nines: a
		// range the unique index reads, which it would not for LIKE.
		padding := 10 - len(digits)
		return q.Where("patients.nhs_number BETWEEN ? AND ?", digits+strings.Repeat("0", padding), digits+strings.Repeat("9", padding))
	}
	for _, layout := range dateLayouts {
		if date, err := time.Parse(layout, search); err == nil {
			return q.Where("patients.date_of_birth = ?", date)
		}
	}
	var phrases []string
	for _, word := range strings.Fields(strings.ToLower(search)) {
		escaped := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(word)
		if utf8.RuneCountInString(word) >= 3 {
			q = q.Where(patientName+` LIKE ? ESCAPE '\'`, "%"+escaped+"%")
			phrases = append(phrases, `"`+strings.ReplaceAll(word, `"`, `""`)+`"`)
			continue
		}
		// A word of one or two letters has no trigram of its own to look
		// up, and found anywhere in names it would match a good part of
		// the practice: it matches the start of a name instead, as someone
		// typing "Wu" or "Jo" means. The trigram index reads those from the
		// padded start of each word.
		q = q.Where("("+patientName+` LIKE ? ESCAPE '\' OR `+patientName+` LIKE ? ESCAPE '\')`, escaped+"%", "% "+escaped+"%")
	}
	// SQLite cannot index the expression by trigrams: its FTS5 table of
	// names (kept in step by triggers) narrows the search to the patients
	// holding each word of 3 letters or more, and LIKE decides as above.
	if len(phrases) > 0 && q.Dialector.Name() == "sqlite" {
		q = q.Where("patients.id IN (SELECT rowid FROM patient_names WHERE patient_names MATCH ?)", strings.Join(phrases, " AND "))
	}
	return q
}

// Caseload searches the patients of a staff member's practices.
func (s *Store) Caseload(ctx context.Context, principal *models.Principal, query models.CaseloadQuery, pageSize int) (models.CaseloadResult, error) {
	now := s.now()
	searching := strings.TrimSpace(query.Search) != ""
	q := searchPatients(s.practicePatients(ctx, principal), query.Search)
	redSince := now.Add(-models.RedZoneWindow)
	// Each filter reads the few patients it holds from an index of its
	// own, not every patient.
	switch query.Filter {
	case models.FilterReviewDue:
		q = q.Where("patients.next_review_on <= ?", now.Add(models.ReviewDueWindow))
	case models.FilterRedZone:
		// The filter counts the few recent ones from their own index, and
		// reads its page in name order from the caseload index, which
		// carries the time (migration 0035).
		q = q.Where(recentRed, redSince)
	case models.FilterPrescriptions:
		// Each patient keeps how many requests wait (migration 0035), and
		// an index in caseload order holds those with any. The condition
		// is written as the index's own, so that both databases use it.
		q = q.Where("patients.waiting_requests > 0")
	case models.FilterPlanReview:
		q = q.Where("patients.id IN (" + plansToReview + ")")
	}
	// Each use below starts from the search as built so far.
	q = q.Session(&gorm.Session{})
	order := "family_name, given_name, id"
	switch {
	case query.Sort == models.SortReview && query.Filter == models.FilterReviewDue:
		// Every patient due a review has a date, so patients come in this
		// order straight from the index of migration 0021.
		order = "next_review_on, " + order
	case query.Sort == models.SortReview:
		order = "CASE WHEN next_review_on IS NULL THEN 1 ELSE 0 END, next_review_on, " + order
	}
	result := models.CaseloadResult{Pagination: models.Pagination{Page: query.Page}}
	if !searching {
		return result, s.caseloadPage(ctx, q, query.Filter, order, redSince, pageSize, &result)
	}
	// A search is ordered by what it searches, as a name search is, in a
	// way no estimate of the database allows for: walking the practice in
	// name order looking for "Smith", it would pass most of the practice
	// first. So the matches are gathered through the search's index, up to
	// one more than the caseload counts, and sorted: their number is the
	// count and the page is cut from them. Only a search matching more than
	// that, whose matches lie close together, is paged from the caseload
	// index in order.
	gathered := q.Select("patients.id, patients.family_name, patients.given_name, patients.next_review_on").Limit(models.CaseloadCountLimit + 1)
	matches, err := idsPlannedForValues(ctx, s.db.WithContext(ctx).Table("(?) AS matches", gathered).Select("id").Order(order))
	if err != nil {
		return result, err
	}
	result.Total = int64(len(matches))
	result.Paginate(pageSize)
	offset := result.Offset(pageSize)
	page := matches[min(offset, len(matches)):min(offset+pageSize, len(matches))]
	if result.More {
		if page, err = idsPlannedForValues(ctx, q.Select("patients.id").Order(order).Limit(pageSize).Offset(offset)); err != nil {
			return result, err
		}
	}
	if len(page) == 0 {
		return result, nil
	}
	return result, s.caseloadEntries(ctx, gorm.Expr("patients.id IN ?", page), order, redSince, &result)
}

// caseloadPage counts a practice's patients, or a filter's, and reads the
// page of them asked for.
func (s *Store) caseloadPage(ctx context.Context, q *gorm.DB, filter, order string, redSince time.Time, pageSize int, result *models.CaseloadResult) error {
	counted := q.Select("patients.id")
	// The red-zone and prescriptions filters hold few patients and count
	// them exactly: under a limit, the database would rather walk the
	// practice's patients looking for them one by one.
	if filter != models.FilterRedZone && filter != models.FilterPrescriptions && filter != models.FilterPlanReview {
		counted = fixedLimit(counted, models.CaseloadCountLimit+1, 0)
	}
	if err := s.db.WithContext(ctx).Table("(?) AS matching", counted).Count(&result.Total).Error; err != nil {
		return err
	}
	result.Paginate(pageSize)
	// The page's patients are chosen by id alone, so that the database
	// can choose them from an index without reading the patients it passes
	// over.
	page := fixedLimit(q.Select("patients.id").Order(order), pageSize, result.Offset(pageSize))
	return s.caseloadEntries(ctx, gorm.Expr("patients.id IN (?)", page), order, redSince, result)
}

// caseloadEntries reads the patients of a caseload page, chosen by a
// condition on their ids, with what the caseload shows of each. Only the
// page's patients are looked up in users, plans and templates: asked of
// every matching patient, the database would rather read the whole of
// those tables.
func (s *Store) caseloadEntries(ctx context.Context, onPage clause.Expr, order string, redSince time.Time, result *models.CaseloadResult) error {
	if err := s.db.WithContext(ctx).Model(&models.Patient{}).Where(onPage).Select("patients.*, EXISTS (SELECT 1 FROM users WHERE users.patient_id = patients.id) AS activated, "+
		"CASE WHEN "+recentRed+" THEN 1 ELSE 0 END AS red_zone, "+
		"patients.waiting_requests AS open_requests, "+
		"(EXISTS ("+retiredTemplates+") AND patients.id IN ("+plansToReview+" AND action_plans.patient_id = patients.id)) AS plan_to_review", redSince).
		Order(order).Find(&result.Entries).Error; err != nil {
		return err
	}
	today := models.StartOfUKDay(s.now())
	for i, e := range result.Entries {
		result.Entries[i].ReviewOverdue = e.NextReviewOn != nil && e.NextReviewOn.Before(today)
	}
	return nil
}

// fixedLimit limits a statement to some rows, with the numbers written
// into it for PostgreSQL: it then plans the statement once for every
// request, where with the limit bound it would plan as if a page could be
// thousands of rows long, and so plan afresh at every request. SQLite plans
// every statement afresh, and writes LIMIT its own way.
func fixedLimit(q *gorm.DB, limit, offset int) *gorm.DB {
	if q.Dialector.Name() != "postgres" {
		return q.Limit(limit).Offset(offset)
	}
	return q.Clauses(pageLimit{limit: limit, offset: offset})
}

// idsPlannedForValues runs a query of ids with a plan PostgreSQL makes for
// the values it is given, each time. Statements are otherwise prepared once
// on each connection, and PostgreSQL may come to run one with a plan made
// for any values: for a search that is a plan for a typical search, such
// as reading the whole name index for a word too short to have trigrams.
func idsPlannedForValues(ctx context.Context, query *gorm.DB) ([]uint, error) {
	// A session with its own context has a statement of its own to change.
	tx := query.Session(&gorm.Session{Context: ctx})
	if tx.Dialector.Name() == "postgres" {
		tx.Statement.ConnPool = plannedForValues{tx.Statement.ConnPool}
	}
	var ids []uint
	err := tx.Find(&ids).Error
	return ids, err
}

// plannedForValues asks pgx to send each query unprepared, which has
// PostgreSQL plan it for the values it comes with.
type plannedForValues struct{ gorm.ConnPool }

func (p plannedForValues) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.ConnPool.QueryContext(ctx, query, append([]any{pgx.QueryExecModeCacheDescribe}, args...)...)
}

// pageLimit is a LIMIT and OFFSET written into a statement as numbers
// rather than bound to it. The numbers are the service's own, never a
// visitor's text.
type pageLimit struct{ limit, offset int }

func (pageLimit) Name() string { return "LIMIT" }

func (l pageLimit) Build(builder clause.Builder) {
	builder.WriteString("LIMIT " + strconv.Itoa(l.limit))
	if l.offset > 0 {
		builder.WriteString(" OFFSET " + strconv.Itoa(l.offset))
	}
}

// MergeClause clears the clause's name, which GORM would otherwise write
// before the clause as it does for WHERE, as its own LIMIT does.
func (l pageLimit) MergeClause(c *clause.Clause) {
	c.Name = ""
	c.Expression = l
}

// QueueCounts counts what waits for staff at their practices: repeat
// prescription requests not yet decided, and red-zone alerts not yet
// acknowledged. Each row keeps its patient's practice (migration 0034),
// so both counts read only the index entries of the practices' waiting
// rows. The statuses are written out, not bound, so that both databases
// match them to those partial indexes.
func (s *Store) QueueCounts(ctx context.Context, principal *models.Principal) (prescriptions, alerts int64, err error) {
	err = s.db.WithContext(ctx).Raw("SELECT "+
		"(SELECT COUNT(*) FROM prescription_requests "+
		"WHERE prescription_requests.status IN ('"+models.RequestRequested+"', '"+models.RequestApproved+"') AND prescription_requests.practice_id IN ?), "+
		"(SELECT COUNT(*) FROM alerts WHERE alerts.status = '"+models.AlertOpen+"' AND alerts.practice_id IN ?)",
		practiceIDs(principal), practiceIDs(principal)).Row().Scan(&prescriptions, &alerts)
	return
}

// peopleCaredFor lists the people a carer is linked to now.
func (s *Store) peopleCaredFor(ctx context.Context, carerID uint) ([]models.CaredFor, error) {
	var people []models.CaredFor
	err := s.db.WithContext(ctx).Model(&models.Patient{}).
		Select("patients.*, carer_links.relationship, carer_links.permission").
		Joins("JOIN carer_links ON carer_links.patient_id = patients.id").
		Where("carer_links.carer_id = ? AND carer_links.revoked_at IS NULL", carerID).
		Order("patients.given_name, patients.family_name").Scan(&people).Error
	return people, err
}

// RegisteredHere finds the patient with an NHS number among those at the
// practices the principal works at, so a nurse told the number is taken
// can go to the record they may see, and learns nothing of one they may not.
func (s *Store) RegisteredHere(ctx context.Context, principal *models.Principal, nhsNumber string) (*models.Patient, error) {
	var patient models.Patient
	err := s.practicePatients(ctx, principal).Where("patients.nhs_number = ?", nhsNumber).Take(&patient).Error
	return &patient, notFound(err)
}

// RegisterPatient adds a patient to one of the staff member's practices and
// issues their first activation code, which is returned for the letter.
func (s *Store) RegisterPatient(ctx context.Context, actor models.Actor, p models.NewPatient) (*models.Patient, string, error) {
	patient := models.Patient{
		Ref:         models.RandomString(models.RefAlphabet, 16),
		NHSNumber:   p.NHSNumber,
		GivenName:   strings.TrimSpace(p.GivenName),
		FamilyName:  strings.TrimSpace(p.FamilyName),
		DateOfBirth: p.DateOfBirth,
		Address:     p.Address,
		PracticeID:  p.PracticeID,
	}
	var code string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var works int64
		if err := tx.Model(&models.Membership{}).Where("user_id = ? AND organisation_id = ?", actor.UserID, p.PracticeID).
			Count(&works).Error; err != nil {
			return err
		}
		if works == 0 {
			return models.ErrNotFound
		}
		// Held open until the patient is added: closing it waits.
		hold := tx.Model(&models.Organisation{}).Where("id = ? AND closed_at IS NULL", p.PracticeID).UpdateColumn("name", gorm.Expr("name"))
		if hold.Error != nil {
			return hold.Error
		}
		if hold.RowsAffected != 1 {
			return models.ErrPracticeClosed
		}
		if err := tx.Create(&patient).Error; err != nil {
			// The NHS number is unique; the reference is random and long
			// enough never to repeat.
			if IsUniqueViolation(err) {
				return models.ErrNHSNumberRegistered
			}
			return err
		}
		if err := s.audit(tx, actor, models.AuditEntry{Action: models.AuditPatientCreated, PatientID: &patient.ID,
			TargetType: "patient", TargetID: patient.Ref}); err != nil {
			return err
		}
		var err error
		code, err = s.issueCode(tx, actor, patient.ID, nil)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return &patient, code, nil
}
