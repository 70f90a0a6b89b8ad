package models

import (
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ReviewOutcomes are what a review can conclude.
var ReviewOutcomes = []string{OutcomeNoChange, OutcomePlanUpdated, OutcomeReferred}

// OutcomeName is a review's outcome in words.
func OutcomeName(outcome string) string {
	switch outcome {
	case OutcomePlanUpdated:
		return "Plan updated"
	case OutcomeReferred:
		return "Referred for more care"
	}
	return "No change needed"
}

// CarerRelationships are how a carer can be related to the patient.
var CarerRelationships = []string{"Parent", "Guardian", "Partner", "Son or daughter", "Other family member", "Friend", "Paid carer", "School staff"}

// PatientEntry is a new patient as the nurse entered them.
type PatientEntry struct {
	NHSNumber, GivenName, FamilyName string
	DateOfBirth                      DateInput
	Address                          PostalAddress // optional: where the activation letter is posted
	Practice                         string        // the chosen practice's id
}

// CheckNewPatient turns what the nurse entered into a patient to register
// at one of practices, the nurse's own. A nurse of one practice need not
// choose it.
func CheckNewPatient(entry PatientEntry, practices []Organisation, now time.Time) (NewPatient, FieldErrors) {
	var errs FieldErrors
	nhsNumber, err := NormaliseNHSNumber(entry.NHSNumber)
	if err != nil {
		errs.Add("nhs-number", err.Error())
	}
	errs.requireText("given-name", entry.GivenName, "Enter the patient's first name", "First name", 100)
	errs.requireText("family-name", entry.FamilyName, "Enter the patient's last name", "Last name", 100)
	dob, _ := errs.readDate("date-of-birth", "Date of birth", entry.DateOfBirth, now, true)
	address := errs.checkPostalAddress(PatientAddressPrefix, "the patient's", entry.Address, false)
	practiceID, _ := strconv.ParseUint(entry.Practice, 10, 64)
	if practiceID == 0 && len(practices) == 1 {
		practiceID = uint64(practices[0].ID)
	}
	errs.choosePractice(practiceID, practices)
	return NewPatient{NHSNumber: nhsNumber, GivenName: entry.GivenName, FamilyName: entry.FamilyName,
		DateOfBirth: dob, Address: address, PracticeID: uint(practiceID)}, errs
}

func (errs *FieldErrors) choosePractice(id uint64, practices []Organisation) {
	if !slices.ContainsFunc(practices, func(o Organisation) bool { return uint64(o.ID) == id }) {
		errs.Add("practice", "Choose a practice")
	}
}

// DetailsEntry is a patient's details as the nurse entered them.
type DetailsEntry struct {
	PreferredName, Phone, Email, CommunicationNeeds, Allergies string
	Address                                                    PostalAddress
	Practice                                                   string // the chosen practice's id
	Contacts                                                   []Contact
}

// PatientAddressPrefix names the fields of a patient's postal address.
const PatientAddressPrefix = "address"

// CheckPatientDetails turns what the nurse entered into a patient's
// details, at one of practices, the nurse's own. Contacts are the
// form's rows in order, each with its kind; a row left empty is dropped.
func CheckPatientDetails(entry DetailsEntry, practices []Organisation) (PatientDetails, FieldErrors) {
	var errs FieldErrors
	errs.optionalText("preferred-name", entry.PreferredName, "Preferred name", 100)
	if entry.Phone != "" && !ValidPhone(entry.Phone) {
		errs.Add("phone", "Enter a phone number, like 01632 960 001 or 07700 900 982")
	}
	if entry.Email != "" && !ValidEmail(entry.Email) {
		errs.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	address := errs.checkPostalAddress(PatientAddressPrefix, "the patient's", entry.Address, false)
	errs.optionalText("communication-needs", entry.CommunicationNeeds, "Communication needs", 1000)
	errs.optionalText("allergies", entry.Allergies, "Allergies", 1000)
	practiceID, _ := strconv.ParseUint(entry.Practice, 10, 64)
	errs.choosePractice(practiceID, practices)
	details := PatientDetails{PreferredName: entry.PreferredName, Phone: entry.Phone, Email: entry.Email, Address: address,
		CommunicationNeeds: entry.CommunicationNeeds, Allergies: entry.Allergies, PracticeID: uint(practiceID)}
	rows := map[string]int{}
	for _, contact := range entry.Contacts {
		row := rows[contact.Kind]
		rows[contact.Kind]++
		if contact.Name == "" && contact.Relationship == "" && contact.Phone == "" {
			continue
		}
		field := func(part string) string { return ContactField(contact.Kind, row, part) }
		label := fmt.Sprintf("%s %d", contactLabels[contact.Kind], row+1)
		errs.requireText(field("name"), contact.Name, "Enter the name of "+strings.ToLower(label), label+" name", 200)
		errs.optionalText(field("relationship"), contact.Relationship, label+" relationship", 100)
		if !ValidPhone(contact.Phone) {
			errs.Add(field("phone"), "Enter a phone number for "+strings.ToLower(label)+", like 01632 960 001")
		}
		details.Contacts = append(details.Contacts, contact)
	}
	return details, errs
}

var contactLabels = map[string]string{ContactEmergency: "Emergency contact", ContactClinic: "Clinic contact"}

// ContactField names a part (name, relationship, phone) of the row-th
// contact of the kind.
func ContactField(kind string, row int, part string) string {
	return fmt.Sprintf("%s-%d-%s", kind, row, part)
}

// ValidPhone accepts UK numbers as people write them: digits, spaces, one
// leading +, brackets and dashes, 10 to 13 digits.
func ValidPhone(phone string) bool {
	digits := 0
	for i, r := range phone {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '(' || r == ')':
		case r == '+' && i == 0:
		default:
			return false
		}
	}
	return digits >= 10 && digits <= 13
}

// ValidEmail accepts a bare address, name@example.com, that fits the
// 254 characters an address may have.
func ValidEmail(email string) bool {
	addr, err := mail.ParseAddress(email)
	return err == nil && addr.Address == email && len(email) <= 254
}

// ReviewEntry is a review as the nurse entered it.
type ReviewEntry struct {
	ReviewedOn     DateInput
	Outcome, Notes string
	NextReview     DateInput
	// The patient's answers: the unplanned care question, and for a
	// patient with asthma the RCP questions, worded as the nurse asked
	// them in RCPAsked.
	UnplannedCare string
	GivenName     string
	RCP, RCPAsked []string
}

// CheckReview turns what the nurse entered into a review: held today or
// before, with the next one booked within 2 years from now.
func CheckReview(entry ReviewEntry, now time.Time) (Review, FieldErrors) {
	var errs FieldErrors
	reviewedOn, reviewedOK := errs.readDate("reviewed-on", "Review date", entry.ReviewedOn, now, false)
	if reviewedOK && reviewedOn.After(now) {
		errs.Add("reviewed-on-day", "Review date must be today or in the past")
	}
	if !slices.Contains(ReviewOutcomes, entry.Outcome) {
		errs.Add("outcome-"+OutcomeNoChange, "Select the outcome of the review")
	}
	unplanned, unplannedErrs := CheckUnplannedCare(entry.UnplannedCare, entry.GivenName)
	errs = append(errs, unplannedErrs...)
	var rcp *int
	if len(entry.RCPAsked) > 0 {
		var rcpErrs FieldErrors
		rcp, rcpErrs = CheckRCPAnswers(entry.RCP, entry.RCPAsked)
		errs = append(errs, rcpErrs...)
	}
	errs.optionalText("notes", entry.Notes, "Notes", 2000)
	nextOn, nextOK := errs.readDate("next-review", "Next review date", entry.NextReview, now, false)
	if nextOK && !nextOn.After(now) {
		errs.Add("next-review-day", "Next review date must be in the future")
	} else if nextOK && nextOn.After(now.AddDate(2, 0, 0)) {
		errs.Add("next-review-day", "Next review date must be within 2 years")
	}
	return Review{ReviewedOn: reviewedOn, Outcome: entry.Outcome, Notes: entry.Notes, NextReviewOn: nextOn, UnplannedCare: unplanned, RCPScore: rcp}, errs
}

// Whether a carer being linked already has an account.
const (
	CarerExisting = "existing"
	CarerNew      = "new"
)

// CarerLinkEntry is a carer link as the nurse entered it: an existing carer
// by username, or a new one by name.
type CarerLinkEntry struct {
	Who, Relationship, Permission, Username, Name string
}

// CheckCarerLink checks a carer link for the patient named givenName.
func CheckCarerLink(entry CarerLinkEntry, givenName string) FieldErrors {
	var errs FieldErrors
	if !slices.Contains(CarerRelationships, entry.Relationship) {
		errs.Add("relationship", "Select how the carer is related to "+givenName)
	}
	if entry.Permission != PermissionView && entry.Permission != PermissionAct {
		errs.Add("permission-view", "Select what the carer can do")
	}
	switch entry.Who {
	case CarerExisting:
		errs.requireText("username", entry.Username, "Enter the carer's username", "Username", 64)
	case CarerNew:
		errs.requireText("carer-name", entry.Name, "Enter the carer's full name", "Full name", 200)
	default:
		errs.Add("who-existing", "Select whether the carer already has an account")
	}
	return errs
}
