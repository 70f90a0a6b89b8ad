package store_test

import (
	"bytes"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"

	"gorm.io/gorm"
)

var signInCodeText = regexp.MustCompile(`code to sign in is (\d{6})`)

// A code is kept only as a hash, works once, only for the browser that
// asked for it, and only for ten minutes.
func TestSignInCodeIsUsedOnceAndExpires(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		carer := user(t, st, "carer")
		checked := time.Now()
		if err := db.Save(&models.NotificationPreference{UserID: carer.ID, Channel: models.ChannelSMS, Phone: "07700 900982",
			PhoneVerifiedAt: &checked, UpdatedAt: checked}).Error; err != nil {
			t.Fatal(err)
		}
		actor := models.Actor{IPAddress: "192.0.2.1"}
		sent := func(request string) string {
			t.Helper()
			if err := st.SendSignInCode(t.Context(), actor, "carer", request); err != nil {
				t.Fatal(err)
			}
			var message models.Notification
			if err := db.Where("user_id = ?", carer.ID).Order("id DESC").Take(&message).Error; err != nil {
				t.Fatal(err)
			}
			return signInCodeText.FindStringSubmatch(message.Body)[1]
		}

		code := sent("first-browser")
		var kept models.SignInCode
		db.Where("user_id = ?", carer.ID).Take(&kept)
		if strings.Contains(kept.CodeHash, code) || strings.Contains(kept.Request, "first-browser") {
			t.Errorf("the code or the browser's value is kept as it is: %+v", kept)
		}
		if _, err := st.SignInWithCode(t.Context(), actor, "carer", "another-browser", code); !errors.Is(err, models.ErrWrongCode) {
			t.Errorf("the code worked in another browser: %v", err)
		}
		if signedIn, err := st.SignInWithCode(t.Context(), actor, "carer", "first-browser", code); err != nil || signedIn.ID != carer.ID {
			t.Fatalf("the right code: %v", err)
		}
		if _, err := st.SignInWithCode(t.Context(), actor, "carer", "first-browser", code); !errors.Is(err, models.ErrWrongCode) {
			t.Errorf("the code worked twice: %v", err)
		}

		code = sent("second-browser")
		st.SetClock(func() time.Time { return time.Now().Add(models.SignInCodeLifetime + time.Second) })
		if _, err := st.SignInWithCode(t.Context(), actor, "carer", "second-browser", code); !errors.Is(err, models.ErrWrongCode) {
			t.Errorf("an expired code worked: %v", err)
		}
	})
}

// Without a Notify key the demo writes each message to the log, so that
// whoever tries it can read the codes.
func TestDemoLogsKeptMessages(t *testing.T) {
	db := modelstest.Open(t, "sqlite")
	st := demoStore(t, db)
	st.LogKeptMessages()
	var logged bytes.Buffer
	previous := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, nil)))
	t.Cleanup(func() { slog.SetDefault(previous) })
	message := models.Notification{Key: "test:demo", Kind: models.MessageSecurityCode, Channel: models.ChannelSMS,
		Destination: "07700 900982", Body: models.SignInCodeText("123456"), Status: models.MessageQueued, SendAfter: time.Now(), CreatedAt: time.Now()}
	if err := db.Create(&message).Error; err != nil {
		t.Fatal(err)
	}
	if err := st.SendMessage(t.Context(), message.ID, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logged.String(), "code to sign in is 123456") || !strings.Contains(logged.String(), "Mobile ending 982") {
		t.Errorf("log %q", logged.String())
	}
}
