package handlers_test

import (
	"testing"
	"time"

	"healthpassport/handlers"
	"healthpassport/models"

	"github.com/alexedwards/scs/v2"
)

// walkAway moves a session back in time, as if the person had left the
// computer for a while: their last activity, and the session's expiry and
// deadline as the session store holds them.
func walkAway(t *testing.T, s *testServer, token string, away time.Duration) {
	t.Helper()
	var session models.Session
	if err := s.db.First(&session, "token = ?", token).Error; err != nil {
		t.Fatal(err)
	}
	deadline, values, err := scs.GobCodec{}.Decode(session.Data)
	if err != nil {
		t.Fatal(err)
	}
	values["last_seen"] = values["last_seen"].(int64) - int64(away.Seconds())
	data, err := scs.GobCodec{}.Encode(deadline.Add(-away), values)
	if err != nil {
		t.Fatal(err)
	}
	s.db.Model(&models.Session{}).Where("token = ?", token).
		Updates(map[string]any{"data": data, "expiry": session.Expiry.Add(-away)})
}

func TestIdleStaffAndReadersAreToldWhyTheyWereSignedOut(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		for _, who := range []struct{ username, home string }{{"nurse", "/caseload"}, {"patient", "/passport"}} {
			b := s.browser(t)
			b.signIn(who.username)
			walkAway(t, s, b.sessionCookie(), handlers.StaffIdleTimeout+time.Minute)
			r := b.get(who.home)
			if r.url != "/signed-out" {
				t.Errorf("idle %s was sent to %s", who.username, r.url)
				continue
			}
			mustContain(t, r, "We signed you out because you had not done anything for a while.")
			if r := b.get(who.home); r.url != "/sign-in" {
				t.Errorf("idle %s's session still opens %s", who.username, r.url)
			}
		}
	})
}
