package models

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

// NewPassportState names the state at version of a patient's passport,
// read from the store told apart by instance.
func NewPassportState(instance uint64, patientID uint, ref string, version int64) PassportState {
	return PassportState{store: instance, patientID: patientID, ref: ref, version: version}
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
