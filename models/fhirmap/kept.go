package fhirmap

import (
	"html"
	"strconv"
	"strings"
	"time"

	"healthpassport/models"
)

// The rest of what the passport keeps about a person, mapped only for
// their download: the API does not serve these resources.

type AllergyIntolerance struct {
	ResourceType   string          `json:"resourceType"`
	ID             string          `json:"id"`
	Meta           Meta            `json:"meta"`
	ClinicalStatus CodeableConcept `json:"clinicalStatus"`
	Code           CodeableConcept `json:"code"`
	Patient        Reference       `json:"patient"`
}

type Flag struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id"`
	Meta         Meta              `json:"meta"`
	Status       string            `json:"status"`
	Category     []CodeableConcept `json:"category"`
	Code         CodeableConcept   `json:"code"`
	Subject      Reference         `json:"subject"`
	Period       *Period           `json:"period,omitempty"`
}

type MedicationRequest struct {
	ResourceType              string           `json:"resourceType"`
	ID                        string           `json:"id"`
	Meta                      Meta             `json:"meta"`
	Status                    string           `json:"status"`
	StatusReason              *CodeableConcept `json:"statusReason,omitempty"`
	Intent                    string           `json:"intent"`
	MedicationCodeableConcept CodeableConcept  `json:"medicationCodeableConcept"`
	Subject                   Reference        `json:"subject"`
	AuthoredOn                string           `json:"authoredOn"`
	Note                      []Annotation     `json:"note,omitempty"`
}

type Encounter struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id"`
	Meta         Meta              `json:"meta"`
	Text         Narrative         `json:"text"`
	Status       string            `json:"status"`
	Class        Coding            `json:"class"`
	Type         []CodeableConcept `json:"type"`
	Subject      Reference         `json:"subject"`
	Period       Period            `json:"period"`
}

// Narrative is a resource's text for people to read, in XHTML.
type Narrative struct {
	Status string `json:"status"`
	Div    string `json:"div"`
}

type Consent struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id"`
	Meta         Meta              `json:"meta"`
	Status       string            `json:"status"`
	Scope        CodeableConcept   `json:"scope"`
	Category     []CodeableConcept `json:"category"`
	Patient      Reference         `json:"patient"`
	DateTime     string            `json:"dateTime"`
	PolicyRule   CodeableConcept   `json:"policyRule"`
	Provision    ConsentProvision  `json:"provision"`
}

type ConsentProvision struct {
	Type   string         `json:"type"`
	Period Period         `json:"period"`
	Actor  []ConsentActor `json:"actor"`
}

type ConsentActor struct {
	Role      CodeableConcept `json:"role"`
	Reference Reference       `json:"reference"`
}

func (a AllergyIntolerance) Path() string { return "AllergyIntolerance/" + a.ID }
func (f Flag) Path() string               { return "Flag/" + f.ID }
func (m MedicationRequest) Path() string  { return "MedicationRequest/" + m.ID }
func (e Encounter) Path() string          { return "Encounter/" + e.ID }
func (c Consent) Path() string            { return "Consent/" + c.ID }

const (
	v3ActCode          = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	flagCategory       = "http://terminology.hl7.org/CodeSystem/flag-category"
	allergyClinical    = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
	consentScope       = "http://terminology.hl7.org/CodeSystem/consentscope"
	participationType  = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
	communicationNeeds = "communication-needs"
)

// FromAllergies maps the allergies a nurse wrote on the record to one
// AllergyIntolerance named by that text: they are free text, not coded,
// so one entry may list several.
func FromAllergies(p models.Patient) AllergyIntolerance {
	return AllergyIntolerance{ResourceType: "AllergyIntolerance", ID: p.Ref + "-allergies", Meta: meta("AllergyIntolerance", p.UpdatedAt),
		ClinicalStatus: CodeableConcept{Coding: []Coding{{System: allergyClinical, Code: "active"}}},
		Code:           CodeableConcept{Text: p.Allergies}, Patient: PatientReference(p.Ref)}
}

// FromCommunicationNeeds maps the "about me" note on how to communicate
// with the person to a Flag, as NHS England's reasonable adjustment flag
// does: Patient.communication holds only languages, and the note is
// something anyone caring for them should be warned of.
func FromCommunicationNeeds(p models.Patient) Flag {
	return Flag{ResourceType: "Flag", ID: p.Ref + "-" + communicationNeeds, Meta: meta("Flag", p.UpdatedAt), Status: "active",
		Category: []CodeableConcept{{Coding: []Coding{{System: flagCategory, Code: "behavioral", Display: "Behavioral"}}, Text: "Communication needs"}},
		Code:     CodeableConcept{Text: p.CommunicationNeeds}, Subject: PatientReference(p.Ref)}
}

// FromAlert maps an alert about a day's red-zone readings to a clinical
// Flag, active until a nurse acknowledged it.
func FromAlert(patientRef string, a models.Alert) Flag {
	flag := Flag{ResourceType: "Flag", ID: "alert-" + strconv.FormatUint(uint64(a.ID), 10), Meta: meta("Flag", a.CreatedAt), Status: "active",
		Category: []CodeableConcept{{Coding: []Coding{{System: flagCategory, Code: "clinical", Display: "Clinical"}}}},
		Code:     CodeableConcept{Text: a.Summary()}, Subject: PatientReference(patientRef),
		Period: &Period{Start: instant(a.CreatedAt)}}
	if a.AcknowledgedAt != nil {
		flag.Status, flag.Period.End = "inactive", instant(*a.AcknowledgedAt)
		flag.Meta.LastUpdated = instant(*a.AcknowledgedAt)
	}
	return flag
}

// FromPrescriptionRequest maps a repeat prescription request to a
// MedicationRequest: a proposal while the person waits, an order once the
// practice approved it, completed when it is ready to collect and
// cancelled, with the practice's reason, when turned down.
func FromPrescriptionRequest(patientRef string, r models.PrescriptionRequest) MedicationRequest {
	request := MedicationRequest{ResourceType: "MedicationRequest", ID: strconv.FormatUint(uint64(r.ID), 10),
		Meta: meta("MedicationRequest", r.UpdatedAt), Status: "active", Intent: "proposal",
		MedicationCodeableConcept: CodeableConcept{Text: r.Medicine}, Subject: PatientReference(patientRef), AuthoredOn: instant(r.CreatedAt)}
	switch r.Status {
	case models.RequestApproved:
		request.Intent = "order"
	case models.RequestReady:
		request.Status, request.Intent = "completed", "order"
	case models.RequestRejected:
		request.Status = "cancelled"
		if r.Reason != "" {
			request.StatusReason = &CodeableConcept{Text: r.Reason}
		}
	}
	if r.Purpose != "" {
		request.Note = []Annotation{{Text: r.Purpose}}
	}
	return request
}

// FromReview maps a nurse's review to a finished ambulatory Encounter.
// Encounter has no place for an outcome or notes, so they are its
// narrative text.
func FromReview(patientRef string, r models.Review) Encounter {
	lines := []string{"Outcome: " + models.OutcomeName(r.Outcome) + "."}
	if r.Notes != "" {
		lines = append(lines, r.Notes)
	}
	if r.UnplannedCare != "" {
		lines = append(lines, "Unplanned care since the last review: "+r.UnplannedCare+".")
	}
	if r.RCPScore != nil {
		lines = append(lines, "RCP 3 questions score: "+strconv.Itoa(*r.RCPScore)+".")
	}
	lines = append(lines, "Next review: "+r.NextReviewOn.UTC().Format(time.DateOnly)+".")
	var div strings.Builder
	div.WriteString(`<div xmlns="http://www.w3.org/1999/xhtml">`)
	for _, line := range lines {
		div.WriteString("<p>" + html.EscapeString(line) + "</p>")
	}
	div.WriteString("</div>")
	day := r.ReviewedOn.UTC().Format(time.DateOnly) // a day, kept as midnight UTC
	return Encounter{ResourceType: "Encounter", ID: "review-" + strconv.FormatUint(uint64(r.ID), 10), Meta: meta("Encounter", r.CreatedAt),
		Text: Narrative{Status: "additional", Div: div.String()}, Status: "finished",
		Class: Coding{System: v3ActCode, Code: "AMB", Display: "ambulatory"}, Type: []CodeableConcept{{Text: "Review"}},
		Subject: PatientReference(patientRef), Period: Period{Start: day, End: day}}
}

// FromShare maps a share of the emergency page with someone outside the
// clinic, such as a school, to a privacy Consent permitting them to read
// it until it expires or was revoked. UK Core has no Consent profile, so
// none is claimed.
func FromShare(patientRef string, s models.Share, now time.Time) Consent {
	end, status, updated := s.ExpiresAt, "active", s.CreatedAt
	if s.RevokedAt != nil && s.RevokedAt.Before(end) {
		end, updated = *s.RevokedAt, *s.RevokedAt
	}
	if !end.After(now) {
		status = "inactive"
	}
	return Consent{ResourceType: "Consent", ID: "share-" + strconv.FormatUint(uint64(s.ID), 10),
		Meta: Meta{LastUpdated: instant(updated)}, Status: status,
		Scope:    CodeableConcept{Coding: []Coding{{System: consentScope, Code: "patient-privacy", Display: "Privacy Consent"}}},
		Category: []CodeableConcept{{Coding: []Coding{{System: LOINC, Code: "59284-0", Display: "Patient Consent"}}}},
		Patient:  PatientReference(patientRef), DateTime: instant(s.CreatedAt),
		PolicyRule: CodeableConcept{Coding: []Coding{{System: v3ActCode, Code: "OPTIN"}}},
		Provision: ConsentProvision{Type: "permit", Period: Period{Start: instant(s.CreatedAt), End: instant(end)},
			Actor: []ConsentActor{{Role: CodeableConcept{Coding: []Coding{{System: participationType, Code: "IRCP", Display: "information recipient"}}},
				Reference: Reference{Display: s.Recipient}}}}}
}
