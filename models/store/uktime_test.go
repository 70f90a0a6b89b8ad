package store_test

import (
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"

	"gorm.io/gorm"
)

// Red readings at 00:30 and 09:00 on a summer morning in the UK are one
// day's readings, although the first is the evening before in UTC.
func TestOneAlertForRedReadingsOfOneUKDay(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		reader, amelia, plan := ameliasPeakFlow(t, st)
		patient := reader.User
		actor := models.Actor{UserID: patient.ID, Role: models.RolePatient}
		red := plan.Content.PeakFlow.RedBelow - 10
		for _, at := range []time.Time{
			time.Date(2026, 6, 14, 23, 30, 0, 0, time.UTC),
			time.Date(2026, 6, 15, 8, 0, 0, 0, time.UTC),
		} {
			st.SetClock(func() time.Time { return at })
			if _, err := st.RecordPeakFlow(t.Context(), reader, actor, amelia, plan, red); err != nil {
				t.Fatal(err)
			}
		}
		var alerts []models.Alert
		db.Where("patient_id = ? AND raised_on LIKE ?", amelia.ID, "2026-06-%").Find(&alerts)
		if len(alerts) != 1 || alerts[0].RaisedOn != "2026-06-15" || alerts[0].ReadingCount != 2 {
			t.Errorf("alerts = %+v, want one on 2026-06-15 counting 2 readings", alerts)
		}
	})
}
