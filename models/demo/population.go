// Package demo fills demo databases: the accounts and patients the demo
// signs in with, and synthetic populations for demonstrations, benchmarks
// and load tests.
package demo

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"healthpassport/models"
	"healthpassport/models/store"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// A synthetic population is an integrated care board full of made-up
// patients with a year of use behind them, for demonstrations, benchmarks
// and load tests. It is drawn from a seeded random source, so the same seed,
// size and day give the same rows on either database.

// PopulationSpec says what population to build.
type PopulationSpec struct {
	Patients  int
	Practices int
	Seed      uint64
	// Today is the last day of the year of activity.
	Today time.Time
}

// PopulationSummary counts the rows a population was built with.
type PopulationSummary struct {
	Patients, Accounts, Plans, Readings, Alerts, Prescriptions, Reviews, Shares, Feedback, AuditEntries int
}

// ErrPopulationExists means the database already holds patients with the
// population's NHS numbers.
var ErrPopulationExists = errors.New("this database already has a synthetic population: start from a new demo database")

var (
	//go:embed names/given-names.txt
	givenNamesFile string
	//go:embed names/family-names.txt
	familyNamesFile string

	givenNames  = strings.Fields(givenNamesFile)
	familyNames = strings.Fields(familyNamesFile)
)

// populationChunk is how many patients are drawn and written at a time,
// which bounds the memory a large population needs.
const populationChunk = 5000

// conditionShares are the five conditions in proportions like those of a
// practice's registers: asthma far the most common, sickle cell disorder the
// least.
var conditionShares = []struct {
	key    string
	weight float64
}{
	{"asthma", 0.62}, {"epilepsy", 0.14}, {"type-1-diabetes", 0.12}, {"anaphylaxis", 0.09}, {"sickle-cell", 0.03},
}

// medicineNames are names a nurse might write for each purpose a template
// lists, and blankAnswers answers to each template blank, by its lead.
var (
	medicineNames = map[string][]string{
		"Preventer":           {"Clenil Modulite 100 micrograms", "Qvar 50 micrograms", "Fostair 100/6"},
		"Reliever":            {"Salbutamol 100 micrograms", "Ventolin Evohaler 100 micrograms"},
		"Emergency medicine":  {"Buccolam (midazolam) 10mg", "Epistatus (midazolam) 10mg", "EpiPen 300 micrograms", "Jext 150 micrograms"},
		"Everyday medicine":   {"Levetiracetam 500mg", "Lamotrigine 100mg", "Folic acid 5mg", "Hydroxycarbamide 500mg"},
		"Insulin":             {"NovoRapid and Tresiba", "Humalog and Lantus", "Fiasp by insulin pump"},
		"Fast-acting glucose": {"Glucose tablets", "GlucoGel"},
		"Glucagon":            {"GlucaGen HypoKit 1mg", "Baqsimi 3mg nasal powder"},
		"Antihistamine":       {"Cetirizine 10mg", "Chlorphenamine 4mg"},
		"Pain relief":         {"Paracetamol and ibuprofen", "Codeine 30mg"},
	}
	blankAnswers = map[string][]string{
		"What my seizures look like:":                        {"stares and does not answer, then is sleepy", "stiffens and falls, then jerks", "lip smacking and fiddling with clothes"},
		"A seizure usually lasts":                            {"1 to 2 minutes", "about 30 seconds", "2 to 3 minutes"},
		"Things that can bring one on:":                      {"missed sleep, missed medicine, illness", "flashing lights and tiredness", "high temperature"},
		"Give my emergency medicine:":                        {"if the seizure lasts longer than 5 minutes, 10mg buccal midazolam", "after 5 minutes, 5mg buccal midazolam"},
		"My blood glucose targets:":                          {"4 to 7 mmol/L before meals", "5 to 8 mmol/L before bed"},
		"Glucagon:":                                          {"give my glucagon if you are trained", "not prescribed, wait with me for the ambulance"},
		"My allergies:":                                      {"peanuts and sesame", "tree nuts", "wasp and bee stings", "milk and egg"},
		"Use my adrenaline auto-injector without delay:":     {"EpiPen 300 micrograms, into the outer thigh", "Jext 150 micrograms, into the outer thigh"},
		"For a temperature of 38°C or more, go straight to:": {"the children's assessment unit at St James's Hospital, 0113 496 0001", "the emergency department at the General Infirmary, 0113 496 0002"},
	}
	reviewNotes     = []string{"Plan gone through together. Inhaler technique checked.", "Seen with parent. No changes needed.", "Discussed triggers and what to do in an emergency.", "Medicines checked against the plan."}
	alertNotes      = []string{"Called back. Following the plan and feeling better.", "Spoke to parent. Seen at the urgent treatment centre.", "Called back. Reliever helping; review booked.", "No answer. Called again and spoke to carer."}
	rejectReasons   = []string{"Too soon since the last one. Please book a review first.", "This medicine has changed. Please see the plan."}
	schools         = []string{"Greenfield Primary School", "St Mary's Church of England Primary", "Riverside Academy", "Hillside High School", "Oakwood College"}
	feedbackRemarks = []string{"", "", "Easy to use.", "Handy to show the school.", "I would like reminders to do my peak flow.", "The print version helps."}
	placeNames      = []string{"Meadow", "Castle", "Abbey", "Bridge", "Park", "Valley", "Moor", "Canal", "Station", "Market", "Church", "Beacon"}
)

// BuildPopulation adds a synthetic population to a demo database, in one
// transaction: practices and their nurses, patients with plans from the
// newest standard templates (filled in and published), carers, a year of
// readings with a seasonal pattern and red-zone episodes, alerts,
// prescription requests, reviews kept and missed, shares, feedback and the
// audit entries of it all, chained like any other. Generated accounts have
// the given password.
func BuildPopulation(ctx context.Context, s *store.Store, spec PopulationSpec, password string) (PopulationSummary, error) {
	var summary PopulationSummary
	if demo, err := s.IsDemo(ctx); err != nil {
		return summary, err
	} else if !demo {
		return summary, models.ErrNotDemoDatabase
	}
	// The run of test NHS numbers it draws from holds about 818,000.
	if spec.Patients < 1 || spec.Practices < 1 || spec.Patients > 800000 {
		return summary, errors.New("a population needs 1 to 800,000 patients and at least 1 practice")
	}
	hash, err := models.HashPassword(context.Background(), password)
	if err != nil {
		return summary, err
	}
	if err := s.EnsureStandardTemplates(ctx); err != nil {
		return summary, err
	}
	// Thousands of rows at a time are slow statements by design: only
	// errors are worth logging.
	db := s.DB().WithContext(ctx).Session(&gorm.Session{Logger: s.DB().WithContext(ctx).Logger.LogMode(logger.Error)})
	err = db.Transaction(func(tx *gorm.DB) error {
		g, err := newPopulation(tx, spec, hash)
		if err != nil {
			return err
		}
		for first := 0; first < spec.Patients; first += populationChunk {
			rows := g.draw(min(populationChunk, spec.Patients-first))
			if err := rows.insert(tx); err != nil {
				return err
			}
			summary.add(rows)
		}
		summary.AuditEntries = len(g.activity)
		if err := s.AppendActivity(tx, g.activity); err != nil {
			return err
		}
		return g.ids.resetSequences(tx)
	})
	if err != nil {
		return summary, err
	}
	// Fresh statistics let the planners choose the caseload's indexes
	// for a population this size straight away; on PostgreSQL, vacuuming
	// marks the new rows visible to all, as autovacuum would soon, so
	// that indexes are read without visiting every row they point to.
	if db.Dialector.Name() == "postgres" {
		return summary, db.Exec("VACUUM ANALYZE").Error
	}
	return summary, db.Exec("ANALYZE").Error
}

func (summary *PopulationSummary) add(rows *populationRows) {
	summary.Patients += len(rows.patients)
	summary.Accounts += len(rows.users)
	summary.Plans += len(rows.plans)
	summary.Readings += len(rows.readings)
	summary.Alerts += len(rows.alerts)
	summary.Prescriptions += len(rows.prescriptions)
	summary.Reviews += len(rows.reviews)
	summary.Shares += len(rows.shares)
	summary.Feedback += len(rows.feedback)
}

// population draws patients and their year, one chunk at a time, from one
// seeded source. Ids are drawn too, counting on from the highest in each
// table, so that rows can name each other before they are written.
type population struct {
	spec      PopulationSpec
	random    *rand.Rand
	today     time.Time
	hash      string
	practices []populationPractice
	templates map[string]populationTemplate
	ids       *idCounters
	// lastNHSNumber is the first nine digits of the NHS number given last.
	lastNHSNumber int
	// alertsOn finds the patient's alert of a day, while drawing them.
	alertsOn map[string]int
	activity []models.AuditEvent // ids and hashes are given when the log is appended
}

type populationPractice struct {
	id      uint
	nurseID uint
}

type populationTemplate struct {
	models.ConditionTemplate
	content models.TemplateContent
}

// populationRows is one chunk of the population, ready to write in this
// order.
type populationRows struct {
	patients      []models.Patient
	users         []models.User
	carerLinks    []models.CarerLink
	plans         []models.ActionPlan
	versions      []models.PlanVersion
	reviews       []models.Review
	readings      []models.Reading
	alerts        []models.Alert
	prescriptions []models.PrescriptionRequest
	shares        []models.Share
	feedback      []models.Feedback
	activityDays  []models.ActivityDay
}

func (rows *populationRows) insert(tx *gorm.DB) error {
	// The population's NHS numbers are unique: another population holds them.
	if err := tx.CreateInBatches(rows.patients, store.InsertBatch).Error; store.IsUniqueViolation(err) {
		return ErrPopulationExists
	} else if err != nil {
		return err
	}
	for _, table := range []any{rows.users, rows.carerLinks, rows.plans, rows.versions, rows.reviews,
		rows.readings, rows.alerts, rows.prescriptions, rows.shares, rows.feedback, rows.activityDays} {
		if err := tx.CreateInBatches(table, store.InsertBatch).Error; err != nil && !errors.Is(err, gorm.ErrEmptySlice) {
			return err
		}
	}
	return nil
}

// newPopulation readies the practices, one nurse for each, and the
// templates, then starts the random source.
func newPopulation(tx *gorm.DB, spec PopulationSpec, hash string) (*population, error) {
	g := &population{
		spec:          spec,
		random:        rand.New(rand.NewPCG(spec.Seed, 0x9e3779b97f4a7c15)),
		today:         spec.Today.UTC().Truncate(24 * time.Hour),
		hash:          hash,
		templates:     map[string]populationTemplate{},
		lastNHSNumber: 999099999,
	}
	created := g.today.AddDate(-3, 0, 0)
	icb := models.Organisation{Kind: models.OrganisationICB, Name: "NHS Demo Integrated Care Board", ODSCode: "QDM", CreatedAt: created}
	if err := firstOrCreate(tx, &icb, "ods_code = ?", icb.ODSCode); err != nil {
		return nil, err
	}
	for i := range spec.Practices {
		practice := models.Organisation{Kind: models.OrganisationPractice, ODSCode: fmt.Sprintf("Y9%04d", i+1), ParentID: &icb.ID, CreatedAt: created,
			Name: placeNames[i%len(placeNames)] + " Medical Practice"}
		nurse := models.User{Username: fmt.Sprintf("nurse%d", i+1), Role: models.RoleNurse, PasswordHash: hash, CreatedAt: created, UpdatedAt: created,
			DisplayName: givenNames[(i*7)%len(givenNames)] + " " + familyNames[(i*11)%len(familyNames)]}
		switch i {
		case 0: // the demo's own practices and nurse, if they are there
			practice.Name, nurse.Username, nurse.DisplayName = "Riverside Health Centre", "nurse", "Alex Morgan"
		case 1:
			practice.Name = "Hillside Surgery"
		}
		if i >= len(placeNames) {
			practice.Name = fmt.Sprintf("%s Medical Practice %d", placeNames[i%len(placeNames)], i/len(placeNames)+1)
		}
		practice.Phone = fmt.Sprintf("01632 960 %03d", i%1000)
		practice.Address = models.PostalAddress{Line1: fmt.Sprintf("%d High Street", i+1), Town: placeNames[i%len(placeNames)], Postcode: "LS1 4AP"}
		if err := firstOrCreate(tx, &practice, "ods_code = ?", practice.ODSCode); err != nil {
			return nil, err
		}
		if err := firstOrCreate(tx, &nurse, "username = ?", nurse.Username); err != nil {
			return nil, err
		}
		membership := models.Membership{UserID: nurse.ID, OrganisationID: practice.ID}
		if err := firstOrCreate(tx, &membership, "user_id = ? AND organisation_id = ?", nurse.ID, practice.ID); err != nil {
			return nil, err
		}
		g.practices = append(g.practices, populationPractice{id: practice.ID, nurseID: nurse.ID})
	}
	for _, share := range conditionShares {
		var template populationTemplate
		if err := tx.Where("key = ?", share.key).Order("version DESC").First(&template.ConditionTemplate).Error; err != nil {
			return nil, err
		}
		content, err := template.Decode()
		if err != nil {
			return nil, err
		}
		template.content = content
		g.templates[share.key] = template
	}
	ids, err := startIDs(tx)
	if err != nil {
		return nil, err
	}
	g.ids = ids
	return g, nil
}

// draw makes the next n patients, with everything that happened to them
// in the year.
func (g *population) draw(n int) *populationRows {
	rows := &populationRows{}
	for range n {
		g.drawPatient(rows)
	}
	return rows
}

// nhsNumber is the next of a run of valid NHS numbers from the 999 test
// range, clear of those the demo and its guide use.
func (g *population) nhsNumber() string {
	for {
		g.lastNHSNumber++
		digits := fmt.Sprintf("%09d", g.lastNHSNumber)
		sum := 0
		for i := range 9 {
			sum += int(digits[i]-'0') * (10 - i)
		}
		// A check digit of 10 means the number is never issued.
		if check := (11 - sum%11) % 11; check != 10 {
			return digits + string(rune('0'+check))
		}
	}
}

func (g *population) drawPatient(rows *populationRows) {
	r := g.random
	practice := g.practices[r.IntN(len(g.practices))]
	age := 18 + r.IntN(72)
	if r.Float64() < 0.35 {
		age = 2 + r.IntN(16)
	}
	registered := g.at(g.today.AddDate(0, 0, -30-r.IntN(1070)))
	patient := models.Patient{
		ID:          g.ids.next("patients"),
		Ref:         g.ref(),
		NHSNumber:   g.nhsNumber(),
		GivenName:   pick(r, givenNames),
		FamilyName:  pick(r, familyNames),
		DateOfBirth: g.today.AddDate(-age, 0, -r.IntN(365)),
		PracticeID:  practice.id,
		Phone:       fmt.Sprintf("07700 900%03d", r.IntN(1000)),
		CreatedAt:   registered,
		UpdatedAt:   registered,
	}
	g.audit(registered, practice.nurseID, models.RoleNurse, models.AuditPatientCreated, patient.ID, "patient", patient.Ref, "")

	// Someone reads and records for the patient: the patient from 12, a
	// carer for most children, and for a few adults.
	var account, carer *models.User
	if (age >= 18 && r.Float64() < 0.75) || (age >= 12 && age < 18 && r.Float64() < 0.5) {
		user := g.user(models.RolePatient, patient.GivenName, patient.FamilyName, &patient.ID, g.activated(registered))
		account = &user
	}
	if (age < 16 && r.Float64() < 0.85) || (age >= 16 && r.Float64() < 0.08) {
		relationship, permission := "Parent", models.PermissionAct
		if age >= 16 {
			relationship = pick(r, []string{"Partner", "Daughter", "Son"})
			permission = pick(r, []string{models.PermissionView, models.PermissionAct})
		}
		user := g.user(models.RoleCarer, pick(r, givenNames), patient.FamilyName, nil, g.activated(registered))
		carer = &user
		link := models.CarerLink{ID: g.ids.next("carer_links"), CarerID: carer.ID, PatientID: patient.ID, Relationship: relationship,
			Permission: permission, CreatedAt: registered}
		rows.carerLinks = append(rows.carerLinks, link)
		g.audit(registered, practice.nurseID, models.RoleNurse, models.AuditCarerLinked, patient.ID, "carer-link", models.UintString(link.ID), relationship+", "+permission)
	}
	recorder := account
	if recorder == nil {
		recorder = carer
	}

	conditions := []string{g.condition()}
	if r.Float64() < 0.04 {
		if second := g.condition(); second != conditions[0] {
			conditions = append(conditions, second)
		}
	}
	review := g.drawReview(rows, &patient, practice, registered, conditions)
	firstReading, firstRequest, firstShare, firstFeedback := len(rows.readings), len(rows.prescriptions), len(rows.shares), len(rows.feedback)
	engaged := recorder != nil && r.Float64() < 0.4
	g.alertsOn = map[string]int{}
	for _, key := range conditions {
		plan := g.drawPlan(rows, &patient, practice, key, registered, review)
		if recorder == nil {
			continue
		}
		if engaged {
			g.drawReadings(rows, &patient, plan, practice, recorder.ID)
		}
		if r.Float64() < 0.5 {
			g.drawPrescriptions(rows, &patient, plan, practice, recorder)
		}
	}
	if recorder != nil && age < 18 && r.Float64() < 0.2 {
		g.drawShare(rows, &patient, recorder, registered)
	}
	for _, user := range []*models.User{account, carer} {
		if user != nil && r.Float64() < 0.25 {
			g.drawFeedback(rows, user)
		}
	}
	// Each account used the service on the days it did something, and
	// on other days to look at the passport.
	days := map[uint]map[string]bool{}
	for _, user := range []*models.User{account, carer} {
		if user != nil {
			days[user.ID] = map[string]bool{}
		}
	}
	note := func(userID uint, at time.Time) {
		if seen, ok := days[userID]; ok {
			seen[models.UKDay(at)] = true
		}
	}
	for _, reading := range rows.readings[firstReading:] {
		note(reading.RecordedByID, reading.CreatedAt)
	}
	for _, request := range rows.prescriptions[firstRequest:] {
		note(request.RequestedByID, request.CreatedAt)
	}
	for _, share := range rows.shares[firstShare:] {
		note(share.CreatedByID, share.CreatedAt)
	}
	for _, feedback := range rows.feedback[firstFeedback:] {
		note(feedback.UserID, feedback.CreatedAt)
	}
	for _, user := range []*models.User{account, carer} {
		if user != nil {
			g.drawVisits(rows, user, days[user.ID])
			rows.users = append(rows.users, *user)
		}
	}
	patient.Address = models.PostalAddress{Line1: fmt.Sprintf("%d Station Road", patient.ID%300+1), Town: "Leeds", Postcode: "LS2 9JT"}
	rows.patients = append(rows.patients, patient)
}

// activated is when an account was set up: most within a fortnight of
// registering, some after months, and never after today.
func (g *population) activated(registered time.Time) time.Time {
	delay := time.Duration(math.Min(math.Exp(math.Log(4)+1.2*g.random.NormFloat64()), 300)*24) * time.Hour
	return earlier(registered.Add(delay).Truncate(time.Second), g.today.Add(-time.Hour))
}

// drawVisits adds a visit now and then to the days an account did
// something, and notes them all as days it was active.
func (g *population) drawVisits(rows *populationRows, user *models.User, days map[string]bool) {
	r := g.random
	often := 0.05 + 0.5*r.Float64()
	for day := later(g.today.AddDate(-1, 0, 0), user.CreatedAt).Truncate(24 * time.Hour); day.Before(g.today); day = day.AddDate(0, 0, 7) {
		if r.Float64() < often {
			days[models.UKDay(day.AddDate(0, 0, r.IntN(7)))] = true
		}
	}
	sorted := make([]string, 0, len(days))
	for day := range days {
		if day < models.UKDay(g.today) && day >= models.UKDay(user.CreatedAt) {
			sorted = append(sorted, day)
		}
	}
	slices.Sort(sorted)
	for _, day := range sorted {
		at, _ := time.Parse(time.DateOnly, day)
		rows.activityDays = append(rows.activityDays, models.ActivityDay{ID: g.ids.next("activity_days"), UserID: user.ID, Day: at})
		user.LastActiveOn = &at
	}
}

// drawReview gives most patients a review in the last year; about one in
// eight missed theirs, and the newest have not had one yet.
func (g *population) drawReview(rows *populationRows, patient *models.Patient, practice populationPractice, registered time.Time, conditions []string) *models.Review {
	r := g.random
	daysAgo := r.IntN(365)
	if r.Float64() < 0.12 {
		daysAgo = 370 + r.IntN(180) // the review a year on was missed
	}
	reviewed := g.today.AddDate(0, 0, -daysAgo)
	if reviewed.Before(registered) {
		next := registered.Truncate(24*time.Hour).AddDate(1, 0, 0)
		patient.NextReviewOn = &next
		return nil
	}
	outcome := models.OutcomeNoChange
	switch x := r.Float64(); {
	case x < 0.25:
		outcome = models.OutcomePlanUpdated
	case x < 0.3:
		outcome = models.OutcomeReferred
	}
	next := reviewed.AddDate(1, 0, 0)
	review := models.Review{ID: g.ids.next("reviews"), PatientID: patient.ID, ReviewedOn: reviewed, Outcome: outcome, Notes: pick(r, reviewNotes),
		NextReviewOn: next, AuthorID: practice.nurseID, CreatedAt: g.at(reviewed), UnplannedCare: g.unplannedCare(0.1)}
	if slices.Contains(conditions, "asthma") {
		review.RCPScore = g.rcpScore(season(reviewed), reviewed)
	}
	patient.LastReviewOn, patient.NextReviewOn = &review.ReviewedOn, &review.NextReviewOn
	rows.reviews = append(rows.reviews, review)
	g.audit(review.CreatedAt, practice.nurseID, models.RoleNurse, models.AuditReviewRecorded, patient.ID, "review", models.UintString(review.ID), outcome)
	return &review
}

// drawPlan starts the condition's plan from its template, filled in and
// published, with a second version if a review changed it.
func (g *population) drawPlan(rows *populationRows, patient *models.Patient, practice populationPractice, key string, registered time.Time, review *models.Review) models.ActionPlan {
	template := g.templates[key]
	plan := models.ActionPlan{ID: g.ids.next("action_plans"), PatientID: patient.ID, ConditionName: template.Name, SnomedCode: template.SnomedCode,
		TemplateID: &template.ID, CreatedAt: registered.Add(time.Hour)}
	rows.plans = append(rows.plans, plan)
	g.audit(plan.CreatedAt, practice.nurseID, models.RoleNurse, models.AuditPlanCreated, patient.ID, "plan", models.UintString(plan.ID), template.Name+" version 1, "+models.VersionPublished)
	g.addVersion(rows, &plan, practice, template, 1, plan.CreatedAt)
	if review != nil && review.Outcome == models.OutcomePlanUpdated {
		g.addVersion(rows, &plan, practice, template, 2, review.CreatedAt)
		g.audit(review.CreatedAt, practice.nurseID, models.RoleNurse, models.AuditPlanSaved, patient.ID, "plan", models.UintString(plan.ID),
			fmt.Sprintf("%s version 2, %s", template.Name, models.VersionPublished))
	}
	return plan
}

func (g *population) addVersion(rows *populationRows, plan *models.ActionPlan, practice populationPractice, template populationTemplate, number int, at time.Time) {
	content := g.fillPlan(template.content)
	encoded, err := models.EncodePlanContent(content)
	if err != nil {
		panic(err) // plan content always encodes
	}
	rows.versions = append(rows.versions, models.PlanVersion{ID: g.ids.next("plan_versions"), PlanID: plan.ID, Number: number,
		AuthorID: practice.nurseID, Content: encoded, State: models.VersionPublished, CreatedAt: at})
}

// fillPlan answers every blank, names every medicine and, for asthma, sets
// the thresholds from a personal best.
func (g *population) fillPlan(template models.TemplateContent) models.PlanContent {
	r := g.random
	plan := template.NewPlan()
	answers := make([]string, len(plan.Blanks))
	for i, blank := range plan.Blanks {
		answers[i] = pick(r, blankAnswers[blank.Lead])
	}
	plan.FillBlanks(answers)
	for i := range plan.Medicines {
		plan.Medicines[i].Name = pick(r, medicineNames[plan.Medicines[i].Purpose])
	}
	if template.PeakFlow != nil {
		thresholds := template.PeakFlow.Thresholds(10 * (25 + r.IntN(36)))
		plan.PeakFlow = &thresholds
	}
	return plan
}

// season is 1 in mid-September, when asthma is at its worst as children go
// back to school with new colds, and 0 in the spring.
func season(day time.Time) float64 {
	return (1 + math.Cos(2*math.Pi*float64(day.YearDay()-258)/365.25)) / 2
}

// drawReadings records the year of an engaged patient: most weeks a peak
// flow or check-in, worse in autumn and winter, and now and then a red-zone
// episode of a day or two, each red day raising an alert.
func (g *population) drawReadings(rows *populationRows, patient *models.Patient, plan models.ActionPlan, practice populationPractice, recorderID uint) {
	r := g.random
	var content models.PlanContent
	if err := json.Unmarshal([]byte(rows.versions[len(rows.versions)-1].Content), &content); err != nil {
		panic(err) // written above
	}
	questions := g.templates[templateKey(plan.SnomedCode)].content.SymptomQuestions
	if content.PeakFlow == nil && len(questions) == 0 {
		return // anaphylaxis plans have nothing to record
	}
	weekly := 0.3 + 0.7*r.Float64()
	start := later(g.today.AddDate(-1, 0, 0), patient.CreatedAt.Truncate(24*time.Hour).AddDate(0, 0, 1))
	for week := start; week.Before(g.today); week = week.AddDate(0, 0, 7) {
		worse := season(week)
		if r.Float64() < 0.01+0.03*worse {
			g.drawEpisode(rows, patient, plan, practice, content, questions, recorderID, week)
			continue
		}
		if r.Float64() > weekly {
			continue
		}
		at := g.at(week.AddDate(0, 0, r.IntN(7)))
		if !at.Before(g.today) {
			continue
		}
		reading := models.Reading{ID: g.ids.next("readings"), PatientID: patient.ID, PlanID: &plan.ID, RecordedByID: recorderID, CreatedAt: at}
		// About once a month an asthma plan's week is a check-in, which
		// asks the asthma control questions, instead of a peak flow.
		if content.PeakFlow != nil && (len(questions) == 0 || r.Float64() > 0.25) {
			litres := int(float64(content.PeakFlow.PersonalBest) * (0.97 - 0.12*worse + 0.06*r.NormFloat64()))
			reading.Kind, reading.PeakFlow, reading.Zone = models.ReadingPeakFlow, &litres, content.PeakFlow.Zone(litres)
		} else {
			reading.Kind, reading.Answers, reading.Zone = symptomAnswers(r, questions, 0.05+0.15*worse, false)
			g.outcomeAnswers(&reading, plan, 0.03+0.08*worse, worse)
		}
		rows.readings = append(rows.readings, reading)
		if reading.Zone == models.ZoneRed {
			g.raiseAlerts(rows, patient, practice, []models.Reading{reading})
		}
	}
}

// drawEpisode is a day or two of red-zone readings, then amber ones.
func (g *population) drawEpisode(rows *populationRows, patient *models.Patient, plan models.ActionPlan, practice populationPractice, content models.PlanContent,
	questions []models.CheckInQuestion, recorderID uint, week time.Time) {
	r := g.random
	day := week.AddDate(0, 0, r.IntN(7))
	for d := range 1 + r.IntN(2) {
		var red []models.Reading
		for range 1 + r.IntN(3) {
			at := g.at(day.AddDate(0, 0, d))
			if !at.Before(g.today) {
				continue
			}
			reading := models.Reading{ID: g.ids.next("readings"), PatientID: patient.ID, PlanID: &plan.ID, RecordedByID: recorderID, CreatedAt: at}
			if content.PeakFlow != nil {
				litres := int(float64(content.PeakFlow.PersonalBest) * (0.35 + 0.14*r.Float64()))
				reading.Kind, reading.PeakFlow, reading.Zone = models.ReadingPeakFlow, &litres, content.PeakFlow.Zone(litres)
			} else {
				reading.Kind, reading.Answers, reading.Zone = symptomAnswers(r, questions, 0.5, true)
				g.outcomeAnswers(&reading, plan, 0.4, 1)
			}
			red = append(red, reading)
		}
		slices.SortFunc(red, func(a, b models.Reading) int { return a.CreatedAt.Compare(b.CreatedAt) })
		rows.readings = append(rows.readings, red...)
		g.raiseAlerts(rows, patient, practice, red)
	}
}

// symptomAnswers answers a check-in: each question yes with the chance
// given, and one red-zone question yes in an episode.
func symptomAnswers(r *rand.Rand, questions []models.CheckInQuestion, chance float64, episode bool) (kind, answers, zone string) {
	yes := make([]bool, len(questions))
	for i, question := range questions {
		yes[i] = question.Zone != models.ZoneRed && r.Float64() < chance
	}
	if episode {
		for i, question := range questions {
			if question.Zone == models.ZoneRed {
				yes[i] = true
				break
			}
		}
	}
	byText := make(map[string]bool, len(questions))
	for i, question := range questions {
		byText[question.Text] = yes[i]
	}
	encoded, err := json.Marshal(byText)
	if err != nil {
		panic(err) // a map of strings to booleans always encodes
	}
	return models.ReadingSymptoms, string(encoded), models.CheckInZone(questions, yes)
}

// outcomeAnswers answers a check-in's unplanned care question, yes with
// the chance given, and for asthma the RCP questions.
func (g *population) outcomeAnswers(reading *models.Reading, plan models.ActionPlan, unplanned, worse float64) {
	reading.UnplannedCare = g.unplannedCare(unplanned)
	if plan.SnomedCode == models.SnomedAsthma {
		reading.RCPScore = g.rcpScore(worse, reading.CreatedAt)
	}
}

// unplannedCare is the answer to the unplanned care question: some care
// with the chance given, most often an urgent GP appointment.
func (g *population) unplannedCare(chance float64) string {
	r := g.random
	if r.Float64() >= chance {
		return models.UnplannedNone
	}
	switch x := r.Float64(); {
	case x < 0.6:
		return models.UnplannedUrgentGP
	case x < 0.9:
		return models.UnplannedAE
	}
	return models.UnplannedHospital
}

// rcpScore answers the RCP questions: more yeses in the bad season, and
// fewer as the year goes on and plans take hold.
func (g *population) rcpScore(worse float64, at time.Time) *int {
	settled := math.Max(0, math.Min(1, at.Sub(g.today.AddDate(-1, 0, 0)).Hours()/(365*24)))
	chance := (0.15 + 0.35*worse) * (1 - 0.35*settled)
	score := 0
	for range models.RCPQuestions {
		if g.random.Float64() < chance {
			score++
		}
	}
	return &score
}

// raiseAlerts raises one alert for each day with red readings, as
// recording them does, and has the nurse acknowledge most of them after a
// while; some of the last two days' are still open.
func (g *population) raiseAlerts(rows *populationRows, patient *models.Patient, practice populationPractice, readings []models.Reading) {
	r := g.random
	for _, reading := range readings {
		if reading.Zone != models.ZoneRed {
			continue
		}
		day := models.UKDay(reading.CreatedAt)
		if i, raised := g.alertsOn[day]; raised {
			rows.alerts[i].ReadingCount++
			if reading.CreatedAt.After(rows.readingOf(rows.alerts[i]).CreatedAt) {
				rows.alerts[i].ReadingID = reading.ID
			}
			continue
		}
		g.alertsOn[day] = len(rows.alerts)
		alert := models.Alert{ID: g.ids.next("alerts"), PatientID: patient.ID, ReadingID: reading.ID, RaisedOn: day, ReadingCount: 1,
			Status: models.AlertOpen, CreatedAt: reading.CreatedAt}
		// Lognormal, around an hour and a half, as a busy clinic answers.
		turnaround := time.Duration(math.Min(math.Exp(math.Log(90)+r.NormFloat64()), 2880)) * time.Minute
		acknowledged := reading.CreatedAt.Add(turnaround).Truncate(time.Second)
		if acknowledged.Before(g.today.Add(-12*time.Hour)) || r.Float64() < 0.5 {
			alert.Status, alert.Note, alert.AcknowledgedByID, alert.AcknowledgedAt = models.AlertAcknowledged, pick(r, alertNotes), &practice.nurseID, &acknowledged
			g.audit(acknowledged, practice.nurseID, models.RoleNurse, models.AuditAlertAcknowledged, patient.ID, "alert", models.UintString(alert.ID), "")
		}
		rows.alerts = append(rows.alerts, alert)
	}
}

// drawPrescriptions asks for repeats of the plan's first medicine every
// month or two; the nurse readies most within a day or so and turns a few
// down, and the newest may still be waiting.
func (g *population) drawPrescriptions(rows *populationRows, patient *models.Patient, plan models.ActionPlan, practice populationPractice, recorder *models.User) {
	r := g.random
	var content models.PlanContent
	for _, version := range slices.Backward(rows.versions) {
		if version.PlanID == plan.ID {
			if err := json.Unmarshal([]byte(version.Content), &content); err != nil {
				panic(err) // written above
			}
			break
		}
	}
	// Asthma plans ask for the reliever as well as the preventer, some
	// people more often than the ratio's quality mark would want.
	reliever := 0.0
	if plan.SnomedCode == models.SnomedAsthma && len(content.Medicines) > 1 {
		reliever = 0.15 + 0.6*r.Float64()*r.Float64()
	}
	asked := later(g.today.AddDate(-1, 0, 0), plan.CreatedAt).AddDate(0, 0, r.IntN(60))
	for asked.Before(g.today) {
		at := g.at(asked)
		next := asked.AddDate(0, 0, 28+r.IntN(62))
		medicine := content.Medicines[0]
		if r.Float64() < reliever {
			medicine, next = content.Medicines[1], asked.AddDate(0, 0, 10+r.IntN(40))
		}
		request := models.PrescriptionRequest{ID: g.ids.next("prescription_requests"), PatientID: patient.ID, PlanID: plan.ID, Medicine: medicine.Name,
			Purpose: medicine.Purpose, Status: models.RequestReady, RequestedByID: recorder.ID, CreatedAt: at, UpdatedAt: at}
		decided := at.Add(time.Duration(math.Min(math.Exp(math.Log(20)+0.8*r.NormFloat64()), 120)*60) * time.Minute).Truncate(time.Second)
		action := models.AuditPrescriptionReady
		switch {
		case !next.Before(g.today) && !decided.Before(g.today):
			request.Status = models.RequestRequested // the newest, still waiting
		case r.Float64() < 0.06:
			request.Status, request.Reason, action = models.RequestRejected, pick(r, rejectReasons), models.AuditPrescriptionRejected
		}
		if request.Status != models.RequestRequested {
			request.DecidedByID, request.UpdatedAt = &practice.nurseID, decided
			g.audit(decided, practice.nurseID, models.RoleNurse, action, patient.ID, "prescription-request", models.UintString(request.ID), medicine.Name)
		}
		rows.prescriptions = append(rows.prescriptions, request)
		asked = next
	}
}

func (g *population) drawShare(rows *populationRows, patient *models.Patient, recorder *models.User, registered time.Time) {
	r := g.random
	created := g.at(later(registered, g.today.AddDate(-1, 0, 0)).AddDate(0, 0, r.IntN(300)))
	if !created.Before(g.today) {
		return
	}
	share := models.Share{ID: g.ids.next("shares"), PatientID: patient.ID, CodeHash: models.HashActivationCode(g.ref()), Recipient: pick(r, schools),
		CreatedByID: recorder.ID, ExpiresAt: created.AddDate(0, 0, pick(r, models.ShareLengths)), CreatedAt: created}
	if r.Float64() < 0.1 {
		revoked := created.AddDate(0, 0, 1)
		share.RevokedAt = &revoked
	}
	rows.shares = append(rows.shares, share)
	g.audit(created, recorder.ID, recorder.Role, models.AuditShareCreated, patient.ID, "share", models.UintString(share.ID), share.Recipient)
}

// drawFeedback gives one to three scores, mostly good, a month or more apart.
func (g *population) drawFeedback(rows *populationRows, user *models.User) {
	r := g.random
	given := later(user.CreatedAt, g.today.AddDate(-1, 0, 0)).AddDate(0, 0, r.IntN(60))
	times := 1 + r.IntN(3)
	for number := 1; number <= times && given.Before(g.today); number++ {
		score := 5
		switch x := r.Float64(); {
		case x < 0.03:
			score = 1
		case x < 0.08:
			score = 2
		case x < 0.2:
			score = 3
		case x < 0.55:
			score = 4
		}
		rows.feedback = append(rows.feedback, models.Feedback{ID: g.ids.next("feedbacks"), UserID: user.ID, Number: number, Score: score,
			Comment: pick(r, feedbackRemarks), CreatedAt: g.at(given)})
		given = given.AddDate(0, 0, 31+r.IntN(120))
	}
}

func (g *population) user(role models.Role, given, family string, patientID *uint, created time.Time) models.User {
	id := g.ids.next("users")
	username := strings.ToLower(strings.ReplaceAll(given+"."+family, "'", "")) + fmt.Sprintf(".%d", id)
	return models.User{ID: id, Username: username, PasswordHash: g.hash, Role: role, DisplayName: given + " " + family,
		PatientID: patientID, CreatedAt: created, UpdatedAt: created}
}

func (g *population) condition() string {
	x := g.random.Float64()
	for _, share := range conditionShares {
		if x < share.weight {
			return share.key
		}
		x -= share.weight
	}
	return conditionShares[0].key
}

// at is a time in the working day on day, to the second.
func (g *population) at(day time.Time) time.Time {
	return day.Truncate(24 * time.Hour).Add(time.Duration(7*3600+g.random.IntN(14*3600)) * time.Second)
}

func (g *population) ref() string {
	buf := make([]byte, 16)
	for i := range buf {
		buf[i] = models.RefAlphabet[g.random.IntN(len(models.RefAlphabet))]
	}
	return string(buf)
}

func (g *population) audit(at time.Time, actorID uint, role models.Role, action string, patientID uint, targetType, targetID, detail string) {
	g.activity = append(g.activity, models.AuditEvent{AuditRecord: models.AuditRecord{At: at, ActorID: &actorID, ActorRole: string(role),
		Action: action, PatientID: &patientID, TargetType: targetType, TargetID: targetID, Detail: detail}})
}

func templateKey(snomed string) string {
	for _, t := range models.StandardTemplates {
		if t.Snomed == snomed {
			return t.Key
		}
	}
	return ""
}

// readingOf finds the alert's reading among the chunk's readings.
func (rows *populationRows) readingOf(alert models.Alert) models.Reading {
	for _, reading := range slices.Backward(rows.readings) {
		if reading.ID == alert.ReadingID {
			return reading
		}
	}
	panic("an alert's reading is drawn before it")
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func pick[T any](r *rand.Rand, choices []T) T { return choices[r.IntN(len(choices))] }

// idCounters hands out ids counting on from the highest in each table.
type idCounters struct {
	last map[string]uint
}

var populationTables = []string{"users", "patients", "carer_links", "action_plans", "plan_versions", "reviews", "readings",
	"alerts", "prescription_requests", "shares", "feedbacks", "activity_days"}

func startIDs(tx *gorm.DB) (*idCounters, error) {
	ids := &idCounters{last: map[string]uint{}}
	for _, table := range populationTables {
		var last uint
		if err := tx.Raw("SELECT COALESCE(MAX(id), 0) FROM " + table).Scan(&last).Error; err != nil {
			return nil, err
		}
		ids.last[table] = last
	}
	return ids, nil
}

func (ids *idCounters) next(table string) uint {
	ids.last[table]++
	return ids.last[table]
}

// resetSequences moves PostgreSQL's id sequences past the ids given out,
// so that rows added later get new ones. SQLite takes the highest id
// itself.
func (ids *idCounters) resetSequences(tx *gorm.DB) error {
	if tx.Dialector.Name() != "postgres" {
		return nil
	}
	for _, table := range populationTables {
		if err := tx.Exec("SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT COALESCE(MAX(id), 1) FROM "+table+"))", table).Error; err != nil {
			return err
		}
	}
	return nil
}
