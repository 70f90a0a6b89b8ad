package models

import "time"

// Kinds of attempt that are throttled separately.
const (
	AttemptSignIn     = "sign-in"
	AttemptActivation = "activation"
)

// Throttle limits: failures allowed within ThrottleWindow for one username,
// and for one network address across all usernames.
const (
	ThrottleWindow        = 15 * time.Minute
	MaxFailuresPerAccount = 5
	MaxFailuresPerAddress = 20
)

// RecordAttempt notes a sign-in or activation attempt.
func (s *Store) RecordAttempt(kind, username, ip string, succeeded bool) error {
	return s.db.Create(&SignInAttempt{Kind: kind, Username: truncate(username, 64), IPAddress: truncate(ip, 64),
		Succeeded: succeeded, CreatedAt: s.now()}).Error
}

// Throttled reports whether more attempts must be refused for now, because
// the account or the address has failed too often within the window.
// A success for the account clears its count.
func (s *Store) Throttled(kind, username, ip string) (bool, error) {
	since := s.now().Add(-ThrottleWindow)
	if username != "" {
		var lastSuccess SignInAttempt
		q := s.db.Where("kind = ? AND username = ? AND succeeded = ? AND created_at > ?", kind, username, true, since).
			Order("id DESC").Limit(1).Find(&lastSuccess)
		if q.Error != nil {
			return false, q.Error
		}
		accountSince := since
		if lastSuccess.ID != 0 {
			accountSince = lastSuccess.CreatedAt
		}
		var n int64
		if err := s.db.Model(&SignInAttempt{}).Where("kind = ? AND username = ? AND succeeded = ? AND created_at > ?",
			kind, username, false, accountSince).Count(&n).Error; err != nil {
			return false, err
		}
		if n >= MaxFailuresPerAccount {
			return true, nil
		}
	}
	var n int64
	if err := s.db.Model(&SignInAttempt{}).Where("kind = ? AND ip_address = ? AND succeeded = ? AND created_at > ?",
		kind, ip, false, since).Count(&n).Error; err != nil {
		return false, err
	}
	return n >= MaxFailuresPerAddress, nil
}

// ForgetAttemptsBefore removes attempts too old to matter.
func (s *Store) ForgetAttemptsBefore(t time.Time) error {
	return s.db.Where("created_at < ?", t).Delete(&SignInAttempt{}).Error
}
