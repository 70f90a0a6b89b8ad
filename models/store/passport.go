package store

import (
	"context"

	"healthpassport/models"

	"gorm.io/gorm"
)

// LoadPassport gathers the passport of a patient found for the person
// asking: their practice (unless it came with them), and the plans and
// contacts the principal may read. Plans and contacts read once are kept
// by the patient's passport version, which came with the patient, so
// reading an unchanged passport again costs no statement.
func (s *Store) LoadPassport(ctx context.Context, principal *models.Principal, patient *models.Patient) (*models.Passport, error) {
	db := s.db.WithContext(ctx)
	passport := models.Passport{Patient: *patient}
	if patient.Practice != nil {
		passport.Practice = *patient.Practice
	} else if err := db.First(&passport.Practice, patient.PracticeID).Error; err != nil {
		return nil, err
	}
	// Only what a principal who may read the patient was given is kept:
	// anyone else's query found nothing, which is not the passport.
	var state models.PassportState
	if mayReadPatient(principal, patient) {
		state = models.NewPassportState(s.instance, patient.ID, patient.Ref, patient.PassportVersion)
	}
	if state.Known() {
		if parts, ok := s.passports.Get(state); ok {
			passport.Plans, passport.Contacts, passport.State = parts.plans, parts.contacts, state
			return &passport, nil
		}
	}
	var err error
	if passport.Plans, err = s.currentPlans(ctx, principal, patient.ID); err != nil {
		return nil, err
	}
	err = db.Where("patient_id = ?", patient.ID).Where(mayRead(principal, "patient_id")).Order("kind, position, id").Find(&passport.Contacts).Error
	if err == nil && state.Known() {
		passport.State = state
		s.passports.Add(state, passportParts{plans: passport.Plans, contacts: passport.Contacts})
	}
	return &passport, err
}

// keptPassports is how many passports a server keeps read: a few
// kilobytes each.
const keptPassports = 4096

// passportParts are the plans and contacts of one state of a passport,
// shared by every request that shows it, so never changed.
type passportParts struct {
	plans    []models.PlanSummary
	contacts []models.Contact
}

// planWithVersion is a row of a plan joined with one of its versions.
type planWithVersion struct {
	models.ActionPlan `gorm:"embedded"`
	Version           models.PlanVersion `gorm:"embedded;embeddedPrefix:version_"`
	TemplateApproved  bool
}

// versionColumns selects plan_versions' columns as planWithVersion names them.
const versionColumns = "plan_versions.id AS version_id, plan_versions.plan_id AS version_plan_id, plan_versions.number AS version_number, " +
	"plan_versions.author_id AS version_author_id, plan_versions.content AS version_content, plan_versions.state AS version_state, " +
	"plan_versions.created_at AS version_created_at"

// currentPlans is each of a patient's plans with its latest published
// version, in one query: what patients, carers and schools read. Drafts
// stay with staff, and a plan with no published version has nothing to show.
func (s *Store) currentPlans(ctx context.Context, principal *models.Principal, patientID uint) ([]models.PlanSummary, error) {
	var rows []planWithVersion
	err := s.db.WithContext(ctx).Model(&models.ActionPlan{}).
		Select("action_plans.*, "+versionColumns+", CASE WHEN condition_templates.approved = ? OR condition_templates.id IS NULL THEN 1 ELSE 0 END AS template_approved", true).
		Joins("JOIN plan_versions ON plan_versions.plan_id = action_plans.id").
		Joins("LEFT JOIN condition_templates ON condition_templates.id = action_plans.template_id").
		Where("action_plans.patient_id = ? AND plan_versions.number = (?)", patientID,
			s.db.Model(&models.PlanVersion{}).Select("MAX(latest.number)").Table("plan_versions AS latest").
				Where("latest.plan_id = action_plans.id AND latest.state = ?", models.VersionPublished)).
		Where(mayRead(principal, "action_plans.patient_id")).
		Order("action_plans.condition_name, action_plans.id").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	summaries := make([]models.PlanSummary, 0, len(rows))
	for _, row := range rows {
		content, err := row.Version.PlanContent()
		if err != nil {
			return nil, err
		}
		summaries = append(summaries, models.PlanSummary{Plan: row.ActionPlan, Version: row.Version, Content: content, TemplateApproved: row.TemplateApproved})
	}
	return summaries, nil
}

// AddFirstVersion saves a new plan's first version, as a draft or
// published. Later versions are numbered by SavePlanVersion.
func (s *Store) AddFirstVersion(tx *gorm.DB, planID, authorID uint, content models.PlanContent, state string) error {
	encoded, err := models.EncodePlanContent(content)
	if err != nil {
		return err
	}
	return tx.Create(&models.PlanVersion{PlanID: planID, Number: 1, AuthorID: authorID, Content: encoded, State: state, CreatedAt: s.now()}).Error
}

// templateChanged is the condition that the template version a plan came
// from was retired after the plan version in plan_versions was saved. The
// query joins condition_templates on the plan's template.
const templateChanged = "condition_templates.retired_at IS NOT NULL AND plan_versions.created_at < condition_templates.retired_at"

// PlanStates lists a patient's plans with their newest and latest published
// versions, in one query.
func (s *Store) PlanStates(ctx context.Context, principal *models.Principal, patient *models.Patient) ([]models.PlanState, error) {
	var rows []struct {
		models.ActionPlan `gorm:"embedded"`
		Version           models.PlanVersion `gorm:"embedded;embeddedPrefix:version_"`
		Published         int
		TemplateChanged   bool
	}
	published := s.db.Model(&models.PlanVersion{}).Select("COALESCE(MAX(published.number), 0)").Table("plan_versions AS published").
		Where("published.plan_id = action_plans.id AND published.state = ?", models.VersionPublished)
	newest := s.db.Model(&models.PlanVersion{}).Select("MAX(newest.number)").Table("plan_versions AS newest").
		Where("newest.plan_id = action_plans.id")
	err := s.db.WithContext(ctx).Model(&models.ActionPlan{}).
		Select("action_plans.*, "+versionColumns+", (?) AS published, CASE WHEN "+templateChanged+" THEN 1 ELSE 0 END AS template_changed", published).
		Joins("JOIN plan_versions ON plan_versions.plan_id = action_plans.id").
		Joins("LEFT JOIN condition_templates ON condition_templates.id = action_plans.template_id").
		Where("action_plans.patient_id = ? AND plan_versions.number = (?)", patient.ID, newest).Where(mayRead(principal, "action_plans.patient_id")).
		Order("action_plans.condition_name, action_plans.id").Find(&rows).Error
	states := make([]models.PlanState, 0, len(rows))
	for _, row := range rows {
		states = append(states, models.PlanState{Plan: row.ActionPlan, Newest: row.Version, Published: row.Published, TemplateChanged: row.TemplateChanged})
	}
	return states, err
}
