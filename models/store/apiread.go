package store

import (
	"context"

	"healthpassport/models"

	"gorm.io/gorm"
)

func limitPage(p models.Page, query *gorm.DB) *gorm.DB {
	if p.Limit > 0 {
		return query.Limit(p.Limit)
	}
	return query
}

// diagnoses are the plans, with a published version, of the principal's
// patients.
func (s *Store) diagnoses(ctx context.Context, principal *models.Principal) *gorm.DB {
	return s.db.WithContext(ctx).Model(&models.ActionPlan{}).Select("action_plans.*, patients.ref AS patient_ref").
		Joins("JOIN patients ON patients.id = action_plans.patient_id").
		Where(mayRead(principal, "action_plans.patient_id")).
		Where("EXISTS (SELECT 1 FROM plan_versions WHERE plan_versions.plan_id = action_plans.id AND plan_versions.state = ?)", models.VersionPublished)
}

// DiagnosesOf lists a patient's conditions, found for the principal first,
// in the order the plans were made.
func (s *Store) DiagnosesOf(ctx context.Context, principal *models.Principal, patient *models.Patient, page models.Page) ([]models.Diagnosis, error) {
	var found []models.Diagnosis
	query := s.diagnoses(ctx, principal).Where("action_plans.patient_id = ? AND action_plans.id > ?", patient.ID, page.After)
	err := limitPage(page, query.Order("action_plans.id")).Scan(&found).Error
	return found, err
}

// DiagnosisFor finds one condition among the principal's patients.
func (s *Store) DiagnosisFor(ctx context.Context, principal *models.Principal, planID uint) (*models.Diagnosis, error) {
	var found []models.Diagnosis
	if err := s.diagnoses(ctx, principal).Where("action_plans.id = ?", planID).Scan(&found).Error; err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, models.ErrNotFound
	}
	return &found[0], nil
}

func (s *Store) patientReadings(ctx context.Context, principal *models.Principal) *gorm.DB {
	return s.db.WithContext(ctx).Model(&models.Reading{}).Select("readings.*, patients.ref AS patient_ref").
		Joins("JOIN patients ON patients.id = readings.patient_id").Where(mayRead(principal, "readings.patient_id"))
}

// ReadingsOf lists a patient's peak flow readings and symptom check-ins,
// newest first: a page's After is the id of the oldest reading on the page
// before.
func (s *Store) ReadingsOf(ctx context.Context, principal *models.Principal, patient *models.Patient, page models.Page) ([]models.PatientReading, error) {
	query := s.patientReadings(ctx, principal).Where("readings.patient_id = ?", patient.ID)
	if page.After > 0 {
		query = query.Where("readings.id < ?", page.After)
	}
	var found []models.PatientReading
	err := limitPage(page, query.Order("readings.id DESC")).Scan(&found).Error
	return found, err
}

// ReadingFor finds one reading among the principal's patients.
func (s *Store) ReadingFor(ctx context.Context, principal *models.Principal, readingID uint) (*models.PatientReading, error) {
	var found []models.PatientReading
	if err := s.patientReadings(ctx, principal).Where("readings.id = ?", readingID).Scan(&found).Error; err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, models.ErrNotFound
	}
	return &found[0], nil
}

// publishedPlans are the published versions of the plans of the
// principal's patients.
func (s *Store) publishedPlans(ctx context.Context, principal *models.Principal) *gorm.DB {
	return s.db.WithContext(ctx).Model(&models.ActionPlan{}).
		Select("action_plans.*, patients.ref AS patient_ref, users.display_name AS author_name, "+versionColumns).
		Joins("JOIN patients ON patients.id = action_plans.patient_id").
		Joins("JOIN plan_versions ON plan_versions.plan_id = action_plans.id AND plan_versions.state = ?", models.VersionPublished).
		Joins("JOIN users ON users.id = plan_versions.author_id").
		Where(mayRead(principal, "action_plans.patient_id"))
}

// latestPublished keeps, of each plan, only its latest published version.
func (s *Store) latestPublished(query *gorm.DB) *gorm.DB {
	return query.Where("plan_versions.number = (?)", s.db.Model(&models.PlanVersion{}).Select("MAX(latest.number)").Table("plan_versions AS latest").
		Where("latest.plan_id = action_plans.id AND latest.state = ?", models.VersionPublished))
}

func scanPlans(query *gorm.DB) ([]models.PublishedPlan, error) {
	var found []models.PublishedPlan
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
func (s *Store) PublishedPlansOf(ctx context.Context, principal *models.Principal, patient *models.Patient, page models.Page) ([]models.PublishedPlan, error) {
	query := s.latestPublished(s.publishedPlans(ctx, principal)).
		Where("action_plans.patient_id = ? AND action_plans.id > ?", patient.ID, page.After)
	return scanPlans(limitPage(page, query.Order("action_plans.id")))
}

// PublishedPlanFor finds a plan among the principal's patients, at a
// published version's number, or at its latest published version for 0.
func (s *Store) PublishedPlanFor(ctx context.Context, principal *models.Principal, planID uint, number int) (*models.PublishedPlan, error) {
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
		return nil, models.ErrNotFound
	}
	return &found[0], nil
}

// PublishedVersionsOf lists every published version of a plan among the
// principal's patients, newest first; none if the plan is not theirs.
func (s *Store) PublishedVersionsOf(ctx context.Context, principal *models.Principal, planID uint) ([]models.PublishedPlan, error) {
	return scanPlans(s.publishedPlans(ctx, principal).Where("action_plans.id = ?", planID).Order("plan_versions.number DESC"))
}

func (s *Store) carers(ctx context.Context, principal *models.Principal) *gorm.DB {
	return s.db.WithContext(ctx).Model(&models.CarerLink{}).
		Select("carer_links.*, users.display_name, patients.ref AS patient_ref").
		Joins("JOIN users ON users.id = carer_links.carer_id").
		Joins("JOIN patients ON patients.id = carer_links.patient_id").
		Where(mayRead(principal, "carer_links.patient_id"))
}

// CarersLinkedTo lists the carers linked to a patient now, in the order
// they were linked.
func (s *Store) CarersLinkedTo(ctx context.Context, principal *models.Principal, patient *models.Patient, page models.Page) ([]models.Carer, error) {
	var found []models.Carer
	query := s.carers(ctx, principal).Where("carer_links.patient_id = ? AND carer_links.revoked_at IS NULL AND carer_links.id > ?", patient.ID, page.After)
	err := limitPage(page, query.Order("carer_links.id")).Scan(&found).Error
	return found, err
}

// CarerFor finds a carer's link among the principal's patients, whether
// or not it is still in force.
func (s *Store) CarerFor(ctx context.Context, principal *models.Principal, linkID uint) (*models.Carer, error) {
	var found []models.Carer
	if err := s.carers(ctx, principal).Where("carer_links.id = ?", linkID).Scan(&found).Error; err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, models.ErrNotFound
	}
	return &found[0], nil
}

// PractitionerFor finds a member of staff who wrote a published plan for
// one of the principal's patients: the API shows staff only where a plan
// points at them.
func (s *Store) PractitionerFor(ctx context.Context, principal *models.Principal, userID uint) (*models.User, error) {
	var user models.User
	err := s.db.WithContext(ctx).Where("users.id = ?", userID).
		Where("EXISTS (?)", s.db.Model(&models.PlanVersion{}).Select("1").
			Joins("JOIN action_plans ON action_plans.id = plan_versions.plan_id").
			Where("plan_versions.author_id = users.id AND plan_versions.state = ?", models.VersionPublished).
			Where(mayRead(principal, "action_plans.patient_id"))).
		Take(&user).Error
	return &user, notFound(err)
}

// OrganisationFor finds, by its ODS code, one of the organisations a
// client acts for.
func (s *Store) OrganisationFor(ctx context.Context, principal *models.Principal, odsCode string) (*models.Organisation, error) {
	var organisation models.Organisation
	err := s.db.WithContext(ctx).Where("ods_code = ? AND id IN ?", odsCode, practiceIDs(principal)).Take(&organisation).Error
	return &organisation, notFound(err)
}
