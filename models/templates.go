package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// TemplateContent is a condition's standard plan: the zones with their usual
// signs and actions, the blanks a nurse fills in for each person, the
// medicines a plan usually lists and those it cannot be published without,
// and for asthma the peak flow percentages. Lines may say {amber} and {red}:
// a plan shows the person's own thresholds there.
type TemplateContent struct {
	Zones             []TemplateZone     `json:"zones"`
	Medicines         []Medicine         `json:"medicines"`
	RequiredMedicines []RequiredMedicine `json:"requiredMedicines,omitempty"`
	PeakFlow          *PeakFlowRule      `json:"peakFlow,omitempty"`
	SymptomQuestions  []CheckInQuestion  `json:"symptomQuestions,omitempty"`
}

// TemplateZone is one zone of a template.
type TemplateZone struct {
	Colour  string         `json:"colour"`
	Title   string         `json:"title"`
	Signs   []TemplateLine `json:"signs"`
	Actions []TemplateLine `json:"actions"`
}

// TemplateLine is one line of a template's zone: either wording every plan
// shares, or a blank that only the person's nurse can fill in.
type TemplateLine struct {
	Text  string       `json:"text,omitempty"`
	Blank *Placeholder `json:"blank,omitempty"`
}

// UnmarshalJSON also reads the plain text lines of the first template
// versions, which had no blanks.
func (l *TemplateLine) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		return json.Unmarshal(data, &l.Text)
	}
	type line TemplateLine
	return json.Unmarshal(data, (*line)(l))
}

// Placeholder is a blank in a template. The plan shows the lead followed by
// the nurse's answer, for example "My allergies: peanuts and sesame".
type Placeholder struct {
	Lead  string `json:"lead"`
	Label string `json:"label"` // the editor's question, in sentence case
	Hint  string `json:"hint,omitempty"`
}

// RequiredMedicine is a medicine a plan cannot be published without, found
// among the plan's medicines by what it is for.
type RequiredMedicine struct {
	Purpose     string `json:"purpose"`
	Description string `json:"description"` // as a sentence names it: "an adrenaline auto-injector"
}

// CheckInQuestion is a yes or no question of a symptom check-in, with the
// zone a yes puts the check-in in. Text asks the person; AboutThem asks a
// carer the same about them, with {name} where the person's name goes, in
// words that need no "he" or "she".
type CheckInQuestion struct {
	Text      string `json:"text"`
	AboutThem string `json:"aboutThem,omitempty"`
	Zone      string `json:"zone"`
}

// UnmarshalJSON also reads the plain text questions of the first template
// versions, where any yes meant the amber zone.
func (q *CheckInQuestion) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		q.Zone = ZoneAmber
		return json.Unmarshal(data, &q.Text)
	}
	type question CheckInQuestion
	return json.Unmarshal(data, (*question)(q))
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

// NewPlan starts a plan from the template, for a nurse to fill in. The
// template's shared wording becomes the plan's lines; its blanks wait in
// the plan until the nurse fills them in.
func (c TemplateContent) NewPlan() PlanContent {
	plan := PlanContent{Medicines: append([]Medicine(nil), c.Medicines...)}
	for _, zone := range c.Zones {
		planZone := Zone{Colour: zone.Colour, Title: zone.Title}
		planZone.Signs = plan.splitBlanks(zone.Colour, PartSigns, zone.Signs)
		planZone.Actions = plan.splitBlanks(zone.Colour, PartActions, zone.Actions)
		plan.Zones = append(plan.Zones, planZone)
	}
	if c.PeakFlow != nil {
		plan.PeakFlow = &PeakFlow{}
	}
	return plan
}

// splitBlanks keeps a part's wording as lines and its blanks as the plan's
// blanks, each remembering the line it stands for.
func (p *PlanContent) splitBlanks(colour, part string, lines []TemplateLine) []string {
	var text []string
	for i, line := range lines {
		if line.Blank != nil {
			p.Blanks = append(p.Blanks, Blank{Placeholder: *line.Blank, Zone: colour, Part: part, Line: i})
			continue
		}
		text = append(text, line.Text)
	}
	return text
}

// standardTemplate is one of the templates the service ships with.
type standardTemplate struct {
	Key, Name, Snomed string
	Version           int
	Content           TemplateContent
}

// say is wording a template shares with every plan; ask is a blank.
func say(text string) TemplateLine { return TemplateLine{Text: text} }
func ask(lead, label, hint string) TemplateLine {
	return TemplateLine{Blank: &Placeholder{Lead: lead, Label: label, Hint: hint}}
}

func says(texts ...string) []TemplateLine {
	lines := make([]TemplateLine, len(texts))
	for i, text := range texts {
		lines[i] = say(text)
	}
	return lines
}

// SNOMED CT concept for asthma: 195967001 |Asthma (disorder)|, SNOMED CT UK
// Edition, https://termbrowser.nhs.uk/?perspective=full&conceptId1=195967001
const SnomedAsthma = "195967001"

// SNOMED CT codes, each checked against a published source:
//   - 195967001 |Asthma (disorder)|, https://termbrowser.nhs.uk/?perspective=full&conceptId1=195967001
//   - 84757009 |Epilepsy (disorder)|, https://termbrowser.nhs.uk/?perspective=full&conceptId1=84757009
//   - 46635009 |Diabetes mellitus type 1 (disorder)|, https://termbrowser.nhs.uk/?perspective=full&conceptId1=46635009
//   - 39579001 |Anaphylaxis (disorder)|, https://termbrowser.nhs.uk/?perspective=full&conceptId1=39579001
//   - 417357006 |Sickling disorder due to hemoglobin S (disorder)|, listed in the HL7 value set
//     http://fhir.org/guides/cdc/opioid-cds/ValueSet/sickle-cell-diseases
//
// Version 2 of each template marks what only the person's nurse can write
// as blanks, names the medicines a plan cannot be published without, and
// says which check-in answers are red-zone signs. Version 3 of the templates
// with a check-in adds each question as a carer is asked it.
var StandardTemplates = []standardTemplate{
	{Key: "asthma", Name: "Asthma", Snomed: SnomedAsthma, Version: 3, Content: TemplateContent{
		PeakFlow: &PeakFlowRule{AmberPercent: 80, RedPercent: 50},
		Medicines: []Medicine{
			{Form: "Inhaler", Dose: "2 puffs", Frequency: "Morning and evening, every day", Purpose: "Preventer"},
			{Form: "Inhaler (blue)", Dose: "2 puffs", Frequency: "When needed", Purpose: "Reliever"},
		},
		RequiredMedicines: []RequiredMedicine{{Purpose: "Reliever", Description: "a reliever inhaler"}},
		SymptomQuestions: []CheckInQuestion{
			{Text: "Have you needed your reliever inhaler 3 or more times this week?", AboutThem: "Has {name} needed the reliever inhaler 3 or more times this week?", Zone: ZoneAmber},
			{Text: "Have you woken up at night because of your asthma?", AboutThem: "Has {name} woken up at night because of asthma?", Zone: ZoneAmber},
			{Text: "Has your asthma got in the way of your day?", AboutThem: "Has asthma got in the way of {name}'s day?", Zone: ZoneAmber},
			{Text: "Is your reliever inhaler not helping, or are you too breathless to talk, walk or eat?", AboutThem: "Is the reliever inhaler not helping, or is {name} too breathless to talk, walk or eat?", Zone: ZoneRed},
		},
		Zones: []TemplateZone{
			{Colour: ZoneGreen, Title: "Every day",
				Signs: says("I can do my usual things without getting out of breath", "I do not wake up at night with asthma",
					"My peak flow is {amber} or more"),
				Actions: says("Take my preventer inhaler every day, even when I feel well", "Carry my reliever inhaler with me",
					"Ask for a review if I have had no symptoms for 12 weeks")},
			{Colour: ZoneAmber, Title: "When my asthma gets worse",
				Signs: says("I need my reliever inhaler 3 or more times a week", "I wake up at night because of my asthma",
					"My asthma gets in the way of my day", "My peak flow is below {amber}"),
				Actions: says("Take 2 to 4 puffs of my reliever inhaler, up to every 4 hours", "Keep taking my preventer inhaler",
					"Contact my GP or asthma nurse within 24 hours")},
			{Colour: ZoneRed, Title: "Asthma attack",
				Signs: says("My reliever inhaler is not helping", "I am too breathless to talk, walk or eat", "My peak flow is below {red}"),
				Actions: says("Sit up straight and try to keep calm", "Take 1 puff of my reliever inhaler every 30 to 60 seconds, up to 10 puffs",
					"Call 999 if I do not feel better", "If the ambulance has not come within 15 minutes, take my reliever inhaler again, up to 10 puffs")},
		}}},
	{Key: "epilepsy", Name: "Epilepsy", Snomed: "84757009", Version: 3, Content: TemplateContent{
		Medicines:         []Medicine{{Form: "Oromucosal solution", Purpose: "Emergency medicine"}, {Form: "Tablet", Purpose: "Everyday medicine"}},
		RequiredMedicines: []RequiredMedicine{{Purpose: "Emergency medicine", Description: "the emergency (rescue) medicine"}},
		SymptomQuestions: []CheckInQuestion{
			{Text: "Have you had a seizure since your last check-in?", AboutThem: "Has {name} had a seizure since the last check-in?", Zone: ZoneAmber},
			{Text: "Have you missed any doses of your medicine?", AboutThem: "Has {name} missed any doses of epilepsy medicine?", Zone: ZoneAmber},
			{Text: "Have you had a seizure that lasted longer than 5 minutes, or one after another without waking in between?", AboutThem: "Has {name} had a seizure that lasted longer than 5 minutes, or one after another without waking in between?", Zone: ZoneRed},
		},
		Zones: []TemplateZone{
			{Colour: ZoneGreen, Title: "My seizures and what they look like",
				Signs: []TemplateLine{
					ask("What my seizures look like:", "What the person's seizures look like", "For example, stares and does not answer, then is sleepy"),
					ask("A seizure usually lasts", "How long a seizure usually lasts", "For example, 1 to 2 minutes"),
					ask("Things that can bring one on:", "What can bring on a seizure", "For example, missed sleep, missed medicine, illness"),
				},
				Actions: says("Take my everyday medicine at the same times each day", "Tell my nurse if my seizures change")},
			{Colour: ZoneAmber, Title: "During a seizure",
				Signs: says("A seizure has started"),
				Actions: []TemplateLine{say("Stay with me and time the seizure"), say("Move things away that could hurt me and cushion my head"),
					say("Do not put anything in my mouth"),
					ask("Give my emergency medicine:", "When to give the emergency medicine, its name and dose",
						"For example, if the seizure lasts longer than 5 minutes, 10mg buccal midazolam"),
					say("Afterwards, put me on my side (recovery position) and stay until I am fully awake")}},
			{Colour: ZoneRed, Title: "Call 999",
				Signs: says("A seizure lasts longer than 5 minutes, or longer than usual for me", "One seizure follows another without me waking up in between",
					"It is my first seizure", "I am injured", "I have trouble breathing"),
				Actions: says("Call 999 and say I am having a seizure", "Give my emergency medicine if it has not been given", "Stay with me until help arrives")},
		}}},
	{Key: "type-1-diabetes", Name: "Type 1 diabetes", Snomed: "46635009", Version: 3, Content: TemplateContent{
		Medicines: []Medicine{{Form: "Injection or pump", Purpose: "Insulin"}, {Form: "Tablets or gel", Purpose: "Fast-acting glucose"},
			{Form: "Injection or nasal spray", Purpose: "Glucagon"}},
		RequiredMedicines: []RequiredMedicine{{Purpose: "Insulin", Description: "insulin"}, {Purpose: "Fast-acting glucose", Description: "fast-acting glucose"}},
		SymptomQuestions: []CheckInQuestion{
			{Text: "Have you had a hypo since your last check-in?", AboutThem: "Has {name} had a hypo since the last check-in?", Zone: ZoneAmber},
			{Text: "Have you had ketones this week?", AboutThem: "Has {name} had ketones this week?", Zone: ZoneAmber},
			{Text: "Have you had a hypo where you could not swallow, became very drowsy or needed someone else to treat it?", AboutThem: "Has {name} had a hypo that needed someone else to treat it, or with trouble swallowing or great drowsiness?", Zone: ZoneRed},
		},
		Zones: []TemplateZone{
			{Colour: ZoneGreen, Title: "Every day",
				Signs: []TemplateLine{ask("My blood glucose targets:", "The person's blood glucose targets", "For example, 4 to 7 mmol/L before meals")},
				Actions: says("Check my blood glucose before meals and before bed", "Take my insulin as planned",
					"Check for ketones if my glucose is high or I am ill")},
			{Colour: ZoneAmber, Title: "Hypo: low blood glucose",
				Signs: says("My blood glucose is below 4 mmol/L", "Shaky, sweaty, hungry, pale, tired or grumpy"),
				Actions: says("Take fast-acting glucose straight away", "Check my blood glucose again after 10 to 15 minutes and repeat if it is still low",
					"When it is above 4, eat a longer-acting carbohydrate like a sandwich or biscuits")},
			{Colour: ZoneRed, Title: "Severe hypo",
				Signs: says("I cannot swallow, I am very drowsy or unconscious, or I am having a seizure"),
				Actions: []TemplateLine{say("Do not give food or drink"), say("Put me on my side (recovery position)"),
					ask("Glucagon:", "Whether glucagon is prescribed, and who may give it",
						"For example, give my GlucaGen HypoKit if you are trained. Or: not prescribed, wait with me for the ambulance. List a prescribed glucagon in the medicines"),
					say("Call 999")}},
		}}},
	{Key: "anaphylaxis", Name: "Anaphylaxis", Snomed: "39579001", Version: 2, Content: TemplateContent{
		Medicines:         []Medicine{{Form: "Adrenaline auto-injector", Purpose: "Emergency medicine"}, {Form: "Tablet or liquid", Purpose: "Antihistamine"}},
		RequiredMedicines: []RequiredMedicine{{Purpose: "Emergency medicine", Description: "the adrenaline auto-injector"}},
		Zones: []TemplateZone{
			{Colour: ZoneGreen, Title: "Staying safe",
				Signs:   []TemplateLine{ask("My allergies:", "What the person is allergic to", "For example, peanuts and sesame")},
				Actions: says("Avoid the things I am allergic to", "Carry 2 adrenaline auto-injectors with me at all times")},
			{Colour: ZoneAmber, Title: "Mild to moderate allergic reaction",
				Signs:   says("Swollen lips, face or eyes", "Itchy or tingling mouth", "Hives or itchy skin rash", "Tummy pain or being sick"),
				Actions: says("Stay with me and call for help if needed", "Give my antihistamine", "Find my adrenaline auto-injectors", "Watch for signs of anaphylaxis")},
			{Colour: ZoneRed, Title: "Anaphylaxis",
				Signs: says("Airway: swollen tongue, throat tightness, hoarse voice, difficulty swallowing",
					"Breathing: difficult or noisy breathing, wheeze or persistent cough", "Consciousness: feeling faint, pale and floppy, collapse"),
				Actions: []TemplateLine{say("Lie me flat with my legs raised. If breathing is hard, let me sit up"),
					ask("Use my adrenaline auto-injector without delay:", "The auto-injector's name and dose", "For example, EpiPen 300 micrograms, into the outer thigh"),
					say("Call 999 and say \"anaphylaxis\""), say("If I am no better after 5 minutes, use my second auto-injector")}},
		}}},
	{Key: "sickle-cell", Name: "Sickle cell disorder", Snomed: "417357006", Version: 3, Content: TemplateContent{
		Medicines:         []Medicine{{Form: "Tablets or liquid", Purpose: "Pain relief"}, {Form: "Tablet", Purpose: "Everyday medicine"}},
		RequiredMedicines: []RequiredMedicine{{Purpose: "Pain relief", Description: "pain relief"}},
		SymptomQuestions: []CheckInQuestion{
			{Text: "Have you had pain this week?", AboutThem: "Has {name} had pain this week?", Zone: ZoneAmber},
			{Text: "Have you had a temperature of 38°C or more?", AboutThem: "Has {name} had a temperature of 38°C or more?", Zone: ZoneRed},
			{Text: "Have you had chest pain, breathlessness, or weakness in your face or an arm?", AboutThem: "Has {name} had chest pain, breathlessness, or weakness in the face or an arm?", Zone: ZoneRed},
		},
		Zones: []TemplateZone{
			{Colour: ZoneGreen, Title: "Every day",
				Signs:   says("I feel well"),
				Actions: says("Drink plenty of water", "Keep warm and avoid sudden changes in temperature", "Take my everyday medicines")},
			{Colour: ZoneAmber, Title: "Pain",
				Signs: says("Pain in my arms, legs, back, tummy or chest that is not too bad"),
				Actions: says("Drink more fluids", "Take my pain relief as planned", "Keep warm, for example with a warm bath or a warm pad",
					"Contact my clinic if the pain is not better within a few hours")},
			{Colour: ZoneRed, Title: "Get help now",
				Signs: says("A temperature of 38°C or more: I need to be seen urgently in hospital", "Chest pain or breathlessness",
					"Signs of a stroke: face drooping, weakness in an arm, slurred speech", "Pain that my medicines do not control"),
				Actions: []TemplateLine{say("For chest pain, breathlessness or stroke signs, call 999"),
					ask("For a temperature of 38°C or more, go straight to:", "The hospital to go to with a fever, and its phone number",
						"For example, the children's assessment unit at St James's Hospital, 0113 496 0001")}},
		}}},
}

var (
	// ErrTemplateApproved means the template version was approved before.
	ErrTemplateApproved = errors.New("this template version is already approved")
	// ErrApproverMissing means no one was named as approving a template.
	ErrApproverMissing = errors.New("name the person who approves the template")
)

// RenderedZones is the plan's zones as people read them, with the person's
// thresholds written where a line says {amber} or {red}. It is the one way
// a plan's lines are read for showing or sending: the passport page, the
// emergency and check-in pages, the download, every FHIR resource and bulk
// export all take their lines from here, so none of them shows a template
// blank that another fills in.
func (p PlanContent) RenderedZones() []Zone {
	zones := make([]Zone, len(p.Zones))
	for i, zone := range p.Zones {
		zones[i] = Zone{Colour: zone.Colour, Title: zone.Title,
			Signs: p.renderLines(zone.Signs), Actions: p.renderLines(zone.Actions)}
	}
	return zones
}

func (p PlanContent) renderLines(lines []string) []string {
	if lines == nil {
		return nil
	}
	rendered := make([]string, len(lines))
	for i, line := range lines {
		rendered[i] = p.fill(line)
	}
	return rendered
}

// fill puts the person's thresholds into a line that mentions them. Before
// a personal best is known (or on a plan with no peak flow) it names the
// threshold in words rather than leave the blank for a reader to puzzle
// over. Every line of every plan passes through here, so a line without a
// placeholder is given back as it is.
func (p PlanContent) fill(line string) string {
	if !strings.Contains(line, "{") {
		return line
	}
	amber, red := "your amber zone threshold", "your red zone threshold"
	if p.PeakFlow != nil && p.PeakFlow.PersonalBest != 0 {
		amber, red = strconv.Itoa(p.PeakFlow.AmberBelow), strconv.Itoa(p.PeakFlow.RedBelow)
	}
	return strings.NewReplacer("{amber}", amber, "{red}", red).Replace(line)
}
