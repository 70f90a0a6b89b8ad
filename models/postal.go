package models

import (
	"strings"
	"unicode/utf8"
)

// PostalAddress is where a letter is posted: the lines a window envelope
// shows under the name. It is kept on patients and on practices and
// clinics, whose address is the letter's return address.
type PostalAddress struct {
	Line1    string
	Line2    string
	Town     string
	Postcode string
}

// Lines are the address as a letter prints it, a line each, leaving out
// lines not given; empty when no address is recorded.
func (a PostalAddress) Lines() []string {
	return nonEmptyLines([]string{a.Line1, a.Line2, a.Town, a.Postcode})
}

// Complete says whether a letter can be posted to the address: it has a
// first line, a town and a postcode.
func (a PostalAddress) Complete() bool {
	return a.Line1 != "" && a.Town != "" && a.Postcode != ""
}

// AddressFields name the form fields of an address: its prefix, then
// "-line-1", "-line-2", "-town" and "-postcode".
func AddressFields(prefix string) (line1, line2, town, postcode string) {
	return prefix + "-line-1", prefix + "-line-2", prefix + "-town", prefix + "-postcode"
}

// NormalisePostcode writes a postcode as Royal Mail does: capitals, one
// space before the last three characters. Anything that is not a postcode
// is kept as typed, in capitals, to be shown back with its error.
func NormalisePostcode(postcode string) string {
	typed := strings.ToUpper(strings.Join(strings.Fields(postcode), " "))
	compact := strings.ReplaceAll(typed, " ", "")
	if len(compact) < 5 {
		return typed
	}
	if spaced := compact[:len(compact)-3] + " " + compact[len(compact)-3:]; postcodePattern.MatchString(spaced) {
		return spaced
	}
	return typed
}

// checkPostalAddress checks an address entered in the fields named by
// prefix. An optional address may be left wholly empty; once any part is
// given, the first line, the town and a UK postcode are needed, so a
// letter can be posted to it. whose begins the messages: "the patient's"
// or "the clinic's".
func (errs *FieldErrors) checkPostalAddress(prefix, whose string, entry PostalAddress, required bool) PostalAddress {
	address := PostalAddress{Line1: collapseSpaces(entry.Line1), Line2: collapseSpaces(entry.Line2), Town: collapseSpaces(entry.Town),
		Postcode: NormalisePostcode(entry.Postcode)}
	if !required && address == (PostalAddress{}) {
		return address
	}
	line1, line2, town, postcode := AddressFields(prefix)
	errs.requireText(line1, address.Line1, "Enter the first line of "+whose+" address", "Address line 1", maxAddressLineChar)
	errs.optionalText(line2, address.Line2, "Address line 2", maxAddressLineChar)
	errs.requireText(town, address.Town, "Enter the town or city of "+whose+" address", "Town or city", maxAddressLineChar)
	switch {
	case address.Postcode == "":
		errs.Add(postcode, "Enter the postcode of "+whose+" address")
	case !postcodePattern.MatchString(address.Postcode) || utf8.RuneCountInString(address.Postcode) > 8:
		errs.Add(postcode, "Enter a real postcode, like LS1 4AP")
	}
	return address
}

// collapseSpaces trims a line and keeps one space between its words.
func collapseSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }

// ClinicContact is how a practice or clinic is reached: the phone number
// and return address its letters print.
type ClinicContact struct {
	Phone   string
	Address PostalAddress
}

// ClinicAddressPrefix names the fields of a practice's or clinic's address.
const ClinicAddressPrefix = "address"

// CheckClinicContact checks the phone number and address a practice or
// clinic prints on its letters; both are needed.
func CheckClinicContact(entry ClinicContact) (ClinicContact, FieldErrors) {
	var errs FieldErrors
	phone := strings.TrimSpace(entry.Phone)
	switch {
	case phone == "":
		errs.Add("phone", "Enter the clinic's phone number")
	case !ValidPhone(phone):
		errs.Add("phone", "Enter a phone number, like 01632 960 001")
	}
	address := errs.checkPostalAddress(ClinicAddressPrefix, "the clinic's", entry.Address, true)
	return ClinicContact{Phone: phone, Address: address}, errs
}
