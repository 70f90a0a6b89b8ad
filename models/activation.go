package models

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Activation codes are 12 characters from an alphabet without the worst
// look-alikes (no 0, O, 1 or I): 60 bits, so they cannot be guessed within
// the attempt limits, yet easy to type from a letter.
const (
	ActivationAlphabet   = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	ActivationCodeLength = 12
	ActivationLifetime   = 30 * 24 * time.Hour
)

// ErrActivationInvalid covers every way an activation can be wrong, so that
// the answer does not tell a guesser which part was right.
var ErrActivationInvalid = errors.New("activation code or date of birth is not right")

// NormaliseActivationCode drops the spaces and dashes people type and
// ignores case.
func NormaliseActivationCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, code)
}

// FormatActivationCode groups a code in fours for reading.
func FormatActivationCode(code string) string {
	var groups []string
	for len(code) > 4 {
		groups = append(groups, code[:4])
		code = code[4:]
	}
	return strings.Join(append(groups, code), "-")
}

// HashActivationCode is how a code is kept and looked up.
func HashActivationCode(code string) string {
	sum := sha256.Sum256([]byte(NormaliseActivationCode(code)))
	return hex.EncodeToString(sum[:])
}

// ActivationDeadline is when a code made now stops working.
func ActivationDeadline() time.Time { return time.Now().UTC().Add(ActivationLifetime) }
