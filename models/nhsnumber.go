package models

import (
	"errors"
	"strings"
)

// NHS number errors, worded for the person who typed the number.
var (
	ErrNHSNumberEmpty      = errors.New("Enter an NHS number")
	ErrNHSNumberLength     = errors.New("NHS number must be 10 digits")
	ErrNHSNumberCharacters = errors.New("NHS number must only include numbers and spaces")
	ErrNHSNumberCheckDigit = errors.New("Enter a valid NHS number")
)

// NormaliseNHSNumber checks an NHS number with the Modulus 11 algorithm and
// returns its 10 digits. Spaces between the digit groups are allowed.
// See https://www.datadictionary.nhs.uk/attributes/nhs_number.html
func NormaliseNHSNumber(input string) (string, error) {
	digits := strings.ReplaceAll(strings.TrimSpace(input), " ", "")
	if digits == "" {
		return "", ErrNHSNumberEmpty
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return "", ErrNHSNumberCharacters
		}
	}
	if len(digits) != 10 {
		return "", ErrNHSNumberLength
	}
	sum := 0
	for i := range 9 {
		sum += int(digits[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	// A check digit of 10 means the number was never issued.
	if check == 10 || check != int(digits[9]-'0') {
		return "", ErrNHSNumberCheckDigit
	}
	return digits, nil
}

// FormatNHSNumber shows 10 digits in the 3 3 4 groups people read aloud.
func FormatNHSNumber(digits string) string {
	if len(digits) != 10 {
		return digits
	}
	return digits[:3] + " " + digits[3:6] + " " + digits[6:]
}
