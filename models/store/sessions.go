package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"healthpassport/models"

	"github.com/alexedwards/scs/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SessionStore keeps scs sessions in the database, so that every instance
// of the app shares them and signing out ends a session everywhere.
type SessionStore struct {
	db *gorm.DB
}

func NewSessionStore(db *gorm.DB) *SessionStore { return &SessionStore{db: db} }

// Find returns the data of an unexpired session.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	var session models.Session
	err := s.db.Where("token = ? AND expiry > ?", token, time.Now().UTC()).First(&session).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return session.Data, true, nil
}

// FindCtx is Find for a request readied by PrefetchSignedIn: the same
// statement that reads the session reads the person it is signed in as,
// for SignedInPrincipal, sparing every signed-in page a round trip to the
// database. The device and account are checked in that statement, so
// ending a session elsewhere still ends it at the next request.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	holder, ok := ctx.Value(prefetchKey{}).(*prefetchedSignIn)
	if !ok {
		return s.Find(token)
	}
	var row struct {
		SessionToken string
		SessionData  []byte
		SignedIn     signedInRow `gorm:"embedded"`
	}
	// Find, not Scan: Scan writes out every statement with its values
	// for its logger, whether or not anything is logged.
	if err := s.db.WithContext(ctx).Raw(sessionQuery(), false, token, time.Now().UTC()).Find(&row).Error; err != nil {
		return nil, false, err
	}
	if row.SessionToken == "" {
		return nil, false, nil
	}
	holder.token, holder.row = token, row.SignedIn
	return row.SessionData, true, nil
}

type prefetchKey struct{}

// prefetchedSignIn is who a request's session is signed in as, read with
// the session: row.User.ID is 0 when no one is, or their account is
// disabled or the session is no longer one of their devices.
type prefetchedSignIn struct {
	token string
	row   signedInRow
}

// PrefetchSignedIn readies a request so that loading its session also
// loads whoever it is signed in as.
func PrefetchSignedIn(ctx context.Context) context.Context {
	return context.WithValue(ctx, prefetchKey{}, &prefetchedSignIn{})
}

// prefetched is the person read with the session of the token, if this
// request read it.
func prefetched(ctx context.Context, token string) (signedInRow, bool) {
	p, ok := ctx.Value(prefetchKey{}).(*prefetchedSignIn)
	if !ok || token == "" || p.token != token {
		return signedInRow{}, false
	}
	return p.row, true
}

// sessionQuery reads a session with the person signed in on it: the
// columns of signedInQuery, joined through the device the session is.
var sessionQuery = sync.OnceValue(func() string {
	return "SELECT sessions.token AS session_token, sessions.data AS session_data, " + signedInColumns() +
		" FROM sessions LEFT JOIN devices ON devices.token = sessions.token" +
		" LEFT JOIN users ON users.id = devices.user_id AND users.disabled = ?" +
		" LEFT JOIN patients ON patients.id = users.patient_id" +
		" LEFT JOIN organisations ON organisations.id = patients.practice_id" +
		" WHERE sessions.token = ? AND sessions.expiry > ?"
})

// Commit adds or replaces a session.
func (s *SessionStore) Commit(token string, data []byte, expiry time.Time) error {
	return s.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "token"}},
		DoUpdates: clause.AssignmentColumns([]string{"data", "expiry"}),
	}).Create(&models.Session{Token: token, Data: data, Expiry: expiry.UTC()}).Error
}

// Delete removes a session.
func (s *SessionStore) Delete(token string) error {
	return s.db.Where("token = ?", token).Delete(&models.Session{}).Error
}

// DeleteExpired removes sessions that can no longer be used.
func (s *SessionStore) DeleteExpired() error {
	return s.db.Where("expiry <= ?", time.Now().UTC()).Delete(&models.Session{}).Error
}

// SessionCodec writes a session's values as JSON, each with its Go type,
// and reads them back: a session is read on every request, and scs's
// default gob encoding works out the types of every session anew each
// time, which cost as much as the session's query. Sessions hold only
// numbers and text.
type SessionCodec struct{}

type encodedSession struct {
	Deadline time.Time               `json:"deadline"`
	Values   map[string]sessionValue `json:"values"`
}

// sessionValue is one value, in the field of its type.
type sessionValue struct {
	Int    *int    `json:"int,omitempty"`
	Int64  *int64  `json:"int64,omitempty"`
	String *string `json:"string,omitempty"`
	Bool   *bool   `json:"bool,omitempty"`
}

func (SessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	session := encodedSession{Deadline: deadline, Values: make(map[string]sessionValue, len(values))}
	for key, value := range values {
		switch v := value.(type) {
		case int:
			session.Values[key] = sessionValue{Int: &v}
		case int64:
			session.Values[key] = sessionValue{Int64: &v}
		case string:
			session.Values[key] = sessionValue{String: &v}
		case bool:
			session.Values[key] = sessionValue{Bool: &v}
		default:
			return nil, fmt.Errorf("a session cannot hold %q, a %T", key, value)
		}
	}
	return json.Marshal(session)
}

func (SessionCodec) Decode(data []byte) (time.Time, map[string]any, error) {
	// Sessions saved before sessions were JSON are gob: they last 12
	// hours at most, so this reading of them can go after one release.
	if len(data) > 0 && data[0] != '{' {
		return scs.GobCodec{}.Decode(data)
	}
	var session encodedSession
	if err := json.Unmarshal(data, &session); err != nil {
		return time.Time{}, nil, err
	}
	values := make(map[string]any, len(session.Values))
	for key, value := range session.Values {
		switch {
		case value.Int != nil:
			values[key] = *value.Int
		case value.Int64 != nil:
			values[key] = *value.Int64
		case value.String != nil:
			values[key] = *value.String
		case value.Bool != nil:
			values[key] = *value.Bool
		default:
			return time.Time{}, nil, fmt.Errorf("session value %q has no type", key)
		}
	}
	return session.Deadline, values, nil
}
