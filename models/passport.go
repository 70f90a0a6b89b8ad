package models

import (
	"context"

	"gorm.io/gorm"
)

// PlanSummary is a plan with its latest published version, as a passport
// shows it.
type PlanSummary struct {
	Plan    ActionPlan
	Version PlanVersion
	Content PlanContent
	// TemplateApproved is false when the plan was made from a template
	// version no clinical safety officer has approved, as in the demo:
	// readers are told so beside the plan.
	TemplateApproved bool
}

// Passport is everything a patient's passport shows.
type Passport struct {
	Patient  Patient
	Practice Organisation
	Plans    []PlanSummary
	Contacts []Contact
	// State names this state of the plans and contacts, the same for
	// everyone who may read them, so that what is made of them can be
	// kept by it; its zero value, when the passport was not read whole,
	// names none.
	State PassportState
}

// PassportState names one state of a patient's plans and contacts in one
// store: a new state is named as soon as anything in them changes.
type PassportState struct {
	store     uint64 // tells apart stores, and so databases, in one process
	patientID uint
	ref       string // tells apart patients given one id by a database made anew
	version   int64
}

// Known reports whether the state names one.
func (s PassportState) Known() bool { return s.version > 0 }

// EmergencyContacts are the people to call, in the patient's order.
func (p Passport) EmergencyContacts() []Contact { return p.contacts(ContactEmergency) }

// ClinicContacts are the clinic's numbers for the patient.
func (p Passport) ClinicContacts() []Contact { return p.contacts(ContactClinic) }

func (p Passport) contacts(kind string) []Contact {
	var out []Contact
	for _, c := range p.Contacts {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

// Medicines lists the medicines of every plan.
func (p Passport) Medicines() []Medicine {
	var out []Medicine
	for _, plan := range p.Plans {
		out = append(out, plan.Content.Medicines...)
	}
	return out
}

// LoadPassport gathers the passport of a patient found for the person
// asking: their practice (unless it came with them), and the plans and
// contacts the principal may read. Plans and contacts read once are kept
// by the patient's passport version, which came with the patient, so
// reading an unchanged passport again costs no statement.
func (s *Store) LoadPassport(ctx context.Context, principal *Principal, patient *Patient) (*Passport, error) {
	db := s.db.WithContext(ctx)
	passport := Passport{Patient: *patient}
	if patient.Practice != nil {
		passport.Practice = *patient.Practice
	} else if err := db.First(&passport.Practice, patient.PracticeID).Error; err != nil {
		return nil, err
	}
	// Only what a principal who may read the patient was given is kept:
	// anyone else's query found nothing, which is not the passport.
	var state PassportState
	if principal.mayReadPatient(patient) {
		state = PassportState{store: s.instance, patientID: patient.ID, ref: patient.Ref, version: patient.PassportVersion}
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
	err = db.Where("patient_id = ?", patient.ID).Where(principal.mayRead("patient_id")).Order("kind, position, id").Find(&passport.Contacts).Error
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
	plans    []PlanSummary
	contacts []Contact
}

// planWithVersion is a row of a plan joined with one of its versions.
type planWithVersion struct {
	ActionPlan       `gorm:"embedded"`
	Version          PlanVersion `gorm:"embedded;embeddedPrefix:version_"`
	TemplateApproved bool
}

// versionColumns selects plan_versions' columns as planWithVersion names them.
const versionColumns = "plan_versions.id AS version_id, plan_versions.plan_id AS version_plan_id, plan_versions.number AS version_number, " +
	"plan_versions.author_id AS version_author_id, plan_versions.content AS version_content, plan_versions.state AS version_state, " +
	"plan_versions.created_at AS version_created_at"

// currentPlans is each of a patient's plans with its latest published
// version, in one query: what patients, carers and schools read. Drafts
// stay with staff, and a plan with no published version has nothing to show.
func (s *Store) currentPlans(ctx context.Context, principal *Principal, patientID uint) ([]PlanSummary, error) {
	var rows []planWithVersion
	err := s.db.WithContext(ctx).Model(&ActionPlan{}).
		Select("action_plans.*, "+versionColumns+", CASE WHEN condition_templates.approved = ? OR condition_templates.id IS NULL THEN 1 ELSE 0 END AS template_approved", true).
		Joins("JOIN plan_versions ON plan_versions.plan_id = action_plans.id").
		Joins("LEFT JOIN condition_templates ON condition_templates.id = action_plans.template_id").
		Where("action_plans.patient_id = ? AND plan_versions.number = (?)", patientID,
			s.db.Model(&PlanVersion{}).Select("MAX(latest.number)").Table("plan_versions AS latest").
				Where("latest.plan_id = action_plans.id AND latest.state = ?", VersionPublished)).
		Where(principal.mayRead("action_plans.patient_id")).
		Order("action_plans.condition_name, action_plans.id").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	summaries := make([]PlanSummary, 0, len(rows))
	for _, row := range rows {
		content, err := row.Version.PlanContent()
		if err != nil {
			return nil, err
		}
		summaries = append(summaries, PlanSummary{Plan: row.ActionPlan, Version: row.Version, Content: content, TemplateApproved: row.TemplateApproved})
	}
	return summaries, nil
}

// addFirstVersion saves a new plan's first version, as a draft or
// published. Later versions are numbered by SavePlanVersion.
func (s *Store) addFirstVersion(tx *gorm.DB, planID, authorID uint, content PlanContent, state string) error {
	encoded, err := EncodePlanContent(content)
	if err != nil {
		return err
	}
	return tx.Create(&PlanVersion{PlanID: planID, Number: 1, AuthorID: authorID, Content: encoded, State: state, CreatedAt: s.now()}).Error
}

// PlanState is one of a patient's plans as the nurse's record lists it:
// its newest version, draft or published, and the version patients, carers
// and schools see, if any.
type PlanState struct {
	Plan      ActionPlan
	Newest    PlanVersion
	Published int // the latest published version's number, or 0
	// TemplateChanged is set when the template version the plan came from
	// was retired after the plan's newest version was saved: the nurse
	// should review the plan.
	TemplateChanged bool
}

// templateChanged is the condition that the template version a plan came
// from was retired after the plan version in plan_versions was saved. The
// query joins condition_templates on the plan's template.
const templateChanged = "condition_templates.retired_at IS NOT NULL AND plan_versions.created_at < condition_templates.retired_at"

// PlanStates lists a patient's plans with their newest and latest published
// versions, in one query.
func (s *Store) PlanStates(ctx context.Context, principal *Principal, patient *Patient) ([]PlanState, error) {
	var rows []struct {
		ActionPlan      `gorm:"embedded"`
		Version         PlanVersion `gorm:"embedded;embeddedPrefix:version_"`
		Published       int
		TemplateChanged bool
	}
	published := s.db.Model(&PlanVersion{}).Select("COALESCE(MAX(published.number), 0)").Table("plan_versions AS published").
		Where("published.plan_id = action_plans.id AND published.state = ?", VersionPublished)
	newest := s.db.Model(&PlanVersion{}).Select("MAX(newest.number)").Table("plan_versions AS newest").
		Where("newest.plan_id = action_plans.id")
	err := s.db.WithContext(ctx).Model(&ActionPlan{}).
		Select("action_plans.*, "+versionColumns+", (?) AS published, CASE WHEN "+templateChanged+" THEN 1 ELSE 0 END AS template_changed", published).
		Joins("JOIN plan_versions ON plan_versions.plan_id = action_plans.id").
		Joins("LEFT JOIN condition_templates ON condition_templates.id = action_plans.template_id").
		Where("action_plans.patient_id = ? AND plan_versions.number = (?)", patient.ID, newest).Where(principal.mayRead("action_plans.patient_id")).
		Order("action_plans.condition_name, action_plans.id").Find(&rows).Error
	states := make([]PlanState, 0, len(rows))
	for _, row := range rows {
		states = append(states, PlanState{Plan: row.ActionPlan, Newest: row.Version, Published: row.Published, TemplateChanged: row.TemplateChanged})
	}
	return states, err
}
