package handlers_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/fhirmap"
	"healthpassport/models/fhirmap/fhirschema"
	"healthpassport/models/jobs"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// exportServer is a demo server whose exports are written in a folder of
// the test's, with a job queue started by startExports.
type exportServer struct {
	*testServer
	cfg app.Config
	// fileLimit, when set, is the most resources a file of the queue's
	// exports holds, lowered to see a type split.
	fileLimit int64
}

func eachExportServer(t *testing.T, test func(t *testing.T, s *exportServer)) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		cfg := app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: "http://passport.test", DataDir: t.TempDir()}
		test(t, &exportServer{testServer: startServer(t, db, cfg), cfg: cfg})
	})
}

// startExports works the queue, as the service does, until the test ends.
func (s *exportServer) startExports(t *testing.T) {
	t.Helper()
	st, err := app.NewStore(s.db, s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.fileLimit > 0 {
		st.WithExports(store.Exports{Storage: models.DirStorage(filepath.Join(s.cfg.DataDir, "exports")), Types: fhirmap.ExportTypes, FileLimit: s.fileLimit})
	}
	queue, err := jobs.Start(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Stopping waits for the jobs running: on a synthetic population,
		// on a busy machine, the outcome rollup the queue refreshes as it
		// starts can take longer than ten seconds.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := queue.Stop(ctx); err != nil {
			t.Errorf("stopping the job queue: %v", err)
		}
	})
}

// kickOff asks for an export and gives back its status address.
func (s *exportServer) kickOff(t *testing.T, token, path string) string {
	t.Helper()
	status, header, body := s.call(t, http.MethodGet, token, s.URL+"/fhir/"+path, "Prefer", "respond-async", "Accept", "application/fhir+json")
	if status != http.StatusAccepted || !strings.HasPrefix(header.Get("Content-Location"), "http://passport.test/fhir/bulk-status/") {
		t.Fatalf("kick-off %s answered %d %q: %s", path, status, header.Get("Content-Location"), body)
	}
	return header.Get("Content-Location")
}

type manifest struct {
	TransactionTime     string `json:"transactionTime"`
	Request             string `json:"request"`
	RequiresAccessToken bool   `json:"requiresAccessToken"`
	Output              []struct {
		Type  string `json:"type"`
		URL   string `json:"url"`
		Count int64  `json:"count"`
	} `json:"output"`
}

// awaitManifest polls the status address until the export is done.
func (s *exportServer) awaitManifest(t *testing.T, token, statusURL string) manifest {
	t.Helper()
	// On SQLite the export shares the one connection with the jobs the queue
	// runs as it starts, the sweeps and the outcome rollup: over a synthetic
	// population, on a busy machine, the export has taken over half a minute.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, header, body := s.call(t, http.MethodGet, token, statusURL)
		switch status {
		case http.StatusOK:
			var m manifest
			if err := json.Unmarshal([]byte(body), &m); err != nil {
				t.Fatalf("manifest %s: %v", body, err)
			}
			return m
		case http.StatusAccepted:
			if header.Get("X-Progress") == "" {
				t.Fatal("a running export's status has no X-Progress")
			}
		default:
			t.Fatalf("status answered %d: %s", status, body)
		}
		if time.Now().After(deadline) {
			t.Fatal("gave up waiting for the export")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ndjson fetches a file of an export and reads its lines.
func (s *exportServer) ndjson(t *testing.T, token, fileURL string) []map[string]any {
	t.Helper()
	status, header, body := s.call(t, http.MethodGet, token, fileURL, "Accept", "application/fhir+ndjson")
	if status != http.StatusOK || header.Get("Content-Type") != "application/fhir+ndjson" {
		t.Fatalf("file %s answered %d %s: %s", fileURL, status, header.Get("Content-Type"), body)
	}
	var lines []map[string]any
	scanner := bufio.NewScanner(strings.NewReader(body))
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		var resource map[string]any
		if err := json.Unmarshal(scanner.Bytes(), &resource); err != nil {
			t.Fatalf("line %q: %v", scanner.Text(), err)
		}
		lines = append(lines, resource)
	}
	return lines
}

func TestBulkExportRunsOnTheQueueAndServesItsFilesToItsClientOnly(t *testing.T) {
	eachExportServer(t, func(t *testing.T, s *exportServer) {
		client := s.registerClient(t, "Y90001", "system/Patient.rs", "system/Condition.rs", "system/Observation.rs")
		token := s.token(t, client, "system/Patient.rs system/Condition.rs system/Observation.rs")

		status, _, body := s.call(t, http.MethodGet, token, s.URL+"/fhir/$export")
		if status != http.StatusBadRequest || !strings.Contains(body, "respond-async") {
			t.Fatalf("kick-off without Prefer answered %d: %s", status, body)
		}
		if status, _, _ := s.call(t, http.MethodGet, "", s.URL+"/fhir/$export", "Prefer", "respond-async"); status != http.StatusUnauthorized {
			t.Fatalf("kick-off without a token answered %d", status)
		}

		statusURL := s.kickOff(t, token, "$export")
		// Nothing works the queue yet: the export waits, and says so.
		status, header, _ := s.call(t, http.MethodGet, token, statusURL)
		if status != http.StatusAccepted || header.Get("X-Progress") == "" || header.Get("Retry-After") == "" {
			t.Fatalf("waiting export answered %d, X-Progress %q", status, header.Get("X-Progress"))
		}
		s.startExports(t)
		m := s.awaitManifest(t, token, statusURL)
		if !m.RequiresAccessToken || m.Request != "http://passport.test/fhir/$export" || m.TransactionTime == "" {
			t.Errorf("manifest %+v", m)
		}
		var types []string
		for _, output := range m.Output {
			types = append(types, output.Type)
		}
		if !slices.Equal(types, []string{"Patient", "Condition", "Observation"}) {
			t.Fatalf("output types %v", types)
		}

		var riverside models.Organisation
		s.db.Where("ods_code = ?", "Y90001").Take(&riverside)
		var refs []string
		s.db.Model(&models.Patient{}).Where("practice_id = ?", riverside.ID).Order("id").Pluck("ref", &refs)
		patients := s.ndjson(t, token, m.Output[0].URL)
		if int64(len(patients)) != m.Output[0].Count || len(patients) != len(refs) {
			t.Fatalf("%d patient lines, manifest says %d, practice has %d", len(patients), m.Output[0].Count, len(refs))
		}
		for i, line := range patients {
			if line["resourceType"] != "Patient" || line["id"] != refs[i] {
				t.Errorf("line %d is %v %v, want Patient %s", i, line["resourceType"], line["id"], refs[i])
			}
		}
		var readings int64
		s.db.Model(&models.Reading{}).Joins("JOIN patients ON patients.id = readings.patient_id").
			Where("patients.practice_id = ?", riverside.ID).Count(&readings)
		observations := s.ndjson(t, token, m.Output[2].URL)
		if int64(len(observations)) != readings || readings == 0 {
			t.Errorf("%d observations for %d readings and check-ins", len(observations), readings)
		}
		// Every line of every file is a valid FHIR R4 resource.
		var resources []any
		for _, lines := range [][]map[string]any{patients, s.ndjson(t, token, m.Output[1].URL), observations} {
			for _, line := range lines {
				resources = append(resources, line)
			}
		}
		fhirschema.Validate(t, resources)
		if s.auditCount(models.AuditExportRequested, "") != 1 || s.auditCount(models.AuditExportCompleted, "") != 1 ||
			s.auditCount(models.AuditExportDownloaded, "") != 3 {
			t.Errorf("audit: %d requested, %d completed, %d downloaded", s.auditCount(models.AuditExportRequested, ""),
				s.auditCount(models.AuditExportCompleted, ""), s.auditCount(models.AuditExportDownloaded, ""))
		}

		// Another client of the same practice cannot poll or fetch it.
		other := s.registerClient(t, "Y90001", "system/Patient.rs")
		otherToken := s.token(t, other, "system/Patient.rs")
		if status, _, _ := s.call(t, http.MethodGet, otherToken, m.Output[0].URL, "Accept", "application/fhir+ndjson"); status != http.StatusNotFound {
			t.Errorf("another client's fetch answered %d", status)
		}
		if status, _, _ := s.call(t, http.MethodGet, otherToken, statusURL); status != http.StatusNotFound {
			t.Errorf("another client's poll answered %d", status)
		}
		if status, _, _ := s.call(t, http.MethodDelete, otherToken, statusURL); status != http.StatusNotFound {
			t.Errorf("another client's cancel answered %d", status)
		}
		if status, _, _ := s.call(t, http.MethodGet, token, m.Output[0].URL, "Accept", "application/fhir+json"); status != http.StatusNotAcceptable {
			t.Errorf("a file fetched as JSON answered %d", status)
		}
		if status, _, _ := s.call(t, http.MethodGet, "", m.Output[0].URL); status != http.StatusUnauthorized {
			t.Errorf("a file fetched without a token answered %d", status)
		}

		// Cancelling a finished export removes its files.
		if status, _, body := s.call(t, http.MethodDelete, token, statusURL); status != http.StatusAccepted {
			t.Fatalf("cancel answered %d: %s", status, body)
		}
		if status, _, _ := s.call(t, http.MethodGet, token, m.Output[0].URL, "Accept", "application/fhir+ndjson"); status != http.StatusNotFound {
			t.Errorf("a cancelled export's file answered %d", status)
		}
		if status, _, _ := s.call(t, http.MethodGet, token, statusURL); status != http.StatusNotFound {
			t.Errorf("a cancelled export's status answered %d", status)
		}
		if status, _, _ := s.call(t, http.MethodDelete, token, statusURL); status != http.StatusNotFound {
			t.Errorf("cancelling twice answered %d", status)
		}
	})
}

func TestBulkExportHonoursTypeSinceScopesAndPractice(t *testing.T) {
	eachExportServer(t, func(t *testing.T, s *exportServer) {
		s.startExports(t)
		client := s.registerClient(t, "Y90001", "system/Patient.rs", "system/Observation.rs")
		token := s.token(t, client, "system/Patient.rs system/Observation.rs")

		m := s.awaitManifest(t, token, s.kickOff(t, token, "Patient/$export?_type=Observation"))
		if len(m.Output) != 1 || m.Output[0].Type != "Observation" || m.Output[0].Count == 0 {
			t.Errorf("_type=Observation gave %+v", m.Output)
		}
		// Without _type, only the types the token grants.
		m = s.awaitManifest(t, token, s.kickOff(t, token, "$export"))
		if len(m.Output) != 2 || m.Output[0].Type != "Patient" || m.Output[1].Type != "Observation" {
			t.Errorf("no _type gave %+v", m.Output)
		}
		future := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		m = s.awaitManifest(t, token, s.kickOff(t, token, "Group/Y90001/$export?_since="+future))
		if len(m.Output) != 2 || m.Output[0].Count != 0 || m.Output[1].Count != 0 {
			t.Errorf("_since in the future gave %+v", m.Output)
		}
		past := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
		m = s.awaitManifest(t, token, s.kickOff(t, token, "Group/Y90001/$export?_type=Patient&_since="+past))
		if len(m.Output) != 1 || m.Output[0].Count == 0 {
			t.Errorf("_since an hour ago gave %+v", m.Output)
		}

		refused := map[string]int{
			"$export?_type=Condition":           http.StatusForbidden,  // scope not granted
			"$export?_type=Medication":          http.StatusBadRequest, // not exported
			"$export?_since=yesterday":          http.StatusBadRequest,
			"$export?_outputFormat=text/csv":    http.StatusBadRequest,
			"$export?_elements=id":              http.StatusBadRequest,
			"Group/Y90002/$export":              http.StatusNotFound, // another practice
			"Group/nonsense/$export":            http.StatusNotFound,
			"Patient/$export?_type=Patient,Foo": http.StatusBadRequest,
		}
		for path, want := range refused {
			status, header, body := s.call(t, http.MethodGet, token, s.URL+"/fhir/"+path, "Prefer", "respond-async")
			if status != want || !strings.Contains(body, `"OperationOutcome"`) || header.Get("Content-Location") != "" {
				t.Errorf("%s answered %d: %s; want %d", path, status, body, want)
			}
		}
		conditionsOnly := s.registerClient(t, "Y90001", "system/Condition.rs")
		conditionsToken := s.token(t, conditionsOnly, "system/Condition.rs")
		if status, _, _ := s.call(t, http.MethodGet, conditionsToken, s.URL+"/fhir/$export?_type=Patient", "Prefer", "respond-async"); status != http.StatusForbidden {
			t.Errorf("exporting patients without the scope answered %d", status)
		}
	})
}

func TestCancellingAQueuedExportStopsIt(t *testing.T) {
	eachExportServer(t, func(t *testing.T, s *exportServer) {
		client := s.registerClient(t, "Y90001", "system/Patient.rs")
		token := s.token(t, client, "system/Patient.rs")
		statusURL := s.kickOff(t, token, "$export")
		if status, _, body := s.call(t, http.MethodDelete, token, statusURL); status != http.StatusAccepted {
			t.Fatalf("cancel answered %d: %s", status, body)
		}
		s.startExports(t)
		var export models.BulkExport
		eventually(t, "the export's job to finish", func() bool {
			var left int64
			s.db.Table("river_job").Where("kind = ? AND state NOT IN ?", store.ExportArgs{}.Kind(), []string{"completed", "cancelled", "discarded"}).Count(&left)
			return left == 0
		})
		s.db.Preload("Files").Take(&export)
		if export.Status != models.ExportCancelled || len(export.Files) != 0 {
			t.Errorf("cancelled export is %s with %d files", export.Status, len(export.Files))
		}
		if status, _, _ := s.call(t, http.MethodGet, token, statusURL); status != http.StatusNotFound {
			t.Errorf("a cancelled export's status answered %d", status)
		}
	})
}

// eventually waits for done to hold: a retried job waits for River's
// scheduler, which looks every five seconds.
func eventually(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A day after it was asked for, an export is swept away with its files.
func TestExpiredExportsAreSwept(t *testing.T) {
	eachExportServer(t, func(t *testing.T, s *exportServer) {
		s.startExports(t)
		client := s.registerClient(t, "Y90001", "system/Patient.rs")
		token := s.token(t, client, "system/Patient.rs")
		statusURL := s.kickOff(t, token, "$export")
		m := s.awaitManifest(t, token, statusURL)
		var export models.BulkExport
		s.db.Take(&export)
		folder := filepath.Join(s.cfg.DataDir, "exports", export.Ref)
		if _, err := os.Stat(filepath.Join(folder, "Patient-1.ndjson")); err != nil {
			t.Fatal(err)
		}
		if export.ExpiresAt.Sub(export.CreatedAt) != models.ExportLifetime {
			t.Errorf("export expires %s after it was asked for", export.ExpiresAt.Sub(export.CreatedAt))
		}
		sweeper, err := app.NewStore(s.db, s.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := sweeper.ForgetExpiredExports(t.Context()); err != nil || s.count(&models.BulkExport{}) != 1 {
			t.Fatalf("an export not yet expired was swept: %v", err)
		}
		s.db.Model(&models.BulkExport{}).Where("id = ?", export.ID).Update("expires_at", time.Now().Add(-time.Minute))
		if err := sweeper.ForgetExpiredExports(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(folder); !os.IsNotExist(err) {
			t.Errorf("the expired export's folder is still there: %v", err)
		}
		if s.count(&models.BulkExport{}) != 0 || s.count(&models.BulkExportFile{}) != 0 {
			t.Error("the expired export's rows are still there")
		}
		if status, _, _ := s.call(t, http.MethodGet, token, statusURL); status != http.StatusNotFound {
			t.Errorf("an expired export's status answered %d", status)
		}
		if status, _, _ := s.call(t, http.MethodGet, token, m.Output[0].URL, "Accept", "application/fhir+ndjson"); status != http.StatusNotFound {
			t.Errorf("an expired export's file answered %d", status)
		}
	})
}

// An export that cannot be written answers its status with 500 and an
// OperationOutcome saying why, and leaves no files behind.
func TestFailedExportAnswersWithAnOperationOutcome(t *testing.T) {
	eachExportServer(t, func(t *testing.T, s *exportServer) {
		client := s.registerClient(t, "Y90001", "system/Patient.rs")
		token := s.token(t, client, "system/Patient.rs")
		statusURL := s.kickOff(t, token, "$export")
		// Written by an older release that exported a type this one does not.
		s.db.Model(&models.BulkExport{}).Where("1 = 1").Update("types", "Patient Medication")
		s.startExports(t)
		var status int
		var body string
		eventually(t, "the export to fail", func() bool {
			status, _, body = s.call(t, http.MethodGet, token, statusURL)
			return status != http.StatusAccepted
		})
		if status != http.StatusInternalServerError || !strings.Contains(body, `"OperationOutcome"`) || !strings.Contains(body, "Medication cannot be exported") {
			t.Fatalf("failed export answered %d: %s", status, body)
		}
		var export models.BulkExport
		s.db.Take(&export)
		if _, err := os.Stat(filepath.Join(s.cfg.DataDir, "exports", export.Ref)); !os.IsNotExist(err) {
			t.Errorf("a failed export left its folder: %v", err)
		}
	})
}

// Revoking a client removes its exports' files at once, whether an
// administrator withdraws it or the clients command revokes it: the
// records in them are not left on disk until the sweep.
func TestRevokingAClientRemovesItsExportFilesAtOnce(t *testing.T) {
	eachExportServer(t, func(t *testing.T, s *exportServer) {
		s.startExports(t)
		admin := s.browser(t)
		admin.signIn("admin")
		byAdmin := s.registerClient(t, "Y90001", "system/Patient.rs")
		byCommand := s.registerClient(t, "Y90001", "system/Patient.rs")
		folders := map[string]string{}
		for _, client := range []apiClient{byAdmin, byCommand} {
			token := s.token(t, client, "system/Patient.rs")
			s.awaitManifest(t, token, s.kickOff(t, token, "$export"))
			var export models.BulkExport
			s.db.Joins("JOIN api_clients ON api_clients.id = bulk_exports.api_client_id").
				Where("api_clients.client_id = ?", client.id).Take(&export)
			folders[client.id] = filepath.Join(s.cfg.DataDir, "exports", export.Ref)
			if _, err := os.Stat(filepath.Join(folders[client.id], "Patient-1.ndjson")); err != nil {
				t.Fatal(err)
			}
		}

		var registered models.APIClient
		s.db.Where("client_id = ?", byAdmin.id).Take(&registered)
		mustContain(t, admin.post("/clients/"+itoa(registered.ID)+"/revoke", url.Values{}), "access is withdrawn")
		st, err := app.NewStore(s.db, s.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeAPIClient(t.Context(), byCommand.id); err != nil {
			t.Fatal(err)
		}
		for client, folder := range folders {
			if _, err := os.Stat(folder); !os.IsNotExist(err) {
				t.Errorf("client %s is revoked but its export folder is still there: %v", client, err)
			}
		}
		if s.count(&models.BulkExportFile{}) != 0 {
			t.Error("the revoked clients' exports still list files")
		}
	})
}

// A practice's Group holds exactly the patients its Group export writes,
// before and after a patient joins the practice.
func TestGroupMembersAreThePatientsItsExportWrites(t *testing.T) {
	eachExportServer(t, func(t *testing.T, s *exportServer) {
		s.startExports(t)
		token := s.readingClient(t)
		exported := func() []string {
			m := s.awaitManifest(t, token, s.kickOff(t, token, "Group/Y90001/$export?_type=Patient"))
			var refs []string
			for _, output := range m.Output {
				for _, patient := range s.ndjson(t, token, output.URL) {
					refs = append(refs, "Patient/"+patient["id"].(string))
				}
			}
			slices.Sort(refs)
			return refs
		}
		members := func() []string {
			group := s.fhir(t, token, "Group/Y90001").must(t, http.StatusOK, "Group").body
			var refs []string
			listed, _ := group["member"].([]any)
			for _, member := range listed {
				refs = append(refs, member.(map[string]any)["entity"].(map[string]any)["reference"].(string))
			}
			if group["type"] != "person" || group["actual"] != true || group["quantity"] != float64(len(refs)) {
				t.Errorf("Group/Y90001 is %v, actual %v, of %v with %d members", group["type"], group["actual"], group["quantity"], len(refs))
			}
			slices.Sort(refs)
			return refs
		}
		before := members()
		if exports := exported(); len(before) == 0 || !slices.Equal(before, exports) {
			t.Errorf("Group members %v; the Group export wrote %v", before, exports)
		}
		var riverside models.Organisation
		s.db.Where("ods_code = ?", "Y90001").First(&riverside)
		priya := s.patient(t, priyaRef)
		s.db.Model(&models.Patient{}).Where("id = ?", priya.ID).Update("practice_id", riverside.ID)
		after := members()
		if exports := exported(); !slices.Contains(after, "Patient/"+priyaRef) || !slices.Equal(after, exports) {
			t.Errorf("after Priya joined, Group members %v; the Group export wrote %v", after, exports)
		}
		s.fhir(t, token, "Group/Y90002").must(t, http.StatusNotFound, "OperationOutcome")
		patientOnly := s.token(t, s.registerClient(t, "Y90001", "system/Patient.rs"), "system/Patient.rs")
		s.fhir(t, patientOnly, "Group/Y90001").must(t, http.StatusForbidden, "OperationOutcome")
	})
}
