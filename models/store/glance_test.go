package store_test

import (
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"

	"gorm.io/gorm"
)

// TestGlancesFollowReadingsAndRequests: a glance is read afresh, for the
// patients the principal may read and no others.
func TestGlancesFollowReadingsAndRequests(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		reader, amelia, plan := ameliasPeakFlow(t, st)
		carer := principal(t, st, "carer")
		var oliver models.Patient
		if err := db.Where("given_name = ? AND practice_id = ?", "Oliver", amelia.PracticeID).Take(&oliver).Error; err != nil {
			t.Fatal(err)
		}
		glance := func(p *models.Principal, id uint) (models.Glance, bool) {
			t.Helper()
			glances, err := st.Glances(t.Context(), p, []uint{amelia.ID, oliver.ID})
			if err != nil {
				t.Fatal(err)
			}
			g, ok := glances[id]
			return g, ok
		}
		if _, ok := glance(reader, oliver.ID); ok {
			t.Error("a patient was shown another patient's glance")
		}
		if _, ok := glance(carer, oliver.ID); ok {
			t.Error("a carer was shown the glance of someone they do not care for")
		}

		reading, err := st.RecordPeakFlow(t.Context(), reader, models.Actor{UserID: reader.User.ID, Role: models.RolePatient}, amelia, plan, 110)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []*models.Principal{reader, carer} {
			g, ok := glance(p, amelia.ID)
			if !ok || g.Latest == nil || g.Latest.ID != reading.ID || !g.RedNow() {
				t.Fatalf("%s's glance after a red reading: %+v", p.User.Username, g)
			}
		}

		var waiting int64
		if err := db.Model(&models.PrescriptionRequest{}).Where("patient_id = ? AND status IN ?", amelia.ID, []string{models.RequestRequested, models.RequestApproved}).Count(&waiting).Error; err != nil {
			t.Fatal(err)
		}
		g, _ := glance(reader, amelia.ID)
		if g.WaitingRequests != int(waiting) || waiting == 0 {
			t.Errorf("glance counts %d waiting requests, the database %d", g.WaitingRequests, waiting)
		}
		// Made ready now, a request is to collect; turned down long ago,
		// one is no longer told about.
		if err := db.Model(&models.PrescriptionRequest{}).Where("patient_id = ? AND status IN ?", amelia.ID, []string{models.RequestRequested, models.RequestApproved}).
			Updates(map[string]any{"status": models.RequestReady, "updated_at": time.Now().UTC()}).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("INSERT INTO prescription_requests (patient_id, plan_id, medicine, purpose, status, reason, requested_by_id, created_at, updated_at) "+
			"SELECT patient_id, plan_id, 'An old medicine', purpose, ?, 'Not needed', requested_by_id, ?, ? FROM prescription_requests WHERE patient_id = ? LIMIT 1",
			models.RequestRejected, time.Now().AddDate(0, 0, -40), time.Now().AddDate(0, 0, -30), amelia.ID).Error; err != nil {
			t.Fatal(err)
		}
		g, _ = glance(reader, amelia.ID)
		if g.WaitingRequests != 0 || g.ReadyRequests != int(waiting) || g.RefusedRequests != 0 {
			t.Errorf("after the clinic made requests ready: %d waiting, %d ready, %d turned down; want 0, %d, 0", g.WaitingRequests, g.ReadyRequests, g.RefusedRequests, waiting)
		}
	})
}
