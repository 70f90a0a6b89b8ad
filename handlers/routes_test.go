package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"healthpassport/handlers"
	"healthpassport/models"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"
)

// routeParam is a parameter in a route's path, with the segment before it,
// which says what an ":id" names.
var routeParam = regexp.MustCompile(`([^/]*)/:([a-z]+)`)

// TestEveryRouteRefusesStrangers walks the router's own list of routes:
// every route but the public ones sends an anonymous visitor to sign in,
// and every route whose path names a record (a patient, plan, reading,
// share, carer, request, alert, device, member of staff, organisation,
// template or connected system) refuses a stranger of each role, whatever
// its method, with a good anti-forgery token and submission key so that
// only access decides. A new route is walked without being added here; one
// whose path names a new kind of record fails until the walk knows a
// record of that kind to aim at.
func TestEveryRouteRefusesStrangers(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	handlers.New(nil, scs.New(), nil, "").Routes(engine)
	everyRoute := engine.Routes()
	var routes []gin.RouteInfo
	for _, route := range everyRoute {
		if strings.Contains(route.Path, "/:") {
			routes = append(routes, route)
		}
	}
	if len(routes) < 30 {
		t.Fatalf("the router lists only %d routes with a record in their path; is it built?", len(routes))
	}

	eachServer(t, func(t *testing.T, s *testServer) {
		amelia, oliver, priya := s.patient(t, ameliaRef), s.patient(t, oliverRef), s.patient(t, priyaRef)
		owner := s.browser(t)
		owner.signIn("patient")
		share, _, err := s.store.CreateShare(t.Context(), &models.Principal{User: *s.user(t, "patient"), Own: &amelia},
			models.Actor{UserID: s.user(t, "patient").ID, Role: models.RolePatient}, &amelia, "Riverside School", 30)
		if err != nil {
			t.Fatal(err)
		}
		var plan models.ActionPlan
		var reading models.Reading
		var link models.CarerLink
		var request models.PrescriptionRequest
		var alert models.Alert
		var device models.Device
		s.db.First(&plan, "patient_id = ?", amelia.ID)
		s.db.First(&reading, "patient_id = ? AND plan_id IS NOT NULL", amelia.ID)
		s.db.First(&link, "patient_id = ?", amelia.ID)
		s.db.First(&request, "patient_id = ?", amelia.ID)
		s.db.First(&alert, "patient_id = ?", amelia.ID)
		s.db.First(&device, "user_id = ?", s.user(t, "patient").ID)
		letter := models.Notification{Key: "routes-test-letter", PatientID: &amelia.ID, OrganisationID: &amelia.PracticeID,
			Kind: models.MessageActivationReminder, Channel: models.ChannelLetter, RecipientName: amelia.FullName(),
			Body: "A letter", Status: models.MessageToPrint, SendAfter: time.Now(), CreatedAt: time.Now()}
		s.db.Create(&letter)
		// A member of staff of another ICB, whom the demo administrator does
		// not look after.
		otherICB := models.Organisation{Kind: models.OrganisationICB, Name: "Another ICB", ODSCode: "QZZ"}
		s.db.Create(&otherICB)
		farNurse := s.addUser(t, "far-nurse", models.RoleNurse, nil)
		s.db.Create(&models.Membership{UserID: farNurse.ID, OrganisationID: otherICB.ID})
		// A system connected for a practice of that other ICB.
		farPractice := models.Organisation{Kind: models.OrganisationPractice, Name: "Far Practice", ODSCode: "Z99999", ParentID: &otherICB.ID}
		s.db.Create(&farPractice)
		farClient := models.APIClient{ClientID: "far-client", Name: "Far GP system", OrganisationID: farPractice.ID,
			Scopes: "system/Patient.rs", PublicKeys: `{"keys":[]}`, CreatedAt: time.Now()}
		s.db.Create(&farClient)
		// A webhook endpoint, with a delivery, of that practice.
		endpoint := models.WebhookEndpoint{OrganisationID: farPractice.ID, URL: "https://far.example.org/events", Events: models.EventShareCreated,
			Secret: "whsec_c2VjcmV0", CreatedAt: time.Now()}
		s.db.Create(&endpoint)
		delivery := models.WebhookDelivery{EndpointID: endpoint.ID, MessageID: "msg_far", EventType: models.EventShareCreated, Payload: "{}",
			Status: models.DeliveryFailed, CreatedAt: time.Now()}
		s.db.Create(&delivery)
		var template models.ConditionTemplate
		s.db.First(&template, "key = ?", "asthma")
		ids := map[string]uint{"plan": plan.ID, "reading": reading.ID, "share": share.ID, "link": link.ID,
			"devices": device.ID, "device": device.ID, "prescriptions": request.ID, "alerts": alert.ID, "staff": farNurse.ID,
			"organisations": otherICB.ID, "template": template.ID, "clients": farClient.ID,
			"webhooks": endpoint.ID, "delivery": delivery.ID, "letters": letter.ID}
		for name, id := range ids {
			if id == 0 {
				t.Fatalf("the demo has no %s of Amelia's to aim at", name)
			}
		}
		path := func(route string) string {
			return routeParam.ReplaceAllStringFunc(route, func(match string) string {
				parts := routeParam.FindStringSubmatch(match)
				before, name := parts[1], parts[2]
				switch {
				case name == "ref":
					return before + "/" + ameliaRef
				case name == "id" && ids[before] != 0:
					return before + "/" + strconv.Itoa(int(ids[before]))
				case ids[name] != 0:
					return before + "/" + strconv.Itoa(int(ids[name]))
				}
				t.Fatalf("%s names a kind of record the walk has none of: add one", route)
				return ""
			})
		}

		// Strangers: someone of each role with no right to Amelia's records.
		s.addUser(t, "other-patient", models.RolePatient, &oliver.ID)
		otherCarer := s.addUser(t, "other-carer", models.RoleCarer, nil)
		s.db.Create(&models.CarerLink{CarerID: otherCarer.ID, PatientID: oliver.ID, Relationship: "Parent", Permission: models.PermissionAct, CreatedAt: time.Now()})
		otherNurse := s.addUser(t, "other-nurse", models.RoleNurse, nil)
		s.db.Create(&models.Membership{UserID: otherNurse.ID, OrganisationID: priya.PracticeID})
		if priya.PracticeID == amelia.PracticeID {
			t.Fatal("the other nurse must work at another practice")
		}
		strangers := map[string]*browser{}
		for _, username := range []string{"other-patient", "other-carer", "other-nurse", "admin", "commissioner"} {
			strangers[username] = s.browser(t)
			if r := strangers[username].signIn(username); r.url == "/sign-in" {
				t.Fatalf("%s could not sign in", username)
			}
		}
		anonymous := s.browser(t)

		// A form each route would accept from someone allowed to send it.
		form := url.Values{"decision": {models.DecisionApprove}, "note-" + strconv.Itoa(int(alert.ID)): {"Called the family"},
			"recipient": {"Another school"}, "days": {"30"}}
		send := func(b *browser, method, target string) response {
			if method == http.MethodPost {
				return b.post(target, form)
			}
			return b.get(target)
		}
		for _, route := range routes {
			target := path(route.Path)
			for username, b := range strangers {
				if username == "admin" && administersTemplates(route) {
					continue
				}
				r := send(b, route.Method, target)
				refused := r.status == http.StatusForbidden ||
					// Someone else's device is, to anyone's own account, no device at all.
					(strings.HasPrefix(route.Path, "/account/") && r.status == http.StatusNotFound)
				if !refused {
					t.Errorf("%s %s %s answered %d; want a refusal", username, route.Method, target, r.status)
				}
			}
		}
		for _, route := range everyRoute {
			target := path(route.Path)
			r := send(anonymous, route.Method, target)
			switch {
			case handlers.PublicRoutes[route.Method+" "+route.Path]:
				if r.status >= http.StatusInternalServerError {
					t.Errorf("anonymous %s %s, a public page, answered %d", route.Method, target, r.status)
				}
			case r.url != "/sign-in":
				t.Errorf("anonymous %s %s landed on %s (%d); want the sign-in page", route.Method, target, r.url, r.status)
			}
		}

		// Nothing of Amelia's changed, and her own session still works.
		s.db.First(&request, request.ID)
		s.db.First(&alert, alert.ID)
		var shareNow models.Share
		s.db.First(&shareNow, share.ID)
		s.db.First(&letter, letter.ID)
		if request.Status != models.RequestRequested || alert.Status != models.AlertOpen || shareNow.RevokedAt != nil || letter.PrintedAt != nil {
			t.Errorf("strangers changed Amelia's records: request %s, alert %s, share revoked %v, letter printed %v",
				request.Status, alert.Status, shareNow.RevokedAt, letter.PrintedAt)
		}
		mustStatus(t, owner.get("/passport"), http.StatusOK)
	})
}

// administersTemplates reports whether a route is one of the template
// governance pages an administrator may use: a template is no one's
// record, and administrators read every version and make local variants.
// Approving and retiring stay refused to them: that is the clinical safety
// officer's.
func administersTemplates(route gin.RouteInfo) bool {
	return strings.HasPrefix(route.Path, "/templates/") && !strings.HasSuffix(route.Path, "/approve") && !strings.HasSuffix(route.Path, "/retire")
}

func (s *testServer) user(t *testing.T, username string) *models.User {
	t.Helper()
	user, err := s.store.UserByUsername(t.Context(), username)
	if err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	return user
}

// addUser makes an account that signs in with the demo password.
func (s *testServer) addUser(t *testing.T, username string, role models.Role, patientID *uint) *models.User {
	t.Helper()
	hash, err := models.HashPassword(t.Context(), demoPassword)
	if err != nil {
		t.Fatal(err)
	}
	user := models.User{Username: username, PasswordHash: hash, Role: role, DisplayName: username, PatientID: patientID,
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := s.db.Create(&user).Error; err != nil {
		t.Fatal(err)
	}
	return &user
}

// TestEveryAPIRouteButThePublicOnesAsksForAToken walks the FHIR API's own
// list of routes: without an access token, every route but what the server
// offers and where to get a token answers 401, whatever it names.
func TestEveryAPIRouteButThePublicOnesAsksForAToken(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	handlers.New(nil, scs.New(), nil, "").APIRoutes(engine)
	routes := engine.Routes()
	if len(routes) < 15 {
		t.Fatalf("the API lists only %d routes; is it built?", len(routes))
	}
	eachServer(t, func(t *testing.T, s *testServer) {
		for _, route := range routes {
			target := s.URL + routeParam.ReplaceAllString(route.Path, "$1/1")
			req, err := http.NewRequest(route.Method, target, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept", "application/fhir+json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			public := handlers.PublicAPIRoutes[route.Method+" "+route.Path]
			switch {
			case public && (res.StatusCode == http.StatusUnauthorized || res.StatusCode >= http.StatusInternalServerError):
				t.Errorf("%s %s, a public route, answered %d", route.Method, route.Path, res.StatusCode)
			case !public && res.StatusCode != http.StatusUnauthorized:
				t.Errorf("%s %s without a token answered %d; want 401", route.Method, route.Path, res.StatusCode)
			}
		}
	})
}
