package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"healthpassport/handlers"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"
)

// hostileIDs are what can be put where an id goes and is no id, one of
// each kind that a route reading its ids another way would let through to
// a query: negative, beyond the bigint columns, another script's digits,
// zero and empty. TestParseID holds the one parser to every other spelling.
var hostileIDs = []string{"-5", "-9223372036854775808", "9223372036854775808", "١", "0", ""}

// TestEveryIDParameterRefusesWhatIsNoID walks the router's own list of
// routes and puts each hostile id in every parameter of each path (the
// patient's reference apart), and in the query and form fields that carry
// ids, as each kind of signed-in user and as an API client: every answer
// is a refusal or "not found", never a server error, on both databases.
func TestEveryIDParameterRefusesWhatIsNoID(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	handlers.New(nil, scs.New(), nil, "").Routes(engine)
	var routes []gin.RouteInfo
	for _, route := range engine.Routes() {
		if strings.Contains(route.Path, "/:") {
			routes = append(routes, route)
		}
	}

	eachServer(t, func(t *testing.T, s *testServer) {
		users := map[string]*browser{}
		for _, username := range []string{"nurse", "admin", "carer", "commissioner"} {
			users[username] = s.browser(t)
			users[username].signIn(username)
		}
		client := s.registerClient(t, "Y90001", "system/Patient.rs", "system/Condition.rs", "system/Observation.rs",
			"system/CarePlan.rs", "system/MedicationStatement.rs", "system/RelatedPerson.rs")
		token := s.token(t, client, "system/Patient.rs system/Condition.rs system/Observation.rs system/CarePlan.rs system/MedicationStatement.rs system/RelatedPerson.rs")
		serverErrors := 0
		check := func(who, method, target string, status int) {
			if status >= 500 {
				serverErrors++
				t.Errorf("%s %s %s answered %d", who, method, target, status)
			}
		}
		for _, id := range hostileIDs {
			escaped := url.PathEscape(id)
			path := func(route string) string {
				return routeParam.ReplaceAllStringFunc(route, func(match string) string {
					parts := routeParam.FindStringSubmatch(match)
					if parts[2] == "ref" {
						return parts[1] + "/" + ameliaRef
					}
					return parts[1] + "/" + escaped
				})
			}
			form := url.Values{"base": {id}, "merge-from": {id}, "to": {id}, "organisation": {id}, "template": {id},
				"practice": {id}, "decision": {"approve"}}
			for _, route := range routes {
				target := path(route.Path)
				if strings.HasPrefix(route.Path, "/fhir/") {
					status, _, _ := s.fhirCall(t, route.Method, token, target)
					check("client", route.Method, target, status)
					continue
				}
				for who, b := range users {
					if route.Method == http.MethodPost {
						check(who, route.Method, target, b.post(target, form).status)
					} else {
						check(who, route.Method, target, b.get(target).status)
					}
				}
			}
			q := url.QueryEscape(id)
			nurse, admin, carer := users["nurse"], users["admin"], users["carer"]
			for _, target := range []string{"/patients/" + ameliaRef + "/plans/new?template=" + q, "/?page=" + q, "/patients?page=" + q} {
				check("nurse", http.MethodGet, target, nurse.get(target).status)
			}
			check("nurse", http.MethodPost, "/patients/"+ameliaRef+"/plans", nurse.post("/patients/"+ameliaRef+"/plans", form).status)
			for _, target := range []string{"/audit?before=" + q, "/audit/export?organisation=" + q, "/templates/compare?from=" + q + "&to=" + q} {
				check("admin", http.MethodGet, target, admin.get(target).status)
			}
			check("carer", http.MethodGet, "/passport/"+ameliaRef+"/seen?before="+q, carer.get("/passport/"+ameliaRef+"/seen?before="+q).status)
			for _, target := range []string{"/fhir/Patient?_after=" + q, "/fhir/Observation?patient=" + ameliaRef + "&_after=" + q} {
				status, _, _ := s.fhirCall(t, http.MethodGet, token, target)
				check("client", http.MethodGet, target, status)
			}
		}
		t.Logf("%d server errors from hostile ids", serverErrors)
	})
}

// fhirCall sends a request to the API with an access token.
func (s *testServer) fhirCall(t *testing.T, method, token, path string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/fhir+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode, res.Header, ""
}
