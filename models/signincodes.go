package models

import (
	"time"
)

// SignInCode is a one-time code sent to the mobile number or email address
// a person has confirmed, so that they can sign in when they have
// forgotten their password or strangers' guesses have used up their
// account's sign-in attempts. It belongs to the browser that asked for it:
// Request is a hash of a random value kept in that browser's session, so a
// stranger who asks for codes guesses at their own, never at the owner's.
// Only a hash of the code is kept.
type SignInCode struct {
	ID        uint
	UserID    uint
	Request   string
	CodeHash  string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// SignInCodeLifetime is how long a code to sign in works.
const SignInCodeLifetime = 10 * time.Minute
