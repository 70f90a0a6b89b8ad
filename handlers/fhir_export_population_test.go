package handlers_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"healthpassport/app"
	"healthpassport/models"
	"healthpassport/models/demo"
	"healthpassport/models/jobs"
	"healthpassport/models/modelstest"

	"github.com/go-jose/go-jose/v4"
	"gorm.io/gorm"
)

// exportPopulation is large enough that every file spans more than one
// batch of the export's keyset reads.
var exportPopulation = demo.PopulationSpec{Patients: 1100, Practices: 1, Seed: 7, Today: time.Now()}

// TestBulkExportOfASyntheticPopulationMatchesTheDatabase exports one
// practice of a synthetic population and checks every line of every file
// against the database, read independently of the export's own queries.
func TestBulkExportOfASyntheticPopulationMatchesTheDatabase(t *testing.T) {
	eachExportServer(t, func(t *testing.T, s *exportServer) {
		if _, err := demo.BuildPopulation(t.Context(), s.store, exportPopulation, demoPassword); err != nil {
			t.Fatal(err)
		}
		s.startExports(t)
		client := s.registerClient(t, "Y90001", "system/Patient.rs", "system/Condition.rs", "system/Observation.rs", "system/CarePlan.rs", "system/MedicationStatement.rs")
		token := s.token(t, client, "system/Patient.rs system/Condition.rs system/Observation.rs system/CarePlan.rs system/MedicationStatement.rs")
		m := s.awaitManifest(t, token, s.kickOff(t, token, "Group/Y90001/$export?_type=Patient,Condition,Observation"))
		var practice models.Organisation
		s.db.Where("ods_code = ?", "Y90001").Take(&practice)

		var patients []models.Patient
		s.db.Where("practice_id = ?", practice.ID).Order("id").Find(&patients)
		lines := s.ndjson(t, token, m.Output[0].URL)
		if len(lines) != len(patients) || len(patients) <= 1000 || m.Output[0].Count != int64(len(patients)) {
			t.Fatalf("%d Patient lines, manifest %d, database %d", len(lines), m.Output[0].Count, len(patients))
		}
		for i, p := range patients {
			line := lines[i]
			name := line["name"].([]any)[0].(map[string]any)
			identifier := line["identifier"].([]any)[0].(map[string]any)
			if line["id"] != p.Ref || identifier["value"] != p.NHSNumber || line["birthDate"] != p.DateOfBirth.Format(time.DateOnly) ||
				name["family"] != p.FamilyName || name["given"].([]any)[0] != p.GivenName {
				t.Fatalf("Patient line %d is %v; database has %+v", i, line, p)
			}
		}

		var plans []struct {
			ID         uint
			SnomedCode string
			Ref        string
		}
		s.db.Table("action_plans").Select("action_plans.id, action_plans.snomed_code, patients.ref").
			Joins("JOIN patients ON patients.id = action_plans.patient_id").
			Where("patients.practice_id = ? AND action_plans.id IN (SELECT plan_id FROM plan_versions WHERE state = ?)", practice.ID, models.VersionPublished).
			Order("action_plans.id").Scan(&plans)
		lines = s.ndjson(t, token, m.Output[1].URL)
		if len(lines) != len(plans) || len(plans) <= 1000 {
			t.Fatalf("%d Condition lines, database has %d published plans", len(lines), len(plans))
		}
		for i, plan := range plans {
			line := lines[i]
			code := line["code"].(map[string]any)["coding"].([]any)[0].(map[string]any)
			if line["id"] != strconv.FormatUint(uint64(plan.ID), 10) || code["code"] != plan.SnomedCode ||
				line["subject"].(map[string]any)["reference"] != "Patient/"+plan.Ref {
				t.Fatalf("Condition line %d is %v; database has %+v", i, line, plan)
			}
		}

		var readings []struct {
			ID        uint
			Kind      string
			PeakFlow  int
			Ref       string
			CreatedAt time.Time
		}
		s.db.Table("readings").Select("readings.id, readings.kind, readings.peak_flow, patients.ref, readings.created_at").
			Joins("JOIN patients ON patients.id = readings.patient_id").
			Where("patients.practice_id = ?", practice.ID).Order("readings.id").Scan(&readings)
		lines = s.ndjson(t, token, m.Output[2].URL)
		if len(lines) != len(readings) || len(readings) <= 1000 {
			t.Fatalf("%d Observation lines, database has %d readings and check-ins", len(lines), len(readings))
		}
		for i, r := range readings {
			line := lines[i]
			peakFlow, _ := line["valueQuantity"].(map[string]any)
			if r.Kind == models.ReadingPeakFlow && (peakFlow == nil || peakFlow["value"] != float64(r.PeakFlow)) {
				t.Fatalf("Observation line %d has %v; database has a peak flow of %d", i, line["valueQuantity"], r.PeakFlow)
			}
			if line["id"] != strconv.FormatUint(uint64(r.ID), 10) || line["subject"].(map[string]any)["reference"] != "Patient/"+r.Ref || line["effectiveDateTime"] != r.CreatedAt.UTC().Format(time.RFC3339) {
				t.Fatalf("Observation line %d is %v; database has %+v", i, line, r)
			}
		}

		// Plans, read in batches too, and each of their medicines.
		m = s.awaitManifest(t, token, s.kickOff(t, token, "Group/Y90001/$export?_type=CarePlan,MedicationStatement"))
		lines = s.ndjson(t, token, m.Output[0].URL)
		if len(lines) != len(plans) {
			t.Fatalf("%d CarePlan lines, database has %d published plans", len(lines), len(plans))
		}
		planIDs := map[string]bool{}
		for i, plan := range plans {
			if lines[i]["id"] != strconv.FormatUint(uint64(plan.ID), 10) || lines[i]["subject"].(map[string]any)["reference"] != "Patient/"+plan.Ref {
				t.Fatalf("CarePlan line %d is %v; database has %+v", i, lines[i], plan)
			}
			planIDs["CarePlan/"+lines[i]["id"].(string)] = true
		}
		medicines := s.ndjson(t, token, m.Output[1].URL)
		seen := map[string]bool{}
		for _, line := range medicines {
			basedOn := line["basedOn"].([]any)[0].(map[string]any)["reference"].(string)
			if seen[line["id"].(string)] || !planIDs[basedOn] {
				t.Fatalf("MedicationStatement %v is repeated or not of an exported plan", line)
			}
			seen[line["id"].(string)] = true
		}
		if len(medicines) == 0 {
			t.Errorf("no MedicationStatements for %d plans", len(plans))
		}
		t.Logf("exported %d patients, %d conditions, %d observations and %d medicines", len(patients), len(plans), len(readings), len(medicines))
	})
}

// BenchmarkBulkExport measures a whole export of one practice of 1,000,
// 10,000 and 100,000 patients, through the API and the queue: the time
// from kick-off to manifest and the peak heap in use meanwhile, sampled
// every 10 ms. Building 100,000 patients takes SQLite several minutes, so
// that size runs on PostgreSQL only.
func BenchmarkBulkExport(b *testing.B) {
	for _, kind := range modelstest.Databases() {
		for _, size := range []int{1000, 10000, 100000} {
			if kind == "sqlite" && size > 10000 {
				continue
			}
			b.Run(fmt.Sprintf("%s/%d patients", kind, size), func(b *testing.B) { benchmarkBulkExport(b, modelstest.Open(b, kind), size) })
		}
	}
}

func benchmarkBulkExport(b *testing.B, db *gorm.DB, size int) {
	cfg := app.Config{Demo: true, DemoPassword: demoPassword, PublicURL: "http://passport.test", DataDir: b.TempDir()}
	if err := app.Prepare(db, cfg); err != nil {
		b.Fatal(err)
	}
	st, err := app.NewStore(db, cfg)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := demo.BuildPopulation(b.Context(), st, demo.PopulationSpec{Patients: size, Practices: 1, Seed: 1, Today: time.Now()}, demoPassword); err != nil {
		b.Fatal(err)
	}
	queue, err := jobs.Start(context.Background(), st)
	if err != nil {
		b.Fatal(err)
	}
	defer queue.Stop(context.Background())
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	keys, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES384", Use: "sig"}}})
	client, err := st.CreateAPIClient(b.Context(), models.NewAPIClient{Name: "Benchmark", ODSCode: "Y90001",
		Scopes: []string{"system/Patient.rs", "system/Condition.rs", "system/Observation.rs"}, PublicKeys: string(keys)})
	if err != nil {
		b.Fatal(err)
	}
	principal := &models.Principal{Client: client, PracticeIDs: []uint{client.OrganisationID}, Scopes: strings.Fields(client.Scopes)}

	var resources int64
	var peak uint64
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		done := make(chan struct{})
		var sampling sync.WaitGroup
		sampling.Go(func() {
			var stats runtime.MemStats
			for {
				runtime.ReadMemStats(&stats)
				peak = max(peak, stats.HeapInuse)
				select {
				case <-done:
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		})
		export, err := st.StartExport(context.Background(), principal, models.Actor{Role: models.RoleAPIClient},
			models.ExportRequest{Kind: models.ExportSystem, Types: st.ExportTypes(), Request: "http://passport.test/fhir/$export"})
		if err != nil {
			b.Fatal(err)
		}
		for export.Status != models.ExportDone {
			if export.Status == models.ExportFailed {
				b.Fatalf("the export failed: %s", export.Failure)
			}
			time.Sleep(20 * time.Millisecond)
			if export, err = st.ExportFor(context.Background(), principal, export.Ref); err != nil {
				b.Fatal(err)
			}
		}
		close(done)
		sampling.Wait()
		resources = 0
		for _, file := range export.Files {
			resources += file.Count
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(resources), "resources")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(before.HeapInuse)/(1<<20), "heap-before-MB")
}
