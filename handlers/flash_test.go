package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
)

const successBanner = `class="nhsuk-notification-banner nhsuk-notification-banner--success" role="alert"`

// mustFlash checks that the page a save landed on says what it did, and
// that the message is shown once only.
func (b *browser) mustFlash(r response, message string) {
	b.t.Helper()
	mustStatus(b.t, r, http.StatusOK)
	mustContain(b.t, r, successBanner, message)
	if again := b.get(r.url); strings.Contains(again.body, successBanner) {
		b.t.Errorf("%s shows the message %q again", r.url, message)
	}
}

// TestEverySaveSaysWhatItDid goes through each kind of save, by the
// person who makes it.
func TestEverySaveSaysWhatItDid(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		nurse := s.browser(t)
		nurse.signIn("nurse")
		oliver := "/patients/" + oliverRef
		today := time.Now()
		next := today.AddDate(0, 6, 0)

		nurse.mustFlash(nurse.post(oliver+"/details", url.Values{"practice": {fmt.Sprint(s.patient(t, oliverRef).PracticeID)}}),
			"Oliver Smith's details saved")
		nurse.mustFlash(nurse.post(oliver+"/reviews", reviewForm(today, next, models.OutcomeNoChange)),
			"Review recorded. Next review: "+formatDate(next))
		nurse.mustFlash(nurse.post(oliver+"/carers", url.Values{"who": {"existing"}, "username": {"carer"}, "relationship": {"Parent"}, "permission": {"view"}}),
			"carer linked as a carer for Oliver Smith")
		nurse.mustFlash(nurse.post(oliver+"/carers", url.Values{"who": {"new"}, "carer-name": {"Grace Smith"}, "relationship": {"Partner"}, "permission": {"act"}}),
			"Grace Smith linked as a carer for Oliver Smith. Print their activation letter now")
		var link models.CarerLink
		s.db.Order("id DESC").First(&link)
		nurse.mustFlash(nurse.post(fmt.Sprintf("%s/carers/%d/revoke", oliver, link.ID), url.Values{}),
			"Grace Smith is no longer a carer for Oliver Smith")

		asthma := s.template(t, "asthma")
		form := asthmaPlan("400")
		form.Set("template", fmt.Sprint(asthma.ID))
		form.Set("intent", models.VersionDraft)
		r := nurse.post(oliver+"/plans", form)
		nurse.mustFlash(r, "Asthma plan saved as draft version 1")
		form = asthmaPlan("450")
		form.Set("base", "1")
		nurse.mustFlash(nurse.post(r.url, form), "Asthma plan published as version 2")

		var request models.PrescriptionRequest
		s.db.First(&request)
		nurse.mustFlash(nurse.post(fmt.Sprintf("/queues/prescriptions/%d", request.ID), url.Values{"decision": {"approve"}}),
			request.Medicine+" approved")
		var alert models.Alert
		s.db.First(&alert)
		nurse.mustFlash(nurse.post(fmt.Sprintf("/queues/alerts/%d", alert.ID), url.Values{fmt.Sprintf("note-%d", alert.ID): {"Phoned Amelia's dad."}}),
			"Alert acknowledged")

		patient := s.browser(t)
		patient.signIn("patient")
		amelia := "/passport/" + ameliaRef
		patient.mustFlash(patient.post(amelia+"/readings/peak-flow", url.Values{"litres": {"290"}}), "Peak flow reading saved")
		var plan models.ActionPlan
		s.db.First(&plan, "patient_id = ?", s.patient(t, ameliaRef).ID)
		patient.mustFlash(patient.post(amelia+"/readings/symptoms", url.Values{"plan": {fmt.Sprint(plan.ID)}, "q0": {"no"}, "q1": {"no"}, "q2": {"no"}, "q3": {"no"}, "unplanned-care": {"none"}, "rcp0": {"no"}, "rcp1": {"no"}, "rcp2": {"no"}}),
			"Asthma check-in saved")
		patient.mustFlash(patient.post(amelia+"/prescriptions", url.Values{"medicine": {fmt.Sprintf("%d:Clenil Modulite 100 micrograms", plan.ID)}}),
			"Repeat prescription asked for: Clenil Modulite 100 micrograms")
		patient.mustFlash(patient.post(amelia+"/shares", url.Values{"recipient": {"Riverside Primary School"}, "days": {"7"}}),
			"Access code made for Riverside Primary School")
		var share models.Share
		s.db.First(&share)
		patient.mustFlash(patient.post(fmt.Sprintf("%s/shares/%d/revoke", amelia, share.ID), url.Values{}),
			"Riverside Primary School can no longer see the emergency page")
		patient.mustFlash(patient.post("/feedback", url.Values{"score": {"5"}}), "Thank you for your feedback")
		patient.mustFlash(patient.post("/account/devices/others/sign-out", url.Values{}), "You have been signed out on every other device")
		patient.mustFlash(patient.post("/account/password", url.Values{"current-password": {demoPassword}, "new-password": {"orange bicycle lamp"}}),
			"Your password has been changed. We have signed you out everywhere else")
	})
}

// TestRemovingACarerAsksFirst: the record links to a page that asks, which
// names the carer, sends the removal, or goes back with nothing changed.
func TestRemovingACarerAsksFirst(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		var link models.CarerLink
		s.db.First(&link, "patient_id = ?", s.patient(t, ameliaRef).ID)
		record := "/patients/" + ameliaRef
		confirm := fmt.Sprintf("%s/carers/%d/revoke", record, link.ID)
		nurse := s.browser(t)
		nurse.signIn("nurse")
		mustContain(t, nurse.get(record), `href="`+confirm+`">Remove<span class="nhsuk-u-visually-hidden"> Sam Jones as carer</span></a>`)
		r := nurse.get(confirm)
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "<h1>Remove Sam Jones as a carer?</h1>", `action="`+confirm+`" method="post"`,
			`<a href="`+record+`">Cancel and keep Sam Jones as a carer</a>`)
		if s.auditCount("carer.revoked", "") != 0 {
			t.Fatal("asking removed the carer")
		}
		if r := s.browser(t).get(confirm); r.url != "/sign-in" {
			t.Errorf("someone signed out was shown %s", r.url)
		}
		nurse.post(confirm, url.Values{})
		if s.auditCount("carer.revoked", "") != 1 {
			t.Error("the carer was not removed")
		}
		mustStatus(t, nurse.get(confirm), http.StatusNotFound)
	})
}

// TestStoppingAShareAsksFirst: the sharing page links to a page that asks,
// which names who the share is with, stops it, or goes back.
func TestStoppingAShareAsksFirst(t *testing.T) {
	eachServer(t, func(t *testing.T, s *testServer) {
		base := "/passport/" + ameliaRef
		carer := s.browser(t)
		carer.signIn("carer")
		carer.post(base+"/shares", url.Values{"recipient": {"Swimming club"}, "days": {"7"}})
		var share models.Share
		s.db.First(&share)
		confirm := fmt.Sprintf("%s/shares/%d/revoke", base, share.ID)
		mustContain(t, carer.get(base+"/shares"), `href="`+confirm+`">Stop sharing<span class="nhsuk-u-visually-hidden"> with Swimming club</span></a>`)
		r := carer.get(confirm)
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "<h1>Stop sharing with Swimming club?</h1>", "Swimming club will not be able to see Amelia's emergency page any more",
			`action="`+confirm+`" method="post"`, `<a href="`+base+`/shares">Cancel and keep sharing</a>`)
		if s.auditCount("share.revoked", "") != 0 {
			t.Fatal("asking stopped the share")
		}
		carer.post(confirm, url.Values{})
		if s.auditCount("share.revoked", "") != 1 {
			t.Error("the share did not stop")
		}
		mustStatus(t, carer.get(confirm), http.StatusNotFound)
	})
}
