package handlers_test

import (
	"slices"
	"strings"
	"testing"

	"healthpassport/handlers"
	"healthpassport/models"
	"healthpassport/models/fhirmap"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"
)

// The CapabilityStatement names exactly the interactions the API's routes
// serve, resource type by resource type: nothing claimed that is not
// served, nothing served that is not claimed; and the bulk export
// operations it names, where it names them, are exactly the kick-offs
// routed, as the other operations on a resource, such as $everything, are
// the operations routed on it.
func TestCapabilityStatementClaimsExactlyTheRoutesServed(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	handlers.New(nil, scs.New(), nil, "").APIRoutes(engine)
	var served, exports, resourceOperations []string
	for _, route := range engine.Routes() {
		path, ok := strings.CutPrefix(route.Path, "/fhir/")
		parts := strings.Split(path, "/")
		if ok && strings.HasPrefix(parts[len(parts)-1], "$") && !strings.HasSuffix(path, "$export") {
			resourceOperations = append(resourceOperations, parts[0]+" "+strings.TrimPrefix(parts[len(parts)-1], "$"))
			continue
		}
		if ok && strings.HasSuffix(path, "$export") {
			exports = append(exports, map[string]string{"$export": "system " + fhirmap.SystemExport.Definition,
				"Patient/$export": "Patient " + fhirmap.PatientExport.Definition, "Group/:id/$export": "Group " + fhirmap.GroupExport.Definition}[path])
			continue
		}
		if !ok || route.Method != "GET" || !slices.Contains(models.APIResourceTypes, parts[0]) {
			continue
		}
		interaction := map[string]string{"": "search-type", "/:id": "read", "/:id/_history": "history-instance",
			"/:id/_history/:vid": "vread"}[strings.TrimPrefix(path, parts[0])]
		if interaction == "" {
			t.Errorf("GET %s is no FHIR interaction the test knows", route.Path)
		}
		served = append(served, parts[0]+" "+interaction)
	}
	var claimed, operations, claimedOperations []string
	capabilities := fhirmap.Capabilities("http://passport.test/fhir", models.APIResourceTypes).Rest[0]
	for _, operation := range capabilities.Operation {
		operations = append(operations, "system "+operation.Definition)
	}
	for _, resource := range capabilities.Resource {
		for _, operation := range resource.Operation {
			if strings.HasSuffix(operation.Definition, "-export") {
				if operation.Name != "export" {
					t.Errorf("%s names its export %q; Bulk Data calls it export", resource.Type, operation.Name)
				}
				operations = append(operations, resource.Type+" "+operation.Definition)
				continue
			}
			claimedOperations = append(claimedOperations, resource.Type+" "+operation.Name)
		}
		for _, interaction := range resource.Interaction {
			claimed = append(claimed, resource.Type+" "+interaction.Code)
		}
		if (resource.Versioning == "versioned") != slices.Contains(claimed, resource.Type+" vread") {
			t.Errorf("%s: versioning %q does not match its vread", resource.Type, resource.Versioning)
		}
	}
	slices.Sort(served)
	slices.Sort(claimed)
	if !slices.Equal(served, claimed) {
		t.Errorf("served %v\nclaimed %v", served, claimed)
	}
	slices.Sort(resourceOperations)
	slices.Sort(claimedOperations)
	if !slices.Equal(resourceOperations, claimedOperations) || len(resourceOperations) == 0 {
		t.Errorf("resource operations served %v, claimed %v", resourceOperations, claimedOperations)
	}
	slices.Sort(exports)
	slices.Sort(operations)
	if !slices.Equal(exports, operations) || len(exports) != 3 {
		t.Errorf("export kick-offs served %v, operations claimed %v", exports, operations)
	}
}
