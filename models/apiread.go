package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// What the FHIR API and a passport's download read. Each query is scoped
// by the principal, so a client sees only its organisation's patients and
// a patient or carer only the passports they may read.

// Page is one page of a search in a stable order: the rows after the key
// of the last row of the page before, and at most Limit of them, or all of
// them for a Limit of 0.
type Page struct {
	After uint
	Limit int
}

func (p Page) limit(query *gorm.DB) *gorm.DB {
	if p.Limit > 0 {
		return query.Limit(p.Limit)
	}
	return query
}

// PatientSearch narrows a search of the principal's patients.
type PatientSearch struct {
	NHSNumber     string     // empty for any
	UpdatedAfter  *time.Time // exclusive bounds on when the record last changed
	UpdatedBefore *time.Time
	Page
}

// SearchPatients lists the principal's patients that match, oldest record
// first, with their practices.
func (s *Store) SearchPatients(ctx context.Context, principal *Principal, search PatientSearch) ([]Patient, error) {
	query := s.db.WithContext(ctx).Joins("Practice").Where("patients.practice_id IN ? AND patients.id > ?", principal.practiceIDs(), search.After)
	if search.NHSNumber != "" {
		query = query.Where("patients.nhs_number = ?", search.NHSNumber)
	}
	if search.UpdatedAfter != nil {
		query = query.Where("patients.updated_at > ?", *search.UpdatedAfter)
	}
	if search.UpdatedBefore != nil {
		query = query.Where("patients.updated_at < ?", *search.UpdatedBefore)
	}
	var patients []Patient
	err := search.limit(query.Order("patients.id")).Find(&patients).Error
	return patients, err
}

// Diagnosis is a condition a patient has a published plan for: drafts are
// not shared, so neither is a condition known only from one.
type Diagnosis struct {
	ActionPlan
	PatientRef string
}

// diagnoses are the plans, with a published version, of the principal's
// patients.
func (s *Store) diagnoses(ctx context.Context, principal *Principal) *gorm.DB {
	return s.db.WithContext(ctx).Model(&ActionPlan{}).Select("action_plans.*, patients.ref AS patient_ref").
		Joins("JOIN patients ON patients.id = action_plans.patient_id").
		Where(principal.mayRead("action_plans.patient_id")).
		Where("EXISTS (SELECT 1 FROM plan_versions WHERE plan_versions.plan_id = action_plans.id AND plan_versions.state = ?)", VersionPublished)
}

// DiagnosesOf lists a patient's conditions, found for the principal first,
// in the order the plans were made.
func (s *Store) DiagnosesOf(ctx context.Context, principal *Principal, patient *Patient, page Page) ([]Diagnosis, error) {
	var found []Diagnosis
	query := s.diagnoses(ctx, principal).Where("action_plans.patient_id = ? AND action_plans.id > ?", patient.ID, page.After)
	err := page.limit(query.Order("action_plans.id")).Scan(&found).Error
	return found, err
}

// DiagnosisFor finds one condition among the principal's patients.
func (s *Store) DiagnosisFor(ctx context.Context, principal *Principal, planID uint) (*Diagnosis, error) {
	var found []Diagnosis
	if err := s.diagnoses(ctx, principal).Where("action_plans.id = ?", planID).Scan(&found).Error; err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, ErrNotFound
	}
	return &found[0], nil
}

// PatientReading is a reading, of either kind, with its patient's
// reference.
type PatientReading struct {
	Reading
	PatientRef string
}

func (s *Store) patientReadings(ctx context.Context, principal *Principal) *gorm.DB {
	return s.db.WithContext(ctx).Model(&Reading{}).Select("readings.*, patients.ref AS patient_ref").
		Joins("JOIN patients ON patients.id = readings.patient_id").Where(principal.mayRead("readings.patient_id"))
}

// ReadingsOf lists a patient's peak flow readings and symptom check-ins,
// newest first: a page's After is the id of the oldest reading on the page
// before.
func (s *Store) ReadingsOf(ctx context.Context, principal *Principal, patient *Patient, page Page) ([]PatientReading, error) {
	query := s.patientReadings(ctx, principal).Where("readings.patient_id = ?", patient.ID)
	if page.After > 0 {
		query = query.Where("readings.id < ?", page.After)
	}
	var found []PatientReading
	err := page.limit(query.Order("readings.id DESC")).Scan(&found).Error
	return found, err
}

// ReadingFor finds one reading among the principal's patients.
func (s *Store) ReadingFor(ctx context.Context, principal *Principal, readingID uint) (*PatientReading, error) {
	var found []PatientReading
	if err := s.patientReadings(ctx, principal).Where("readings.id = ?", readingID).Scan(&found).Error; err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, ErrNotFound
	}
	return &found[0], nil
}

// PublishedPlan is one published version of a plan, with its patient's
// reference and its author's name.
type PublishedPlan struct {
	ActionPlan `gorm:"embedded"`
	PatientRef string
	Version    PlanVersion `gorm:"embedded;embeddedPrefix:version_"`
	AuthorName string
	Content    PlanContent `gorm:"-"`
}

// publishedPlans are the published versions of the plans of the
// principal's patients.
func (s *Store) publishedPlans(ctx context.Context, principal *Principal) *gorm.DB {
	return s.db.WithContext(ctx).Model(&ActionPlan{}).
		Select("action_plans.*, patients.ref AS patient_ref, users.display_name AS author_name, "+versionColumns).
		Joins("JOIN patients ON patients.id = action_plans.patient_id").
		Joins("JOIN plan_versions ON plan_versions.plan_id = action_plans.id AND plan_versions.state = ?", VersionPublished).
		Joins("JOIN users ON users.id = plan_versions.author_id").
		Where(principal.mayRead("action_plans.patient_id"))
}

// latestPublished keeps, of each plan, only its latest published version.
func (s *Store) latestPublished(query *gorm.DB) *gorm.DB {
	return query.Where("plan_versions.number = (?)", s.db.Model(&PlanVersion{}).Select("MAX(latest.number)").Table("plan_versions AS latest").
		Where("latest.plan_id = action_plans.id AND latest.state = ?", VersionPublished))
}

func scanPlans(query *gorm.DB) ([]PublishedPlan, error) {
	var found []PublishedPlan
	if err := query.Scan(&found).Error; err != nil {
		return nil, err
	}
	for i := range found {
		content, err := found[i].Version.PlanContent()
		if err != nil {
			return nil, err
		}
		found[i].Content = content
	}
	return found, nil
}

// PublishedPlansOf lists the latest published version of each of a
// patient's plans, in the order the plans were made.
func (s *Store) PublishedPlansOf(ctx context.Context, principal *Principal, patient *Patient, page Page) ([]PublishedPlan, error) {
	query := s.latestPublished(s.publishedPlans(ctx, principal)).
		Where("action_plans.patient_id = ? AND action_plans.id > ?", patient.ID, page.After)
	return scanPlans(page.limit(query.Order("action_plans.id")))
}

// PublishedPlanFor finds a plan among the principal's patients, at a
// published version's number, or at its latest published version for 0.
func (s *Store) PublishedPlanFor(ctx context.Context, principal *Principal, planID uint, number int) (*PublishedPlan, error) {
	query := s.publishedPlans(ctx, principal).Where("action_plans.id = ?", planID)
	if number == 0 {
		query = s.latestPublished(query)
	} else {
		query = query.Where("plan_versions.number = ?", number)
	}
	found, err := scanPlans(query)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, ErrNotFound
	}
	return &found[0], nil
}

// PublishedVersionsOf lists every published version of a plan among the
// principal's patients, newest first; none if the plan is not theirs.
func (s *Store) PublishedVersionsOf(ctx context.Context, principal *Principal, planID uint) ([]PublishedPlan, error) {
	return scanPlans(s.publishedPlans(ctx, principal).Where("action_plans.id = ?", planID).Order("plan_versions.number DESC"))
}

// Carer is a carer's link to a patient, with the carer's name and the
// patient's reference.
type Carer struct {
	CarerLink
	DisplayName string
	PatientRef  string
}

func (s *Store) carers(ctx context.Context, principal *Principal) *gorm.DB {
	return s.db.WithContext(ctx).Model(&CarerLink{}).
		Select("carer_links.*, users.display_name, patients.ref AS patient_ref").
		Joins("JOIN users ON users.id = carer_links.carer_id").
		Joins("JOIN patients ON patients.id = carer_links.patient_id").
		Where(principal.mayRead("carer_links.patient_id"))
}

// CarersLinkedTo lists the carers linked to a patient now, in the order
// they were linked.
func (s *Store) CarersLinkedTo(ctx context.Context, principal *Principal, patient *Patient, page Page) ([]Carer, error) {
	var found []Carer
	query := s.carers(ctx, principal).Where("carer_links.patient_id = ? AND carer_links.revoked_at IS NULL AND carer_links.id > ?", patient.ID, page.After)
	err := page.limit(query.Order("carer_links.id")).Scan(&found).Error
	return found, err
}

// CarerFor finds a carer's link among the principal's patients, whether
// or not it is still in force.
func (s *Store) CarerFor(ctx context.Context, principal *Principal, linkID uint) (*Carer, error) {
	var found []Carer
	if err := s.carers(ctx, principal).Where("carer_links.id = ?", linkID).Scan(&found).Error; err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, ErrNotFound
	}
	return &found[0], nil
}

// PractitionerFor finds a member of staff who wrote a published plan for
// one of the principal's patients: the API shows staff only where a plan
// points at them.
func (s *Store) PractitionerFor(ctx context.Context, principal *Principal, userID uint) (*User, error) {
	var user User
	err := s.db.WithContext(ctx).Where("users.id = ?", userID).
		Where("EXISTS (?)", s.db.Model(&PlanVersion{}).Select("1").
			Joins("JOIN action_plans ON action_plans.id = plan_versions.plan_id").
			Where("plan_versions.author_id = users.id AND plan_versions.state = ?", VersionPublished).
			Where(principal.mayRead("action_plans.patient_id"))).
		Take(&user).Error
	return &user, notFound(err)
}

// OrganisationFor finds, by its ODS code, one of the organisations a
// client acts for.
func (s *Store) OrganisationFor(ctx context.Context, principal *Principal, odsCode string) (*Organisation, error) {
	var organisation Organisation
	err := s.db.WithContext(ctx).Where("ods_code = ? AND id IN ?", odsCode, principal.practiceIDs()).Take(&organisation).Error
	return &organisation, notFound(err)
}
