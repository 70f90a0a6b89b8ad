package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"healthpassport/models"
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

func TestSeeAndSignOutDevices(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		kiosk, phone := s.browser(t), s.browser(t)
		kiosk.signIn("carer")
		phone.signIn("carer")
		other := s.browser(t)
		other.signIn("patient")
		r := phone.get("/account/devices")
		mustContain(t, r, "This device", "Signed in on", "Sign out everywhere else")
		var devices []models.Device
		carer, _ := s.store.UserByUsername("carer")
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
		patient, _ := s.store.UserByUsername("patient")
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
