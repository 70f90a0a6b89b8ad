package models

import (
	"strings"
)

// PassportEvent is one thing that happened to a passport as its owner, or
// a carer who acts for them, reads it: who did what and when, with where
// a member of staff works.
type PassportEvent struct {
	AuditEvent
	ActorName         string // empty when no one was signed in
	ActorOrganisation string // where a member of staff works, empty when at the patient's practice
}

// passportDoings say what each action did to a passport, as its owner
// reads it: {your} and {you} become "your" and "you", or, for a carer, the
// patient's name.
var passportDoings = map[string]string{
	AuditPatientViewed:         "looked at {your} record",
	AuditPassportViewed:        "looked at {your} passport",
	AuditPatientCreated:        "registered {you} with Health Passport",
	AuditPatientUpdated:        "changed {your} contact details",
	AuditPatientMoved:          "moved {you} to another practice",
	AuditActivationIssued:      "printed an activation letter",
	AuditActivated:             "set up an account",
	AuditPlanCreated:           "wrote an action plan",
	AuditPlanSaved:             "changed {your} action plan",
	AuditReviewRecorded:        "recorded a review",
	AuditReadingRecorded:       "recorded a reading",
	AuditAlertAcknowledged:     "dealt with a red zone alert",
	AuditPrescriptionRequested: "asked for a repeat prescription",
	AuditPrescriptionApproved:  "approved a repeat prescription",
	AuditPrescriptionRejected:  "turned down a repeat prescription",
	AuditPrescriptionReady:     "made a repeat prescription ready to collect",
	AuditCarerLinked:           "added a carer",
	AuditCarerInvited:          "invited a carer",
	AuditCarerRevoked:          "removed a carer",
	AuditShareCreated:          "shared {your} emergency page",
	AuditShareRevoked:          "stopped sharing {your} emergency page",
	AuditShareUsed:             "opened {your} emergency page",
	AuditShareViewed:           "looked at who {your} emergency page is shared with",
	AuditAPIRead:               "read {your} record",
	AuditAccessRefused:         "was refused access to {your} record",
	AuditNHSLoginLinked:        "linked an NHS login",
	AuditNHSLoginUnlinked:      "unlinked an NHS login",
	AuditAccountUnlocked:       "let {you} sign in again after too many wrong passwords",
}

// PassportWho says who did something, in plain words: "Sam Jones
// (carer)", "Nurse Alex Morgan", "Nurse Jo Bell at Hillside Surgery" when
// they work elsewhere than the patient's practice, "Oakfield School" with
// a shared access code, "Connected system (Riverside GP system)".
func (e PassportEvent) PassportWho() string {
	switch {
	case e.Action == AuditShareUsed:
		if e.Detail != "" {
			return e.Detail
		}
		return "Someone with a shared access code"
	case Role(e.ActorRole) == RoleAPIClient:
		// Its entries' detail starts with the system's name.
		name, _, _ := strings.Cut(e.Detail, " (client ")
		return "Connected system (" + name + ")"
	case e.ActorName == "":
		return "Someone not signed in"
	}
	role := Role(e.ActorRole)
	if !role.IsStaff() {
		if word := roleNames[role]; word != "" {
			return e.ActorName + " (" + word + ")"
		}
		return e.ActorName
	}
	who := e.ActorName
	if word := roleNames[role]; word != "" {
		who = strings.ToUpper(word[:1]) + word[1:] + " " + e.ActorName
	}
	if e.ActorOrganisation != "" {
		who += " at " + e.ActorOrganisation
	}
	return who
}

// PassportDoing says what was done, about "your" passport for its owner or
// about the patient's, by name, for a carer.
func (e PassportEvent) PassportDoing(patientName string) string {
	doing, ok := passportDoings[e.Action]
	if !ok {
		doing = strings.ToLower(AuditWording(e.Action)[:1]) + AuditWording(e.Action)[1:]
	}
	your, you := "your", "you"
	if patientName != "" {
		your, you = patientName+"'s", patientName
	}
	return strings.NewReplacer("{your}", your, "{you}", you).Replace(doing)
}
