package store

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
)

// Codes to sign in have limits of their own, apart from passwords', so that
// guessing passwords never stops the owner getting in with a code.
var (
	// LimitSignInCodeGuesses is for one code, from the browser it was sent for.
	LimitSignInCodeGuesses = Limit{Max: 5, Window: models.SignInCodeLifetime}
	// LimitSignInCodeGuessesPerAccount bounds every guess at an account's
	// codes: as many as the codes it may be sent allow.
	LimitSignInCodeGuessesPerAccount = Limit{Max: 25, Window: time.Hour}
	// LimitSignInCodesSent is how many codes one account may be sent, so
	// that nobody can send a stranger's phone a stream of messages.
	LimitSignInCodesSent = Limit{Max: 5, Window: time.Hour}
)

// SignInCodeCounters are the counts a guess at a code to sign in is made
// against: the code asked for by this browser, the account and the address.
func SignInCodeCounters(username, request, ip string) []Counter {
	return []Counter{
		{key: counterKey("sign-in-code", "request", request), limit: LimitSignInCodeGuesses, clearedBySuccess: true},
		{key: counterKey("sign-in-code", "account", models.NormaliseUsername(username)), limit: LimitSignInCodeGuessesPerAccount},
		{key: counterKey("sign-in-code", "address", ip), limit: LimitPerAddress},
	}
}

// signInCodeAsked is the count of codes asked for from an address, for any
// username, real or not.
func signInCodeAsked(ip string) []Counter {
	return []Counter{{key: counterKey("sign-in-code", "asked", ip), limit: LimitPerAddress}}
}

// signInCodesSent is the count of codes sent to one account.
func signInCodesSent(userID uint) []Counter {
	return []Counter{{key: counterKey("sign-in-code", "sent", models.UintString(userID)), limit: LimitSignInCodesSent}}
}

func hashSignInRequest(request string) string {
	sum := sha256.Sum256([]byte("sign-in-request:" + request))
	return hex.EncodeToString(sum[:])
}

func hashSignInCode(userID uint, request, code string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{"sign-in-code", models.UintString(userID), request, code}, "\x00")))
	return hex.EncodeToString(sum[:])
}

// SendSignInCode sends a new code to sign in to the confirmed number or
// address of the account with this username, for the browser whose
// session holds request. It answers the same whether or not the account
// exists, has a confirmed number or address, or has been sent too many
// codes lately, so that nobody learns from it who has an account; only too
// many asks from one address are refused, for every username alike.
func (s *Store) SendSignInCode(ctx context.Context, actor models.Actor, username, request string) error {
	allowed, err := s.ReserveAttempt(ctx, signInCodeAsked(actor.IPAddress))
	if err != nil {
		return err
	}
	if !allowed {
		return models.ErrTooManyCodes
	}
	user, err := s.UserByUsername(ctx, username)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	pref, err := s.PreferencesOf(ctx, user.ID)
	if err != nil {
		return err
	}
	channel, destination, ok := pref.SignInContact()
	if !ok {
		return nil
	}
	if allowed, err := s.ReserveAttempt(ctx, signInCodesSent(user.ID)); err != nil || !allowed {
		return err
	}
	code := newSecurityCode()
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ? AND expires_at <= ?", user.ID, now).Delete(&models.SignInCode{}).Error; err != nil {
			return err
		}
		if err := tx.Create(&models.SignInCode{UserID: user.ID, Request: hashSignInRequest(request), CodeHash: hashSignInCode(user.ID, request, code),
			ExpiresAt: now.Add(models.SignInCodeLifetime), CreatedAt: now}).Error; err != nil {
			return err
		}
		message := models.Notification{Key: "sign-in-code:" + models.UintString(user.ID) + ":" + models.RandomToken(12), UserID: &user.ID,
			OrganisationID: organisationOf(tx, user), Kind: models.MessageSecurityCode, Channel: channel, Destination: destination,
			RecipientName: user.DisplayName, Body: models.SignInCodeText(code), Urgent: true}
		if err := s.queueMessage(tx, &message); err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditSignInCodeSent, PatientID: user.PatientID, TargetType: "user",
			TargetID: user.Username, Detail: models.MaskDestination(channel, destination)})
	})
}

// SignInWithCode takes a code typed in the browser whose session holds
// request. The attempt is reserved against the code, the account and the
// address before the code is compared, so however many guesses arrive at
// once no more than the limits are checked. A right code that has not
// expired is used up, with every other code of the account, and the
// account is returned for the browser to be signed in.
func (s *Store) SignInWithCode(ctx context.Context, actor models.Actor, username, request, code string) (*models.User, error) {
	counters := SignInCodeCounters(username, request, actor.IPAddress)
	allowed, err := s.ReserveAttempt(ctx, counters)
	if err != nil {
		return nil, err
	}
	if !allowed {
		return nil, models.ErrTooManyCodes
	}
	user, err := s.UserByUsername(ctx, username)
	if errors.Is(err, models.ErrNotFound) {
		return nil, models.ErrWrongCode
	}
	if err != nil {
		return nil, err
	}
	var sent models.SignInCode
	err = s.db.WithContext(ctx).Where("user_id = ? AND request = ? AND expires_at > ?", user.ID, hashSignInRequest(request), s.now()).
		Take(&sent).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil &&
		subtle.ConstantTimeCompare([]byte(sent.CodeHash), []byte(hashSignInCode(user.ID, request, code))) != 1) {
		if err := s.Audit(ctx, actor, models.AuditEntry{Action: models.AuditSignInCodeFailed, PatientID: user.PatientID,
			TargetType: "user", TargetID: user.Username}); err != nil {
			return nil, err
		}
		return nil, models.ErrWrongCode
	}
	if err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Used once: of two requests with the same code, one deletes it.
		used := tx.Where("id = ? AND code_hash = ?", sent.ID, sent.CodeHash).Delete(&models.SignInCode{})
		if used.Error != nil {
			return used.Error
		}
		if used.RowsAffected != 1 {
			return models.ErrWrongCode
		}
		if err := tx.Where("user_id = ?", user.ID).Delete(&models.SignInCode{}).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditSignInWithCode, PatientID: user.PatientID, TargetType: "user", TargetID: user.Username})
	})
	if err != nil {
		return nil, err
	}
	return user, s.AttemptSucceeded(ctx, counters)
}
