package handlers_test

import (
	"net/http"
	"testing"
	"time"
)

func TestEmergencyAndPrintPages(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		today := time.Now().Format("2 January 2006")
		for _, role := range []string{"patient", "carer"} {
			b := s.browser(t)
			b.signIn(role)
			base := "/passport/" + ameliaRef
			r := b.get(base + "/emergency")
			mustStatus(t, r, http.StatusOK)
			mustContain(t, r, "Emergency information for Amelia Jones", `In an emergency, call <a href="tel:999">999</a>.`, "12 May 2014", "999 000 0018",
				"app-zone--red", "Red zone", "Salbutamol 100 micrograms", "Sam Jones (Parent)", base+"/emergency/print")
			r = b.get(base + "/emergency/print")
			mustContain(t, r, "Printed on "+today, "NHS number 999 000 0018", "Sign out")
			r = b.get(base + "/print")
			mustContain(t, r, "Health passport: Amelia Jones", "Green zone", "Amber zone", "Red zone", "Printed on "+today)
			mustStatus(t, b.get("/passport/"+oliverRef+"/emergency"), http.StatusForbidden)
			mustStatus(t, b.get("/passport/"+oliverRef+"/print"), http.StatusForbidden)
		}
		patient := s.browser(t)
		patient.signIn("patient")
		if r := patient.get("/emergency"); r.url != "/passport/"+ameliaRef+"/emergency" {
			t.Errorf("the patient's emergency link went to %s", r.url)
		}
		mustContain(t, patient.get("/passport"), `href="/emergency"`, "Emergency steps")
		nurse := s.browser(t)
		nurse.signIn("nurse")
		mustStatus(t, nurse.get("/passport/"+ameliaRef+"/emergency"), http.StatusForbidden)
	})
}
