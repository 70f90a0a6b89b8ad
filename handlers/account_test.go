package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/store"
)

func TestChangePasswordSignsOutEverywhereElse(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		home, library := s.browser(t), s.browser(t)
		home.signIn("patient")
		library.signIn("patient")
		for _, bad := range []url.Values{
			{},
			{"current-password": {"wrong"}, "new-password": {"orange bicycle lamp"}},
			{"current-password": {demoPassword}, "new-password": {"short"}},
			{"current-password": {demoPassword}, "new-password": {"password123!"}},
			{"current-password": {demoPassword}, "new-password": {demoPassword}},
		} {
			r := home.post("/account/password", bad)
			mustStatus(t, r, http.StatusUnprocessableEntity)
			mustContain(t, r, "There is a problem")
			if strings.Contains(r.body, demoPassword) || strings.Contains(r.body, "orange bicycle") {
				t.Error("a password was sent back")
			}
		}
		r := home.post("/account/password", url.Values{"current-password": {demoPassword}, "new-password": {"orange bicycle lamp"}})
		mustContain(t, r, "Your password has been changed")
		if r := library.get("/passport"); r.url != "/sign-in" {
			t.Errorf("the other device is still signed in: %s", r.url)
		}
		if r := home.get("/passport"); r.url != "/passport" {
			t.Error("changing the password signed this device out")
		}
		if r := s.browser(t).signIn("patient"); r.url == "/passport" {
			t.Error("the old password still works")
		}
		r = s.browser(t).post("/sign-in", url.Values{"username": {"patient"}, "password": {"orange bicycle lamp"}})
		if r.url != "/passport" {
			t.Errorf("the new password does not work: %s", r.url)
		}
		if s.auditCount("password.changed", "") != 1 {
			t.Error("the change was not audited")
		}
	})
}

// TestDevicesAreNamedWithTheirFirstAndLastUse: each device is named by its
// browser and system, with when it signed in and when it was last used,
// which is written down at most every few minutes, not on every page.
func TestDevicesAreNamedWithTheirFirstAndLastUse(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		phone, laptop := s.browser(t), s.browser(t)
		phone.userAgent = "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36"
		laptop.userAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"
		phone.signIn("carer")
		laptop.signIn("carer")
		r := laptop.get("/account/devices")
		mustContain(t, r, "Samsung Internet on Android", "Firefox on Windows", "This device", "First signed in", "Last used")

		var device models.Device
		if err := s.db.Take(&device, "token = ?", phone.sessionCookie()).Error; err != nil {
			t.Fatal(err)
		}
		// Used again within a few minutes: nothing is written.
		lastWeek := time.Date(2026, 3, 2, 14, 30, 0, 0, time.UTC)
		s.db.Model(&models.Device{}).Where("id = ?", device.ID).Update("last_seen_at", lastWeek)
		phone.get("/people")
		s.db.Take(&device, device.ID)
		if !device.LastSeenAt.Equal(lastWeek) {
			t.Errorf("a device used again within %v was written down as last used %v", models.DeviceSeenResolution, device.LastSeenAt)
		}
		mustContain(t, laptop.get("/account/devices"), "Last used 2 March 2026 at 2:30pm")

		// Used after a few minutes: the time is written down.
		ageDeviceSeen(t, s, phone.sessionCookie(), models.DeviceSeenResolution+time.Minute)
		before := time.Now().Add(-time.Second)
		phone.get("/people")
		s.db.Take(&device, device.ID)
		if device.LastSeenAt.Before(before) {
			t.Errorf("a device used after %v still says it was last used %v", models.DeviceSeenResolution, device.LastSeenAt)
		}
	})
}

// ageDeviceSeen makes a session's device look as if its use was last
// written down that long ago.
func ageDeviceSeen(t *testing.T, s *testServer, token string, ago time.Duration) {
	t.Helper()
	var session models.Session
	if err := s.db.First(&session, "token = ?", token).Error; err != nil {
		t.Fatal(err)
	}
	deadline, values, err := store.SessionCodec{}.Decode(session.Data)
	if err != nil {
		t.Fatal(err)
	}
	values["device_seen"] = time.Now().Add(-ago).Unix()
	data, err := store.SessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	s.db.Model(&models.Session{}).Where("token = ?", token).Update("data", data)
}

func TestSeeAndSignOutDevices(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		kiosk, phone := s.browser(t), s.browser(t)
		kiosk.signIn("carer")
		phone.signIn("carer")
		other := s.browser(t)
		other.signIn("patient")
		r := phone.get("/account/devices")
		mustContain(t, r, "This device", "First signed in", "Last used", "Sign out everywhere else")
		var devices []models.Device
		carer, _ := s.store.UserByUsername(t.Context(), "carer")
		s.db.Where("user_id = ?", carer.ID).Order("id").Find(&devices)
		if len(devices) != 2 {
			t.Fatalf("%d devices recorded; want 2", len(devices))
		}
		// The phone signs the kiosk out.
		phone.post(fmt.Sprintf("/account/devices/%d/sign-out", devices[0].ID), url.Values{})
		if r := kiosk.get("/people"); r.url != "/sign-in" {
			t.Errorf("the kiosk is still signed in: %s", r.url)
		}
		if r := phone.get("/people"); r.url != "/people" {
			t.Error("the phone was signed out too")
		}
		// Nobody signs out someone else's device.
		var patientDevice models.Device
		patient, _ := s.store.UserByUsername(t.Context(), "patient")
		s.db.First(&patientDevice, "user_id = ?", patient.ID)
		mustStatus(t, phone.post(fmt.Sprintf("/account/devices/%d/sign-out", patientDevice.ID), url.Values{}), http.StatusNotFound)
		if r := other.get("/passport"); r.url != "/passport" {
			t.Error("another person's device was signed out")
		}
		// Signing out forgets the device.
		other.post("/sign-out", url.Values{})
		var n int64
		s.db.Model(&models.Device{}).Where("user_id = ?", patient.ID).Count(&n)
		if n != 0 {
			t.Error("a signed-out device is still listed")
		}
	})
}
