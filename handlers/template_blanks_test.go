package handlers_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"healthpassport/models"
	"healthpassport/models/fhirmap"
)

// templateBlank is wording a template leaves for a plan to fill in: a
// {word} placeholder, or a nurse's blank as a template's preview shows it.
var templateBlank = regexp.MustCompile(`\{[A-Za-z_]+\}|\[the nurse writes:`)

// blankFinder collects every text that leaves the service and reports any
// that still carries a template blank, naming where it was found.
type blankFinder struct {
	t       *testing.T
	checked int
}

func (f *blankFinder) check(where, text string) {
	f.t.Helper()
	f.checked++
	if blank := templateBlank.FindString(text); blank != "" {
		at := strings.Index(text, blank)
		f.t.Errorf("%s carries the template blank %q: …%s…", where, blank, text[max(at-60, 0):min(at+len(blank)+20, len(text))])
	}
}

// TestNoTextThatLeavesTheServiceCarriesATemplateBlank walks everything the
// demo population's records are sent out as: every FHIR search, read,
// version history and version read for every patient of every practice,
// the resources they refer to, every bulk export file, the download of
// everything held, the passport pages, and every message, letter and
// webhook the service keeps. None may say {amber} where the page says 240.
func TestNoTextThatLeavesTheServiceCarriesATemplateBlank(t *testing.T) {
	eachExportServer(t, func(t *testing.T, s *exportServer) {
		found := &blankFinder{t: t}
		s.startExports(t)
		var practices []models.Organisation
		s.db.Where("kind = ?", models.OrganisationPractice).Order("id").Find(&practices)
		if len(practices) < 2 {
			t.Fatalf("the demo has %d practices", len(practices))
		}
		carePlans := 0
		for _, practice := range practices {
			token := s.token(t, s.registerClient(t, practice.ODSCode, allScopes()...), strings.Join(allScopes(), " "))
			read := func(path string) fhirAnswer {
				answer := s.fhir(t, token, path)
				raw, _ := json.Marshal(answer.body)
				found.check(practice.ODSCode+" "+path, string(raw))
				return answer
			}
			referred := map[string]bool{}
			var refs []string
			s.db.Model(&models.Patient{}).Where("practice_id = ?", practice.ID).Order("id").Pluck("ref", &refs)
			for _, ref := range refs {
				read("Patient/"+ref).must(t, http.StatusOK, "Patient")
				for _, resourceType := range []string{"Condition", "CarePlan", "MedicationStatement", "RelatedPerson", "Observation"} {
					for _, resource := range read(resourceType+"?patient="+ref).must(t, http.StatusOK, "Bundle").entries() {
						raw, _ := json.Marshal(resource)
						for _, reference := range regexp.MustCompile(`"reference":"((?:Practitioner|Organization)/[^"]+)"`).FindAllStringSubmatch(string(raw), -1) {
							referred[reference[1]] = true
						}
						if resourceType != "CarePlan" {
							continue
						}
						carePlans++
						id := resource["id"].(string)
						for _, version := range read("CarePlan/"+id+"/_history").must(t, http.StatusOK, "Bundle").entries() {
							read("CarePlan/"+id+"/_history/"+version["meta"].(map[string]any)["versionId"].(string)).must(t, http.StatusOK, "CarePlan")
						}
					}
				}
			}
			for reference := range referred {
				read(reference)
			}

			m := s.awaitManifest(t, token, s.kickOff(t, token, "Group/"+practice.ODSCode+"/$export"))
			if len(m.Output) != len(fhirmap.ExportTypes) {
				t.Fatalf("%s export wrote %d files", practice.ODSCode, len(m.Output))
			}
			for _, output := range m.Output {
				_, _, body := s.call(t, http.MethodGet, token, output.URL, "Accept", "application/fhir+ndjson")
				found.check(practice.ODSCode+" bulk export "+output.Type, body)
			}
		}
		if carePlans == 0 {
			t.Fatal("the walk found no care plans")
		}

		patient := s.browser(t)
		patient.signIn("patient")
		for _, path := range []string{"/passport/" + ameliaRef, "/passport/" + ameliaRef + "/data", "/passport/" + ameliaRef + "/data/download",
			"/passport/" + ameliaRef + "/emergency"} {
			page := patient.get(path)
			mustStatus(t, page, http.StatusOK)
			found.check(path, page.body)
		}

		var messages []models.Notification
		s.db.Find(&messages)
		for _, message := range messages {
			found.check("message "+message.Channel+" "+message.Kind, message.Body+"\n"+strings.Join(message.AddressLines(), "\n"))
		}
		for _, kind := range []string{models.MessageActivationReminder, models.MessageReviewDue, models.MessageReviewOverdue,
			models.MessagePrescriptionReady, models.MessageRedReading, models.MessageShareExpiring} {
			found.check("message text "+kind, models.MessageText(kind, "Amelia", "http://passport.test"))
		}
		found.check("security code text", models.SecurityCodeText("123456"))
		var deliveries []models.WebhookDelivery
		s.db.Find(&deliveries)
		for _, delivery := range deliveries {
			found.check("webhook "+delivery.EventType, delivery.Payload)
		}
		t.Logf("%d texts checked", found.checked)
	})
}
