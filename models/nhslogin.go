package models

import (
	"errors"
	"time"
)

// NHSLoginIdentity links a person's NHS login to their account.
type NHSLoginIdentity struct {
	ID        uint
	Subject   string // NHS login's lasting identifier for the person
	UserID    uint
	CreatedAt time.Time
}

// Why an NHS login cannot be linked.
var (
	// ErrNHSLoginNoMatch means no registered patient has both the NHS
	// number and the date of birth NHS login gave.
	ErrNHSLoginNoMatch = errors.New("no patient has that NHS number and date of birth")
	// ErrNHSLoginNoAccount means the patient matched but has not set up
	// their account with the clinic's letter yet.
	ErrNHSLoginNoAccount = errors.New("the patient has not set up their account")
	// ErrNHSLoginTaken means the NHS login is linked to another account,
	// or the account to another NHS login.
	ErrNHSLoginTaken = errors.New("already linked")
)
