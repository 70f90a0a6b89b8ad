package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"healthpassport/handlers"
	"healthpassport/models"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"
)

// maxPageBytes is the most a page may weigh before compression, however
// long the lists behind it: a nurse on a slow line waits for all of it.
const maxPageBytes = 100 * 1024

// beyondAPage is how many rows the test gives each list: more than two
// pages' worth.
const beyondAPage = 2*models.ListPageSize + 10

// TestNoPageGrowsPastOneHundredKilobytes fills every list a person works
// through (both queues, letters, messages, staff, connected systems, an
// endpoint's deliveries, a patient's readings) past two pages, then walks
// every page the router serves without a record in its path, signed in
// as each role, with a patient's and an endpoint's pages besides. No HTML
// page may weigh more than maxPageBytes, and each long list says which of
// its rows it shows. A new list that is not paged fails here once it
// grows.
func TestNoPageGrowsPastOneHundredKilobytes(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	handlers.New(nil, scs.New(), nil, "").Routes(engine)
	var paths []string
	for _, route := range engine.Routes() {
		if route.Method == http.MethodGet && !strings.Contains(route.Path, "/:") && route.Path != "/sign-out" {
			paths = append(paths, route.Path)
		}
	}

	eachServer(t, func(t *testing.T, s *testServer) {
		amelia := s.patient(t, ameliaRef)
		nurse := s.user(t, "nurse")
		endpoint := fillEveryList(t, s, amelia, nurse)
		endpointPath := fmt.Sprintf("/admin/webhooks/%d", endpoint.ID)
		more := map[string][]string{
			"nurse": {"/patients/" + ameliaRef, "/queues/prescriptions?page=2", "/queues/alerts?page=3", "/letters?page=2"},
			"admin": {endpointPath, endpointPath + "?page=2", "/staff?page=2", "/clients?page=2", "/messages?page=3"},
			"patient": {"/passport/" + ameliaRef, "/passport/" + ameliaRef + "/readings", "/passport/" + ameliaRef + "/prescriptions",
				"/passport/" + ameliaRef + "/seen"},
			"carer": {"/passport/" + ameliaRef, "/passport/" + ameliaRef + "/readings"},
		}
		paged := map[string]string{
			"/queues/prescriptions": "requests", "/queues/alerts": "alerts", "/letters": "letters",
			"/staff": "members of staff", "/clients": "systems", "/messages": "messages", endpointPath: "deliveries",
		}
		heaviest, heaviestBytes := "", 0
		for _, username := range []string{"nurse", "admin", "commissioner", "safety", "patient", "carer"} {
			b := s.browser(t)
			b.signIn(username)
			for _, path := range append(append([]string{}, paths...), more[username]...) {
				r := b.get(path)
				if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
					continue
				}
				if len(r.body) > 40*1024 {
					t.Logf("%s as %s: %.1f KB", path, username, float64(len(r.body))/1024)
				}
				if len(r.body) > heaviestBytes {
					heaviest, heaviestBytes = path+" as "+username, len(r.body)
				}
				if len(r.body) > maxPageBytes {
					t.Errorf("%s, as %s, weighs %d KB: more than %d KB", path, username, len(r.body)/1024, maxPageBytes/1024)
				}
				if noun, ok := paged[path]; ok && r.status == http.StatusOK {
					mustContain(t, r, fmt.Sprintf("Showing 1 to %d of", models.ListPageSize), " "+noun)
				}
			}
		}
		t.Logf("the heaviest page is %s: %.1f KB", heaviest, float64(heaviestBytes)/1024)
	})
}

// fillEveryList gives each of the lists more than two pages of rows, all
// at Amelia's practice, and answers the webhook endpoint it made.
func fillEveryList(t *testing.T, s *testServer, amelia models.Patient, nurse *models.User) *models.WebhookEndpoint {
	t.Helper()
	var plan models.ActionPlan
	s.db.First(&plan, "patient_id = ?", amelia.ID)
	// Two years back, clear of the days of the demo's own alerts.
	start := time.Now().AddDate(-2, 0, 0)
	for i := range beyondAPage {
		at := start.Add(time.Duration(i) * 24 * time.Hour)
		peakFlow := 100
		reading := models.Reading{PatientID: amelia.ID, PlanID: &plan.ID, Kind: models.ReadingPeakFlow, PeakFlow: &peakFlow,
			Zone: models.ZoneRed, RecordedByID: s.user(t, "patient").ID, CreatedAt: at}
		mustCreate(t, s, &reading)
		mustCreate(t, s, &models.Alert{PatientID: amelia.ID, ReadingID: reading.ID, RaisedOn: at.Format(time.DateOnly), ReadingCount: 1,
			Status: models.AlertOpen, CreatedAt: at})
		mustCreate(t, s, &models.PrescriptionRequest{PatientID: amelia.ID, PlanID: plan.ID, Medicine: fmt.Sprintf("Medicine %03d", i),
			Purpose: "Reliever", Status: models.RequestRequested, RequestedByID: nurse.ID, CreatedAt: at, UpdatedAt: at})
		mustCreate(t, s, &models.Notification{Key: fmt.Sprintf("listing-test-%d", i), PatientID: &amelia.ID, OrganisationID: &amelia.PracticeID,
			Kind: models.MessageReviewDue, Channel: models.ChannelLetter, RecipientName: amelia.FullName(),
			Body: "Your asthma review is due. Please phone the surgery to book it.", Status: models.MessageToPrint, SendAfter: at, CreatedAt: at})
		// Invited, not yet set up: no password to hash.
		member := models.User{Username: fmt.Sprintf("listing-nurse-%03d", i), Role: models.RoleNurse, DisplayName: fmt.Sprintf("Nurse %03d", i),
			CreatedAt: at, UpdatedAt: at}
		mustCreate(t, s, &member)
		mustCreate(t, s, &models.Membership{UserID: member.ID, OrganisationID: amelia.PracticeID})
		mustCreate(t, s, &models.APIClient{ClientID: fmt.Sprintf("listing-client-%03d", i), Name: fmt.Sprintf("GP system %03d", i),
			OrganisationID: amelia.PracticeID, Scopes: "system/Patient.rs", PublicKeys: `{"keys":[]}`, CreatedAt: at})
	}
	endpoint, err := s.store.RegisterWebhook(t.Context(), models.Actor{}, models.WebhookEndpoint{OrganisationID: amelia.PracticeID,
		URL: "https://gp.example.org/events", Events: models.EventShareCreated})
	if err != nil {
		t.Fatal(err)
	}
	for i := range beyondAPage {
		delivery := models.WebhookDelivery{EndpointID: endpoint.ID, MessageID: fmt.Sprintf("msg_listing_%d", i), EventType: models.EventShareCreated,
			Payload: "{}", Status: models.DeliveryFailed, Attempts: 8, CreatedAt: start.Add(time.Duration(i) * time.Minute)}
		mustCreate(t, s, &delivery)
		for attempt := range 8 {
			mustCreate(t, s, &models.WebhookAttempt{DeliveryID: delivery.ID, StatusCode: 503, Failure: "The service is unavailable", AttemptedAt: delivery.CreatedAt.Add(time.Duration(attempt) * time.Second)})
		}
	}
	return endpoint
}

func mustCreate(t *testing.T, s *testServer, record any) {
	t.Helper()
	if err := s.db.Create(record).Error; err != nil {
		t.Fatalf("adding %T: %v", record, err)
	}
}
