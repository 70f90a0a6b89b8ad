package models

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	zxcvbn "github.com/ccojocar/zxcvbn-go"
	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: the OWASP password storage minimum (19 MiB, 2 passes).
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// HashMemoryPerCheckMB is the memory one password hash takes, and
// DefaultHashMemoryMB what all the hashes worked out at once may take
// together unless configured otherwise: six at a time.
const (
	HashMemoryPerCheckMB = argonMemory / 1024
	DefaultHashMemoryMB  = 128
)

// hashQueueWait is how long a password waits for its turn to be hashed
// before the person is told the service is busy.
const hashQueueWait = 2 * time.Second

// ErrHashingBusy means a password could not be hashed for now: as many
// hashes as the memory allows are already being worked out.
var ErrHashingBusy = errors.New("too many passwords are being hashed at once")

// hashSlots holds one token for each hash being worked out. Without a bound,
// a crowd of sign-ins (or a flood of made-up ones) would take memory
// without limit.
var hashSlots atomic.Pointer[chan struct{}]

func init() { LimitHashMemory(DefaultHashMemoryMB) }

// LimitHashMemory sets how many megabytes the password hashes worked out at
// once may take; zero or less means the default. Call it before serving.
func LimitHashMemory(megabytes int) {
	if megabytes <= 0 {
		megabytes = DefaultHashMemoryMB
	}
	slots := make(chan struct{}, max(1, megabytes/HashMemoryPerCheckMB))
	hashSlots.Store(&slots)
}

// withHashSlot runs hash once a slot is free, waiting for one no longer than
// hashQueueWait or the request lasts.
func withHashSlot(ctx context.Context, hash func()) error {
	slots := *hashSlots.Load()
	timer := time.NewTimer(hashQueueWait)
	defer timer.Stop()
	select {
	case slots <- struct{}{}:
	case <-timer.C:
		return ErrHashingBusy
	case <-ctx.Done():
		return ErrHashingBusy
	}
	defer func() { <-slots }()
	hash()
	return nil
}

// Password rules.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 128
	// minPasswordScore is the zxcvbn score a password needs: 3 is "safely
	// unguessable", about 10^8 guesses or more.
	minPasswordScore = 3
)

var (
	ErrPasswordEmpty    = errors.New("Enter a password")
	ErrPasswordShort    = fmt.Errorf("Password must be %d characters or more", MinPasswordLength)
	ErrPasswordLong     = fmt.Errorf("Password must be %d characters or fewer", MaxPasswordLength)
	ErrPasswordCommon   = errors.New("Choose a password that is harder to guess. This one is too common")
	ErrPasswordPersonal = errors.New("Choose a password that is harder to guess. Do not use your name, username or date of birth")
	ErrPasswordWeak     = errors.New("Choose a password that is harder to guess. Try 3 or more random words")
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

// PersonalDetails are what a password must not be built from: the
// person's username, names and date of birth, and for a carer those of the
// person they care for too.
type PersonalDetails struct {
	Username     string
	Names        []string
	DatesOfBirth []time.Time
}

// words are the details as zxcvbn takes them, and as they are looked for in
// a password: lower case, names split into their parts, dates of birth
// written the ways people write them.
func (p PersonalDetails) words() []string {
	words := []string{strings.ToLower(p.Username)}
	for _, name := range p.Names {
		words = append(words, strings.Fields(strings.ToLower(name))...)
	}
	for _, dob := range p.DatesOfBirth {
		words = append(words, dob.Format("02012006"), dob.Format("020106"), dob.Format("20060102"), dob.Format("01022006"), dob.Format("212006"))
	}
	return words
}

// CheckNewPassword applies the password rules to a password someone chooses.
func CheckNewPassword(password string, person PersonalDetails) error {
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		return ErrPasswordEmpty
	case n < MinPasswordLength:
		return ErrPasswordShort
	case n > MaxPasswordLength:
		return ErrPasswordLong
	case isPersonal(password, person):
		return ErrPasswordPersonal
	case isCommonPassword(password):
		return ErrPasswordCommon
	case zxcvbn.PasswordStrength(password, person.words()).Score < minPasswordScore:
		return ErrPasswordWeak
	}
	return nil
}

// isPersonal reports whether the password contains any of the person's
// details of 3 characters or more, ignoring case, spaces and punctuation
// ("Amelia.Jones", "12/05/2014").
func isPersonal(password string, person PersonalDetails) bool {
	squashed := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, password)
	for _, word := range person.words() {
		word = strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, word)
		if utf8.RuneCountInString(word) >= 3 && strings.Contains(squashed, word) {
			return true
		}
	}
	return false
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
// It fails with ErrHashingBusy when the service is too busy hashing.
func HashPassword(ctx context.Context, password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	var key []byte
	err := withHashSlot(ctx, func() { key = argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen) })
	if err != nil {
		return "", err
	}
	return encodeHash(salt, key), nil
}

func encodeHash(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// CheckPassword reports whether password matches an encoded argon2id hash.
// An empty or malformed hash never matches. It fails with ErrHashingBusy
// when the service is too busy hashing.
func CheckPassword(ctx context.Context, encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, nil
	}
	var version int
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, nil
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false, nil
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, nil
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, nil
	}
	var got []byte
	err = withHashSlot(ctx, func() { got = argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want))) })
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is compared against when a username is unknown, so that a wrong
// username takes as long to refuse as a wrong password. Its key of zeros is
// what no password hashes to.
var dummyHash = encodeHash(make([]byte, argonSaltLen), make([]byte, argonKeyLen))

// WasteTimeCheckingPassword spends the time, and takes the turn, that a real
// password check takes.
func WasteTimeCheckingPassword(ctx context.Context, password string) error {
	_, err := CheckPassword(ctx, dummyHash, password)
	return err
}
