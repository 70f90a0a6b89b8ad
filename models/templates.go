package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// TemplateContent is a condition's standard plan: the zones with their usual
// signs and actions, the medicines a plan usually lists, and for asthma the
// peak flow percentages. Lines may say {amber} and {red}: a plan shows the
// person's own thresholds there.
type TemplateContent struct {
	Zones            []Zone        `json:"zones"`
	Medicines        []Medicine    `json:"medicines"`
	PeakFlow         *PeakFlowRule `json:"peakFlow,omitempty"`
	SymptomQuestions []string      `json:"symptomQuestions,omitempty"`
}

// PeakFlowRule derives zone thresholds from a personal best peak flow.
type PeakFlowRule struct {
	AmberPercent int `json:"amberPercent"`
	RedPercent   int `json:"redPercent"`
}

// Thresholds applies the rule to a personal best.
func (r PeakFlowRule) Thresholds(personalBest int) PeakFlow {
	return PeakFlow{PersonalBest: personalBest, AmberBelow: personalBest * r.AmberPercent / 100, RedBelow: personalBest * r.RedPercent / 100}
}

// Decode reads the template's content.
func (t ConditionTemplate) Decode() (TemplateContent, error) {
	var content TemplateContent
	if err := json.Unmarshal([]byte(t.Content), &content); err != nil {
		return content, fmt.Errorf("template %s version %d: %w", t.Key, t.Version, err)
	}
	return content, nil
}

// NewPlan starts a plan from the template, for a nurse to fill in.
func (c TemplateContent) NewPlan() PlanContent {
	plan := PlanContent{Zones: append([]Zone(nil), c.Zones...), Medicines: append([]Medicine(nil), c.Medicines...)}
	if c.PeakFlow != nil {
		plan.PeakFlow = &PeakFlow{}
	}
	return plan
}

// standardTemplate is one of the templates the service ships with.
type standardTemplate struct {
	key, name, snomed string
	version           int
	content           TemplateContent
}

// SNOMED CT codes, each checked against a published source:
//   - 195967001 |Asthma (disorder)|, https://termbrowser.nhs.uk/?perspective=full&conceptId1=195967001
//   - 84757009 |Epilepsy (disorder)|, https://termbrowser.nhs.uk/?perspective=full&conceptId1=84757009
//   - 46635009 |Diabetes mellitus type 1 (disorder)|, https://termbrowser.nhs.uk/?perspective=full&conceptId1=46635009
//   - 39579001 |Anaphylaxis (disorder)|, https://termbrowser.nhs.uk/?perspective=full&conceptId1=39579001
//   - 417357006 |Sickling disorder due to hemoglobin S (disorder)|, listed in the HL7 value set
//     http://fhir.org/guides/cdc/opioid-cds/ValueSet/sickle-cell-diseases
var standardTemplates = []standardTemplate{
	{key: "asthma", name: "Asthma", snomed: SnomedAsthma, version: 1, content: TemplateContent{
		PeakFlow: &PeakFlowRule{AmberPercent: 80, RedPercent: 50},
		Medicines: []Medicine{
			{Form: "Inhaler", Dose: "2 puffs", Frequency: "Morning and evening, every day", Purpose: "Preventer"},
			{Form: "Inhaler (blue)", Dose: "2 puffs", Frequency: "When needed", Purpose: "Reliever"},
		},
		SymptomQuestions: []string{"Have you needed your reliever inhaler 3 or more times this week?",
			"Have you woken up at night because of your asthma?", "Has your asthma got in the way of your day?"},
		Zones: []Zone{
			{Colour: ZoneGreen, Title: "Every day",
				Signs: []string{"I can do my usual things without getting out of breath", "I do not wake up at night with asthma",
					"My peak flow is {amber} or more"},
				Actions: []string{"Take my preventer inhaler every day, even when I feel well", "Carry my reliever inhaler with me",
					"Ask for a review if I have had no symptoms for 12 weeks"}},
			{Colour: ZoneAmber, Title: "When my asthma gets worse",
				Signs: []string{"I need my reliever inhaler 3 or more times a week", "I wake up at night because of my asthma",
					"My asthma gets in the way of my day", "My peak flow is below {amber}"},
				Actions: []string{"Take 2 to 4 puffs of my reliever inhaler, up to every 4 hours", "Keep taking my preventer inhaler",
					"Contact my GP or asthma nurse within 24 hours"}},
			{Colour: ZoneRed, Title: "Asthma attack",
				Signs: []string{"My reliever inhaler is not helping", "I am too breathless to talk, walk or eat", "My peak flow is below {red}"},
				Actions: []string{"Sit up straight and try to keep calm", "Take 1 puff of my reliever inhaler every 30 to 60 seconds, up to 10 puffs",
					"Call 999 if I do not feel better", "If the ambulance has not come within 15 minutes, take my reliever inhaler again, up to 10 puffs"}},
		}}},
	{key: "epilepsy", name: "Epilepsy", snomed: "84757009", version: 1, content: TemplateContent{
		Medicines:        []Medicine{{Form: "Oromucosal solution", Purpose: "Emergency medicine"}, {Form: "Tablet", Purpose: "Everyday medicine"}},
		SymptomQuestions: []string{"Have you had a seizure since your last check-in?", "Have you missed any doses of your medicine?"},
		Zones: []Zone{
			{Colour: ZoneGreen, Title: "My seizures and what they look like",
				Signs:   []string{"Seizure type: what it looks like", "It usually lasts: minutes", "Things that can bring one on: missed sleep, missed medicine, illness"},
				Actions: []string{"Take my everyday medicine at the same times each day", "Tell my nurse if my seizures change"}},
			{Colour: ZoneAmber, Title: "During a seizure",
				Signs: []string{"A seizure has started"},
				Actions: []string{"Stay with me and time the seizure", "Move things away that could hurt me and cushion my head", "Do not put anything in my mouth",
					"Give my emergency medicine if the seizure lasts longer than minutes: name and dose",
					"Afterwards, put me on my side (recovery position) and stay until I am fully awake"}},
			{Colour: ZoneRed, Title: "Call 999",
				Signs: []string{"A seizure lasts longer than 5 minutes, or longer than usual for me", "One seizure follows another without me waking up in between",
					"It is my first seizure", "I am injured", "I have trouble breathing"},
				Actions: []string{"Call 999 and say I am having a seizure", "Give my emergency medicine if it has not been given", "Stay with me until help arrives"}},
		}}},
	{key: "type-1-diabetes", name: "Type 1 diabetes", snomed: "46635009", version: 1, content: TemplateContent{
		Medicines: []Medicine{{Form: "Injection or pump", Purpose: "Insulin"}, {Form: "Tablets or gel", Purpose: "Fast-acting glucose"},
			{Form: "Injection or nasal spray", Purpose: "Glucagon"}},
		SymptomQuestions: []string{"Have you had a hypo since your last check-in?", "Have you had ketones this week?"},
		Zones: []Zone{
			{Colour: ZoneGreen, Title: "Every day",
				Signs:   []string{"My blood glucose is usually between my target numbers"},
				Actions: []string{"Check my blood glucose before meals and before bed", "Take my insulin as planned", "Check for ketones if my glucose is high or I am ill"}},
			{Colour: ZoneAmber, Title: "Hypo: low blood glucose",
				Signs: []string{"My blood glucose is below 4 mmol/L", "Shaky, sweaty, hungry, pale, tired or grumpy"},
				Actions: []string{"Take fast-acting glucose straight away", "Check my blood glucose again after 10 to 15 minutes and repeat if it is still low",
					"When it is above 4, eat a longer-acting carbohydrate like a sandwich or biscuits"}},
			{Colour: ZoneRed, Title: "Severe hypo",
				Signs:   []string{"I cannot swallow, I am very drowsy or unconscious, or I am having a seizure"},
				Actions: []string{"Do not give food or drink", "Put me on my side (recovery position)", "Give glucagon if it is prescribed and you are trained", "Call 999"}},
		}}},
	{key: "anaphylaxis", name: "Anaphylaxis", snomed: "39579001", version: 1, content: TemplateContent{
		Medicines: []Medicine{{Form: "Adrenaline auto-injector", Purpose: "Emergency medicine"}, {Form: "Tablet or liquid", Purpose: "Antihistamine"}},
		Zones: []Zone{
			{Colour: ZoneGreen, Title: "Staying safe",
				Signs:   []string{"My allergies:"},
				Actions: []string{"Avoid the things I am allergic to", "Carry 2 adrenaline auto-injectors with me at all times"}},
			{Colour: ZoneAmber, Title: "Mild to moderate allergic reaction",
				Signs:   []string{"Swollen lips, face or eyes", "Itchy or tingling mouth", "Hives or itchy skin rash", "Tummy pain or being sick"},
				Actions: []string{"Stay with me and call for help if needed", "Give my antihistamine", "Find my adrenaline auto-injectors", "Watch for signs of anaphylaxis"}},
			{Colour: ZoneRed, Title: "Anaphylaxis",
				Signs: []string{"Airway: swollen tongue, throat tightness, hoarse voice, difficulty swallowing",
					"Breathing: difficult or noisy breathing, wheeze or persistent cough", "Consciousness: feeling faint, pale and floppy, collapse"},
				Actions: []string{"Lie me flat with my legs raised. If breathing is hard, let me sit up", "Use my adrenaline auto-injector without delay: name and dose",
					"Call 999 and say \"anaphylaxis\"", "If I am no better after 5 minutes, use my second auto-injector"}},
		}}},
	{key: "sickle-cell", name: "Sickle cell disease", snomed: "417357006", version: 1, content: TemplateContent{
		Medicines:        []Medicine{{Form: "Tablets or liquid", Purpose: "Pain relief"}, {Form: "Tablet", Purpose: "Everyday medicine"}},
		SymptomQuestions: []string{"Have you had pain this week?", "Have you had a temperature of 38°C or more?"},
		Zones: []Zone{
			{Colour: ZoneGreen, Title: "Every day",
				Signs:   []string{"I feel well"},
				Actions: []string{"Drink plenty of water", "Keep warm and avoid sudden changes in temperature", "Take my everyday medicines"}},
			{Colour: ZoneAmber, Title: "Pain",
				Signs: []string{"Pain in my arms, legs, back, tummy or chest that is not too bad"},
				Actions: []string{"Drink more fluids", "Take my pain relief as planned", "Keep warm, for example with a warm bath or a warm pad",
					"Contact my clinic if the pain is not better within a few hours"}},
			{Colour: ZoneRed, Title: "Get help now",
				Signs: []string{"A temperature of 38°C or more: I need to be seen urgently in hospital", "Chest pain or breathlessness",
					"Signs of a stroke: face drooping, weakness in an arm, slurred speech", "Pain that my medicines do not control"},
				Actions: []string{"For chest pain, breathlessness or stroke signs, call 999", "For a temperature of 38°C or more, go to hospital straight away as my plan says"}},
		}}},
}

// EnsureStandardTemplates adds any standard template version the database
// does not have yet. Standard templates ship unapproved: a local clinical
// safety officer approves them before use.
func (s *Store) EnsureStandardTemplates() error {
	return s.db.Transaction(func(tx *gorm.DB) error {
		for _, st := range standardTemplates {
			var existing ConditionTemplate
			err := tx.Where("key = ? AND version = ?", st.key, st.version).First(&existing).Error
			if err == nil {
				continue
			}
			if !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
			content, err := json.Marshal(st.content)
			if err != nil {
				return err
			}
			if err := tx.Create(&ConditionTemplate{Key: st.key, Version: st.version, Name: st.name, SnomedCode: st.snomed,
				Content: string(content), CreatedAt: s.now()}).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// Templates lists the newest version of each template.
func (s *Store) Templates() ([]ConditionTemplate, error) {
	var templates []ConditionTemplate
	err := s.db.Where("version = (SELECT MAX(t2.version) FROM condition_templates t2 WHERE t2.key = condition_templates.key)").
		Order("name").Find(&templates).Error
	return templates, err
}

// Template finds a template version by id.
func (s *Store) Template(id uint) (*ConditionTemplate, error) {
	var template ConditionTemplate
	err := s.db.First(&template, id).Error
	return &template, notFound(err)
}

// Fill puts the person's thresholds into a line that mentions them.
func (p PlanContent) Fill(line string) string {
	if p.PeakFlow == nil || p.PeakFlow.PersonalBest == 0 {
		return line
	}
	return strings.NewReplacer("{amber}", fmt.Sprint(p.PeakFlow.AmberBelow), "{red}", fmt.Sprint(p.PeakFlow.RedBelow)).Replace(line)
}
