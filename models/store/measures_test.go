package store_test

import (
	"context"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"

	"gorm.io/gorm"
)

// measuresPopulation adds to the outcomes population a quarter's alerts,
// requests, check-ins, reviews, visits, feedback and shares of Ashfield's
// first two patients, whose figures the test works out by hand.
func measuresPopulation(t *testing.T, db *gorm.DB) models.User {
	t.Helper()
	commissioner, _, _ := outcomesPopulation(t, db)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.DateTime, s)
		must(err)
		return v
	}
	ptr := func(v time.Time) *time.Time { return &v }
	score := func(n int) *int { return &n }
	var first, second models.Patient
	must(db.Where("ref = ?", "outcomes000000000").First(&first).Error)
	must(db.Where("ref = ?", "outcomes000000001").First(&second).Error)
	var account, carer models.User
	must(db.Where("patient_id = ?", first.ID).First(&account).Error)
	must(db.Where("username = ?", "carer0").First(&carer).Error)
	var plan models.ActionPlan
	must(db.Where("patient_id = ?", first.ID).First(&plan).Error)

	for _, alert := range []models.Alert{
		{RaisedOn: "2026-01-10", CreatedAt: at("2026-01-10 08:00:00"), AcknowledgedAt: ptr(at("2026-01-10 09:30:00")), Status: models.AlertAcknowledged},
		{RaisedOn: "2026-01-20", CreatedAt: at("2026-01-20 08:00:00"), AcknowledgedAt: ptr(at("2026-01-20 10:00:00")), Status: models.AlertAcknowledged},
		{RaisedOn: "2026-02-05", CreatedAt: at("2026-02-05 08:00:00"), Status: models.AlertOpen},
	} {
		litres := 100
		reading := models.Reading{PatientID: first.ID, Kind: models.ReadingPeakFlow, PeakFlow: &litres, Zone: models.ZoneRed,
			RecordedByID: account.ID, CreatedAt: alert.CreatedAt}
		must(db.Create(&reading).Error)
		alert.PatientID, alert.ReadingID, alert.ReadingCount = first.ID, reading.ID, 1
		must(db.Create(&alert).Error)
	}
	for _, request := range []models.PrescriptionRequest{
		{Medicine: "Clenil", Purpose: models.PurposePreventer, Status: models.RequestReady, CreatedAt: at("2026-01-02 10:00:00"), UpdatedAt: at("2026-01-03 10:00:00")},
		{Medicine: "Salbutamol", Purpose: models.PurposeReliever, Status: models.RequestReady, CreatedAt: at("2026-01-12 10:00:00"), UpdatedAt: at("2026-01-12 13:00:00")},
		{Medicine: "Salbutamol", Purpose: models.PurposeReliever, Status: models.RequestRejected, CreatedAt: at("2026-01-25 10:00:00"), UpdatedAt: at("2026-01-25 11:00:00")},
		{Medicine: "Clenil", Purpose: models.PurposePreventer, Status: models.RequestRequested, CreatedAt: at("2026-02-02 10:00:00"), UpdatedAt: at("2026-02-02 10:00:00")},
	} {
		request.PatientID, request.PlanID, request.RequestedByID = first.ID, plan.ID, account.ID
		must(db.Create(&request).Error)
	}
	for _, reading := range []models.Reading{
		{UnplannedCare: models.UnplannedAE, RCPScore: score(2), CreatedAt: at("2026-02-10 10:00:00")},
		{UnplannedCare: models.UnplannedNone, RCPScore: score(0), CreatedAt: at("2026-02-20 10:00:00")},
	} {
		reading.PatientID, reading.Kind, reading.Zone, reading.RecordedByID = first.ID, models.ReadingSymptoms, models.ZoneGreen, account.ID
		must(db.Create(&reading).Error)
	}
	day := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		must(err)
		return v
	}
	// The first review set the next for 31 January; the second was late.
	must(db.Create(&models.Review{PatientID: first.ID, ReviewedOn: day("2025-03-01"), NextReviewOn: day("2026-01-31"), Outcome: models.OutcomeNoChange}).Error)
	must(db.Create(&models.Review{PatientID: first.ID, ReviewedOn: day("2026-02-10"), NextReviewOn: day("2027-02-10"), Outcome: models.OutcomeNoChange,
		UnplannedCare: models.UnplannedUrgentGP, RCPScore: score(1)}).Error)
	must(db.Model(&models.Patient{}).Where("id = ?", first.ID).Updates(map[string]any{"last_review_on": day("2026-02-10"), "next_review_on": day("2027-02-10")}).Error)
	// The second patient has had no review and was due one on 15 February.
	must(db.Model(&models.Patient{}).Where("id = ?", second.ID).Update("next_review_on", day("2026-02-15")).Error)

	for _, visit := range []models.ActivityDay{
		{UserID: account.ID, Day: day("2026-01-05")}, {UserID: account.ID, Day: day("2026-01-06")}, {UserID: account.ID, Day: day("2026-02-10")},
		{UserID: carer.ID, Day: day("2026-01-06")},
	} {
		must(db.Create(&visit).Error)
	}
	must(db.Create(&models.Feedback{UserID: account.ID, Number: 1, Score: 4, Comment: "Handy", CreatedAt: at("2026-01-07 10:00:00")}).Error)
	must(db.Create(&models.Feedback{UserID: carer.ID, Number: 1, Score: 2, CreatedAt: at("2026-01-08 10:00:00")}).Error)
	must(db.Create(&models.Share{PatientID: first.ID, CodeHash: "share-1", Recipient: "School", CreatedByID: account.ID,
		CreatedAt: at("2026-01-15 10:00:00"), ExpiresAt: at("2026-02-14 10:00:00")}).Error)
	must(db.Create(&models.Share{PatientID: first.ID, CodeHash: "share-2", Recipient: "School", CreatedByID: account.ID,
		CreatedAt: at("2026-02-20 10:00:00"), ExpiresAt: at("2026-05-20 10:00:00"), RevokedAt: ptr(at("2026-03-05 10:00:00"))}).Error)
	return commissioner
}

func TestMeasuresCountEachDefinitionByMonth(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		commissioner := measuresPopulation(t, db)
		got, err := refreshed(t, db).Outcomes(context.Background(), commissioner.ID, models.OutcomeFilter{Months: 3}, outcomesNow)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Periods) != 3 {
			t.Fatalf("got %d periods; want January to March", len(got.Periods))
		}
		jan, feb, mar := got.Periods[0], got.Periods[1], got.Periods[2]
		counts := []struct {
			name    string
			period  models.PeriodOutcomes
			measure string
			want    int64
		}{
			{"alerts raised in January", jan, models.MeasureAlerts, 2},
			{"January's alerts acknowledged", jan, models.MeasureAlertsAcknowledged, 2},
			{"alerts raised in February", feb, models.MeasureAlerts, 1},
			{"February's alerts acknowledged", feb, models.MeasureAlertsAcknowledged, 0},
			{"requests in January", jan, models.MeasureRequests, 3},
			{"January's requests made ready", jan, models.MeasureRequestsReady, 2},
			{"preventer requests in January", jan, models.MeasurePreventerRequests, 1},
			{"reliever requests in January", jan, models.MeasureRelieverRequests, 2},
			{"people asking for two relievers in January", jan, models.MeasureRelieverOveruse, 1},
			{"no over-use in February", feb, models.MeasureRelieverOveruse, 0},
			{"check-ins in February", feb, models.MeasureCheckIns, 2},
			{"A&E at a check-in", feb, models.MeasureUnplanned(models.UnplannedAE), 1},
			{"no unplanned care at a check-in", feb, models.MeasureUnplanned(models.UnplannedNone), 1},
			{"urgent GP at a review", feb, models.MeasureUnplanned(models.UnplannedUrgentGP), 1},
			{"well controlled", feb, models.MeasureRCP(0), 1},
			{"partly controlled, at the review", feb, models.MeasureRCP(1), 1},
			{"two yeses", feb, models.MeasureRCP(2), 1},
			{"no reviews in January", jan, models.MeasureReviews, 0},
			{"a review falling due in January", jan, models.MeasureReviewsDue, 1},
			{"overdue at the end of January", jan, models.MeasureReviewsOverdue, 1},
			{"a review in February", feb, models.MeasureReviews, 1},
			{"done late", feb, models.MeasureReviewsOnTime, 0},
			{"the second patient due in February", feb, models.MeasureReviewsDue, 1},
			{"overdue at the end of February: the second patient only", feb, models.MeasureReviewsOverdue, 1},
			{"still overdue at the end of March", mar, models.MeasureReviewsOverdue, 1},
			{"patients active in January", jan, models.MeasureActivePatients, 1},
			{"their days", jan, models.MeasurePatientDays, 2},
			{"carers active in January", jan, models.MeasureActiveCarers, 1},
			{"patients active in February", feb, models.MeasureActivePatients, 1},
			{"feedback in January", jan, models.MeasureFeedback, 2},
			{"a score of 4", jan, models.MeasureScore(4), 1},
			{"a score of 2", jan, models.MeasureScore(2), 1},
			{"a share working at the end of January", jan, models.MeasureSharesActive, 1},
			{"the second share working at the end of February", feb, models.MeasureSharesActive, 1},
			{"revoked before the end of March", mar, models.MeasureSharesActive, 0},
		}
		for _, c := range counts {
			if n := c.period.Counts[c.measure]; n != c.want {
				t.Errorf("%s (%s): got %d, want %d", c.name, c.measure, n, c.want)
			}
		}
		if jan.ScoreSum != 6 {
			t.Errorf("January's scores add up to %d; want 6", jan.ScoreSum)
		}
		spreads := []struct {
			name           string
			spread         *models.Spread
			n, median, p90 int64
		}{
			{"acknowledged in 90 and 120 minutes", jan.Spreads[models.SpreadAcknowledge], 2, 90, 120},
			{"ready in 1,440 and 180 minutes", jan.Spreads[models.SpreadReady], 2, 180, 1440},
			{"set up 56 days after registering", jan.Spreads[models.SpreadActivationDays], 1, 56, 56},
			{"set up 2 days after registering", feb.Spreads[models.SpreadActivationDays], 1, 2, 2},
		}
		for _, s := range spreads {
			if s.spread.N() != s.n || s.spread.Percentile(50) != s.median || s.spread.Percentile(90) != s.p90 {
				t.Errorf("%s: got %d values, median %d, 90th percentile %d; want %d, %d, %d", s.name,
					s.spread.N(), s.spread.Percentile(50), s.spread.Percentile(90), s.n, s.median, s.p90)
			}
		}
	})
}

func TestMeasuresByWeekStartOnMonday(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		commissioner := measuresPopulation(t, db)
		got, err := refreshed(t, db).Outcomes(context.Background(), commissioner.ID, models.OutcomeFilter{Months: 3, By: models.ByWeek}, outcomesNow)
		if err != nil {
			t.Fatal(err)
		}
		// 15 March 2026 is a Sunday: the weeks run from Monday 29 December,
		// the week holding 1 January, to Monday 9 March.
		first, last := got.Periods[0], got.Periods[len(got.Periods)-1]
		if len(got.Periods) != 11 || first.Start.Format(time.DateOnly) != "2025-12-29" || last.Start.Format(time.DateOnly) != "2026-03-09" ||
			last.End.Format(time.DateOnly) != "2026-03-16" {
			t.Fatalf("got %d weeks from %s to %s", len(got.Periods), first.Start, last.End)
		}
		// The week of 5 January holds two of the patient's visits and
		// one of the carer's.
		week := got.Periods[1]
		if week.Counts[models.MeasureActivePatients] != 1 || week.Counts[models.MeasurePatientDays] != 2 || week.Counts[models.MeasureActiveCarers] != 1 {
			t.Errorf("the week of 5 January: %+v", week.Counts)
		}
	})
}
