package store_test

import (
	"strings"
	"testing"
	"time"

	"healthpassport/migrations"
	"healthpassport/models"
	"healthpassport/models/modelstest"

	"gorm.io/gorm"
)

// demoRecords are the demo rows the uniqueness tests copy.
type demoRecords struct {
	carer   *models.User
	patient *models.User
	link    models.CarerLink
	plan    models.ActionPlan
	request models.PrescriptionRequest
}

func loadDemoRecords(t *testing.T, db *gorm.DB) demoRecords {
	t.Helper()
	st := demoStore(t, db)
	records := demoRecords{carer: user(t, st, "carer"), patient: user(t, st, "patient")}
	for _, err := range []error{
		db.First(&records.link, "carer_id = ?", records.carer.ID).Error,
		db.First(&records.plan, "patient_id = ?", *records.patient.PatientID).Error,
		db.First(&records.request, "patient_id = ? AND status = ?", *records.patient.PatientID, models.RequestRequested).Error,
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return records
}

// copies are duplicates of the demo rows that break each "only one" rule,
// written straight to the database as a race would.
func (r demoRecords) copies(now time.Time) map[string]any {
	link := r.link
	link.ID = 0
	plan := r.plan
	plan.ID = 0
	request := r.request
	request.ID = 0
	return map[string]any{
		"second active carer link":      &link,
		"second plan for a condition":   &plan,
		"second open request":           &request,
		"feedback with the same number": &models.Feedback{UserID: r.patient.ID, Number: 1, Score: 3, CreatedAt: now},
	}
}

func TestIndexesRefuseASecondOfAKind(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		records := loadDemoRecords(t, db)
		now := time.Now().UTC()
		if err := db.Create(&models.Feedback{UserID: records.patient.ID, Number: 1, Score: 4, CreatedAt: now}).Error; err != nil {
			t.Fatal(err)
		}
		for name, row := range records.copies(now) {
			if err := db.Create(row).Error; err == nil || !strings.Contains(strings.ToLower(err.Error()), "unique") {
				t.Errorf("%s: stored or refused for another reason: %v", name, err)
			}
		}

		// Past rows do not count: a revoked link, a rejected request.
		revoked := records.link
		revoked.ID, revoked.RevokedAt = 0, &now
		rejected := records.request
		rejected.ID, rejected.Status = 0, models.RequestRejected
		for _, row := range []any{&revoked, &rejected} {
			if err := db.Create(row).Error; err != nil {
				t.Errorf("a finished row was refused: %v", err)
			}
		}
	})
}

// undoOneOfAKind takes a database back to before the "only one" indexes, as
// a live database was when races could still make duplicates.
func undoOneOfAKind(t *testing.T, db *gorm.DB) {
	t.Helper()
	// The step's first run cached its statements on the pool's
	// connections, and later steps added columns to its tables, which
	// PostgreSQL refuses to a cached statement: run it again on fresh
	// connections, as an upgrade does.
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.SetMaxIdleConns(0)
	}
	for _, statement := range []string{
		"DROP INDEX idx_carer_links_active", "DROP INDEX idx_action_plans_condition",
		"DROP INDEX idx_prescription_requests_open", "DROP INDEX idx_feedbacks_number",
		"DELETE FROM schema_migrations WHERE id = '0007_one_of_a_kind'",
	} {
		if err := db.Exec(statement).Error; err != nil {
			t.Fatal(err)
		}
	}
}

func TestUpgradeResolvesDuplicatesMadeByRaces(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		records := loadDemoRecords(t, db)
		undoOneOfAKind(t, db)
		now := time.Now().UTC()
		copies := records.copies(now)
		delete(copies, "second plan for a condition")
		delete(copies, "feedback with the same number")
		for _, row := range copies {
			if err := db.Create(row).Error; err != nil {
				t.Fatal(err)
			}
		}
		for _, at := range []time.Time{now.Add(-time.Hour), now} {
			if err := db.Create(&models.Feedback{UserID: records.patient.ID, Score: 4, CreatedAt: at}).Error; err != nil {
				t.Fatal(err)
			}
		}

		if err := migrations.Run(db); err != nil {
			t.Fatal(err)
		}
		var links []models.CarerLink
		db.Where("carer_id = ? AND patient_id = ? AND revoked_at IS NULL", records.carer.ID, records.link.PatientID).Find(&links)
		if len(links) != 1 || links[0].ID == records.link.ID {
			t.Errorf("active links after the upgrade: %+v; want only the newer one", links)
		}
		var open []models.PrescriptionRequest
		db.Where("patient_id = ? AND medicine = ? AND status IN ?", records.request.PatientID, records.request.Medicine,
			[]string{models.RequestRequested, models.RequestApproved}).Find(&open)
		if len(open) != 1 || open[0].ID != records.request.ID {
			t.Errorf("open requests after the upgrade: %+v; want only the earlier one", open)
		}
		var numbers []int
		db.Model(&models.Feedback{}).Where("user_id = ?", records.patient.ID).Order("created_at").Pluck("number", &numbers)
		if len(numbers) != 2 || numbers[0] != 1 || numbers[1] != 2 {
			t.Errorf("feedback numbered %v; want [1 2] in the order given", numbers)
		}
		var audited int64
		db.Model(&models.AuditEvent{}).Where("action IN ?", []string{"carer.revoked", "prescription.rejected"}).Count(&audited)
		if audited != 2 {
			t.Errorf("%d audit entries for resolved duplicates; want 2", audited)
		}
	})
}

func TestUpgradeStopsAtTwoPlansForOneCondition(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		records := loadDemoRecords(t, db)
		undoOneOfAKind(t, db)
		twin := records.plan
		twin.ID = 0
		if err := db.Create(&twin).Error; err != nil {
			t.Fatal(err)
		}
		err := migrations.Run(db)
		if err == nil || !strings.Contains(err.Error(), "two plans for one condition") {
			t.Fatalf("upgrade with two asthma plans for one patient: %v", err)
		}
		var plans int64
		db.Model(&models.ActionPlan{}).Count(&plans)
		if plans != 2 {
			t.Errorf("%d plans after the refused upgrade; want both kept", plans)
		}
	})
}
