package models

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: the OWASP password storage minimum (19 MiB, 2 passes),
// small enough for many sign-ins at once on a modest server.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password rules.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 128
)

var (
	ErrPasswordEmpty    = errors.New("Enter a password")
	ErrPasswordShort    = fmt.Errorf("Password must be %d characters or more", MinPasswordLength)
	ErrPasswordLong     = fmt.Errorf("Password must be %d characters or fewer", MaxPasswordLength)
	ErrPasswordCommon   = errors.New("Choose a password that is harder to guess. This one is too common")
	ErrPasswordUsername = errors.New("Your password must not include your username")
)

//go:embed common-passwords.txt
var commonPasswordList string

var commonPasswords = func() map[string]bool {
	set := map[string]bool{}
	scanner := bufio.NewScanner(strings.NewReader(commonPasswordList))
	for scanner.Scan() {
		if word := strings.TrimSpace(scanner.Text()); word != "" && !strings.HasPrefix(word, "#") {
			set[strings.ToLower(word)] = true
		}
	}
	return set
}()

// CheckNewPassword applies the password rules to a password someone chooses.
func CheckNewPassword(password, username string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		return ErrPasswordEmpty
	case n < MinPasswordLength:
		return ErrPasswordShort
	case n > MaxPasswordLength:
		return ErrPasswordLong
	case isCommonPassword(password):
		return ErrPasswordCommon
	case username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)):
		return ErrPasswordUsername
	}
	return nil
}

// isCommonPassword also catches a common password with digits or symbols
// stuck on the end ("password123!") and one character repeated.
func isCommonPassword(password string) bool {
	lower := strings.ToLower(password)
	if commonPasswords[lower] || commonPasswords[strings.TrimRight(lower, "0123456789!?.@#$*_- ")] {
		return true
	}
	return strings.Count(lower, lower[:1]) == len(lower)
}

// HashPassword returns an encoded argon2id hash with its own random salt.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches an encoded argon2id hash.
// An empty or malformed hash never matches.
func CheckPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is compared against when a username is unknown, so that a wrong
// username takes as long to refuse as a wrong password.
var dummyHash, _ = HashPassword("not a real password")

// WasteTimeCheckingPassword spends the time a real password check takes.
func WasteTimeCheckingPassword(password string) { CheckPassword(dummyHash, password) }
