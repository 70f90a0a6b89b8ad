package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Kinds of attempt that are throttled separately.
const (
	AttemptSignIn          = "sign-in"
	AttemptActivation      = "activation"
	AttemptStaffActivation = "staff-activation"
)

// Guess limits. A guesser is slowed by the pair of account and address, or,
// on a browser that has signed in to the account before, by that device
// alone, so that strangers cannot lock the owner out. The per-account
// backstop catches guessing spread over many addresses; it is slower, and
// does not apply to the owner's known devices.
var (
	// LimitPerAccountAddress is for one account from one address, and for
	// one activation or access code from anywhere.
	LimitPerAccountAddress = Limit{Max: 5, Window: 15 * time.Minute}
	// LimitPerDevice is for one account from a browser it has signed in on.
	LimitPerDevice = Limit{Max: 5, Window: 15 * time.Minute}
	// LimitPerAddress is for one address across every account or code.
	LimitPerAddress = Limit{Max: 20, Window: 15 * time.Minute}
	// LimitPerAccount is the backstop for one account from unknown browsers
	// across every address.
	LimitPerAccount = Limit{Max: 50, Window: time.Hour}
)

// Limit is how many attempts may be made within a window.
type Limit struct {
	Max    int
	Window time.Duration
}

// AttemptCounter counts the attempts made against one key in the window
// that ends at ResetsAt.
type AttemptCounter struct {
	Key      string `gorm:"primaryKey"`
	Used     int
	ResetsAt time.Time
	// Account is the hashed username of the account the count is against,
	// or empty for counts against an address or a code alone, so that an
	// administrator can unlock an account without knowing where the
	// guesses came from.
	Account string
}

// Counter is one count an attempt is made against.
type Counter struct {
	key   string
	limit Limit
	// clearedBySuccess marks counts that a success starts again (the
	// account's or the code's own); the others only count failures, so a
	// success just gives its attempt back.
	clearedBySuccess bool
	account          string // the hashed username the count is against, if any
}

// accountKey is how counters name the account they count against.
func accountKey(username string) string { return counterKey(AttemptSignIn, "whose", username) }

// counterKey names a count without keeping what it counts: usernames and
// addresses come from the request and may hold anything, so only a hash of
// them is stored.
func counterKey(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

// SignInCounters are the counts a sign-in is made against. device is the
// nonce of a device cookie that names this username, or empty.
func SignInCounters(username, ip, device string) []Counter {
	account := accountKey(username)
	if device != "" {
		return []Counter{{key: counterKey(AttemptSignIn, "device", username, device), limit: LimitPerDevice, clearedBySuccess: true, account: account}}
	}
	return []Counter{
		{key: counterKey(AttemptSignIn, "account-address", username, ip), limit: LimitPerAccountAddress, clearedBySuccess: true, account: account},
		{key: counterKey(AttemptSignIn, "address", ip), limit: LimitPerAddress},
		{key: counterKey(AttemptSignIn, "account", username), limit: LimitPerAccount, account: account},
	}
}

// CodeCounters are the counts a guess at an activation or access code is
// made against: the code, so that one code cannot be tried against many
// dates of birth, and the address.
func CodeCounters(kind, code, ip string) []Counter {
	return []Counter{
		{key: counterKey(kind, "code", models.NormaliseActivationCode(code)), limit: LimitPerAccountAddress, clearedBySuccess: true},
		{key: counterKey(kind, "address", ip), limit: LimitPerAddress},
	}
}

// ReserveAttempt takes one attempt from every counter, or from none if any
// is used up, and reports whether the attempt may go ahead. It must be
// called before the secret is checked: each counter is taken by one
// conditional write that the database applies one at a time, so however
// many attempts arrive at once, no more than the limit go ahead.
func (s *Store) ReserveAttempt(ctx context.Context, counters []Counter) (bool, error) {
	// Always in the same order, so two attempts sharing counters wait for
	// each other instead of deadlocking.
	counters = slices.SortedFunc(slices.Values(counters), func(a, b Counter) int { return strings.Compare(a.key, b.key) })
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		for _, counter := range counters {
			taken, err := takeAttempt(tx, counter, now)
			if err != nil {
				return err
			}
			if !taken {
				return errUsedUp
			}
		}
		return nil
	})
	if errors.Is(err, errUsedUp) {
		return false, nil
	}
	return err == nil, err
}

// errUsedUp rolls back the attempts taken from other counters when one
// counter is used up.
var errUsedUp = errors.New("attempt counter used up")

// takeAttempt adds one to a counter that is under its limit, or starts it
// again at one when its window is over, creating it if need be. A counter
// at its limit is left alone, and no row is written.
func takeAttempt(tx *gorm.DB, counter Counter, now time.Time) (bool, error) {
	over := clause.Expr{SQL: "attempt_counters.resets_at <= ?", Vars: []any{now}}
	write := tx.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "key"}},
		DoUpdates: clause.Set{
			{Column: clause.Column{Name: "used"}, Value: clause.Expr{SQL: "CASE WHEN ? THEN 1 ELSE attempt_counters.used + 1 END", Vars: []any{over}}},
			{Column: clause.Column{Name: "resets_at"}, Value: clause.Expr{SQL: "CASE WHEN ? THEN ? ELSE attempt_counters.resets_at END", Vars: []any{over, now.Add(counter.limit.Window)}}},
		},
		Where: clause.Where{Exprs: []clause.Expression{clause.Or(
			clause.Expr{SQL: "attempt_counters.used < ?", Vars: []any{counter.limit.Max}}, over)}},
	}).Create(&AttemptCounter{Key: counter.key, Used: 1, ResetsAt: now.Add(counter.limit.Window), Account: counter.account})
	return write.RowsAffected == 1, write.Error
}

// AttemptSucceeded starts again the counts a success clears, and gives the
// attempt back to the others, so that they count only failures.
func (s *Store) AttemptSucceeded(ctx context.Context, counters []Counter) error {
	for _, counter := range counters {
		if counter.clearedBySuccess {
			if err := s.db.WithContext(ctx).Model(&AttemptCounter{}).Where("key = ?", counter.key).Update("used", 0).Error; err != nil {
				return err
			}
		} else if err := s.giveBack(ctx, counter); err != nil {
			return err
		}
	}
	return nil
}

// GiveBackAttempt returns a reserved attempt whose secret was never checked.
func (s *Store) GiveBackAttempt(ctx context.Context, counters []Counter) error {
	for _, counter := range counters {
		if err := s.giveBack(ctx, counter); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) giveBack(ctx context.Context, counter Counter) error {
	return s.db.WithContext(ctx).Model(&AttemptCounter{}).Where("key = ? AND used > 0", counter.key).
		Update("used", gorm.Expr("used - 1")).Error
}

// ForgetFinishedCounters removes counters whose window is over: a counter
// that is missing starts again just as one whose window is over does.
func (s *Store) ForgetFinishedCounters(ctx context.Context) error {
	return s.db.WithContext(ctx).Where("resets_at <= ?", s.now()).Delete(&AttemptCounter{}).Error
}

// AccountThrottled reports whether sign-ins to an account are being
// refused for too many wrong passwords: from some address or device, or
// from everywhere.
func (s *Store) AccountThrottled(ctx context.Context, username string) (bool, error) {
	username = models.NormaliseUsername(username)
	// The backstop against guesses from everywhere has a limit of its own;
	// an address's or a device's count against the account has the other.
	backstop := counterKey(AttemptSignIn, "account", username)
	var throttled int64
	err := s.db.WithContext(ctx).Model(&AttemptCounter{}).Where("account = ? AND resets_at > ?", accountKey(username), s.now()).
		Where("(key = ? AND used >= ?) OR (key <> ? AND used >= ?)", backstop, LimitPerAccount.Max,
			backstop, min(LimitPerAccountAddress.Max, LimitPerDevice.Max)).
		Count(&throttled).Error
	return throttled > 0, err
}

// UnlockAccount starts again every count of sign-in attempts against an
// account, wherever the attempts came from, so its owner can sign in at
// once. Counts against an address alone stay: they are not the account's.
func (s *Store) UnlockAccount(ctx context.Context, actor models.Actor, user *models.User) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&AttemptCounter{}).Where("account = ?", accountKey(models.NormaliseUsername(user.Username))).
			Update("used", 0).Error; err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditAccountUnlocked, PatientID: user.PatientID, TargetType: "user", TargetID: models.UintString(user.ID)})
	})
}

// PatientAccount is the account a patient the principal reaches signs in
// with.
func (s *Store) PatientAccount(ctx context.Context, principal *models.Principal, patient *models.Patient) (*models.User, error) {
	var user models.User
	err := s.db.WithContext(ctx).Where("patient_id = ?", patient.ID).Where(mayRead(principal, "users.patient_id")).Take(&user).Error
	return &user, notFound(err)
}
