package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// outcomesNow is mid-March 2026, so a three-month period is January to March.
var outcomesNow = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

// outcomesPopulation is a small ICB with known activity: North has
// Ashfield (two patients) and Brookside (one); South's patient must never
// be counted for North's commissioner.
func outcomesPopulation(t *testing.T, db *gorm.DB) (commissioner models.User, ashfield, brookside models.Organisation) {
	t.Helper()
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
	day := func(s string) *time.Time {
		v, err := time.Parse(time.DateOnly, s)
		must(err)
		return &v
	}
	north := models.Organisation{Kind: models.OrganisationICB, Name: "North", ODSCode: "QN1"}
	south := models.Organisation{Kind: models.OrganisationICB, Name: "South", ODSCode: "QS1"}
	must(db.Create(&north).Error)
	must(db.Create(&south).Error)
	ashfield = models.Organisation{Kind: models.OrganisationPractice, Name: "Ashfield", ODSCode: "A1", ParentID: &north.ID}
	brookside = models.Organisation{Kind: models.OrganisationPractice, Name: "Brookside", ODSCode: "B1", ParentID: &north.ID}
	southern := models.Organisation{Kind: models.OrganisationPractice, Name: "Southern", ODSCode: "C1", ParentID: &south.ID}
	must(db.Create(&ashfield).Error)
	must(db.Create(&brookside).Error)
	must(db.Create(&southern).Error)
	commissioner = models.User{Username: "commissioner", Role: models.RoleCommissioner, DisplayName: "C"}
	must(db.Create(&commissioner).Error)
	must(db.Create(&models.Membership{UserID: commissioner.ID, OrganisationID: north.ID}).Error)

	type person struct {
		practice    models.Organisation
		born        string
		snomed      string
		registered  string
		activated   string // empty when not set up
		lastActive  string
		readings    [][3]string // kind, zone, when
		requestedAt string
	}
	people := []person{
		{practice: ashfield, born: "2020-06-01", snomed: models.SnomedAsthma, registered: "2025-11-10 09:00:00",
			activated: "2026-01-05 10:00:00", lastActive: "2026-03-15",
			readings: [][3]string{
				{models.ReadingPeakFlow, models.ZoneGreen, "2025-12-31 23:30:00"},
				{models.ReadingPeakFlow, models.ZoneGreen, "2026-01-10 08:00:00"},
				{models.ReadingPeakFlow, models.ZoneRed, "2026-02-28 23:30:00"},
			}},
		{practice: ashfield, born: "1960-01-01", snomed: "84757009", registered: "2026-01-20 09:00:00"},
		{practice: brookside, born: "2010-03-16", snomed: models.SnomedAsthma, registered: "2026-02-01 09:00:00",
			activated: "2026-02-03 10:00:00", lastActive: "2026-03-01",
			readings:    [][3]string{{models.ReadingSymptoms, models.ZoneAmber, "2026-03-02 10:00:00"}},
			requestedAt: "2026-03-03 10:00:00"},
		{practice: southern, born: "2015-01-01", snomed: models.SnomedAsthma, registered: "2026-02-10 09:00:00",
			activated: "2026-02-11 09:00:00", lastActive: "2026-03-15",
			readings:    [][3]string{{models.ReadingPeakFlow, models.ZoneRed, "2026-03-01 10:00:00"}},
			requestedAt: "2026-03-01 11:00:00"},
	}
	for i, p := range people {
		patient := models.Patient{Ref: fmt.Sprintf("outcomes%09d", i), NHSNumber: fmt.Sprintf("99900000%02d", i),
			GivenName: "Given", FamilyName: "Family", DateOfBirth: *day(p.born), PracticeID: p.practice.ID, CreatedAt: at(p.registered)}
		must(db.Create(&patient).Error)
		plan := models.ActionPlan{PatientID: patient.ID, ConditionName: "Condition", SnomedCode: p.snomed}
		must(db.Create(&plan).Error)
		if p.activated == "" {
			continue
		}
		account := models.User{Username: fmt.Sprintf("patient%d", i), Role: models.RolePatient, DisplayName: "P",
			PatientID: &patient.ID, LastActiveOn: day(p.lastActive), CreatedAt: at(p.activated)}
		must(db.Create(&account).Error)
		for _, r := range p.readings {
			must(db.Create(&models.Reading{PatientID: patient.ID, Kind: r[0], Zone: r[1], RecordedByID: account.ID, CreatedAt: at(r[2])}).Error)
		}
		if p.requestedAt != "" {
			must(db.Create(&models.PrescriptionRequest{PatientID: patient.ID, PlanID: plan.ID, Medicine: "M", Status: models.RequestRequested,
				RequestedByID: account.ID, CreatedAt: at(p.requestedAt)}).Error)
		}
		if i == 0 {
			carer := models.User{Username: "carer0", Role: models.RoleCarer, DisplayName: "Carer", LastActiveOn: day("2026-03-14")}
			must(db.Create(&carer).Error)
			must(db.Create(&models.CarerLink{CarerID: carer.ID, PatientID: patient.ID, Relationship: "Parent", Permission: models.PermissionAct}).Error)
		}
	}
	return commissioner, ashfield, brookside
}

// refreshed is a store whose outcome rollup has been built as at
// outcomesNow, as the periodic job builds it.
func refreshed(t *testing.T, db *gorm.DB) *store.Store {
	t.Helper()
	st := store.NewStore(db)
	if err := st.RefreshOutcomes(context.Background(), outcomesNow, true); err != nil {
		t.Fatal(err)
	}
	return st
}

// monthFigures is one month's measures, in a form a test can compare.
type monthFigures struct {
	Month                                                        string
	Registered, Activated, Readings, CheckIns, RedZone, Requests int64
	TotalRegistered, TotalActivated                              int64
}

func figures(o *models.Outcomes) []monthFigures {
	var out []monthFigures
	for _, m := range o.Periods {
		out = append(out, monthFigures{m.Start.Format("2006-01"), m.Counts[models.MeasureRegistered], m.Counts[models.MeasureActivated],
			m.Counts[models.MeasureReadings], m.Counts[models.MeasureCheckIns], m.Counts[models.MeasureRedZone], m.Counts[models.MeasureRequests],
			m.TotalRegistered, m.TotalActivated})
	}
	return out
}

func TestOutcomesCountEachMeasureByMonthForTheFilter(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		commissioner, ashfield, brookside := outcomesPopulation(t, db)
		st := refreshed(t, db)
		tests := []struct {
			name   string
			filter models.OutcomeFilter
			want   []monthFigures
			active models.ActiveUsers
		}{
			{"the whole ICB, and nothing from another", models.OutcomeFilter{Months: 3}, []monthFigures{
				{"2026-01", 1, 1, 1, 0, 0, 0, 2, 1},
				{"2026-02", 1, 1, 1, 0, 1, 0, 3, 2},
				{"2026-03", 0, 0, 0, 1, 0, 1, 3, 2},
			}, models.ActiveUsers{Daily: 1, Weekly: 2, Monthly: 3}},
			{"one practice", models.OutcomeFilter{Months: 3, PracticeID: brookside.ID}, []monthFigures{
				{"2026-01", 0, 0, 0, 0, 0, 0, 0, 0},
				{"2026-02", 1, 1, 0, 0, 0, 0, 1, 1},
				{"2026-03", 0, 0, 0, 1, 0, 1, 1, 1},
			}, models.ActiveUsers{Monthly: 1}},
			{"one condition", models.OutcomeFilter{Months: 3, Condition: "84757009"}, []monthFigures{
				{"2026-01", 1, 0, 0, 0, 0, 0, 1, 0},
				{"2026-02", 0, 0, 0, 0, 0, 0, 1, 0},
				{"2026-03", 0, 0, 0, 0, 0, 0, 1, 0},
			}, models.ActiveUsers{}},
			{"an age band, with someone a day short of their sixteenth birthday", models.OutcomeFilter{Months: 3, AgeBand: "12-17"}, []monthFigures{
				{"2026-01", 0, 0, 0, 0, 0, 0, 0, 0},
				{"2026-02", 1, 1, 0, 0, 0, 0, 1, 1},
				{"2026-03", 0, 0, 0, 1, 0, 1, 1, 1},
			}, models.ActiveUsers{Monthly: 1}},
			{"the oldest band, which has no upper limit", models.OutcomeFilter{Months: 3, AgeBand: "65+", PracticeID: ashfield.ID}, []monthFigures{
				{"2026-01", 1, 0, 0, 0, 0, 0, 1, 0},
				{"2026-02", 0, 0, 0, 0, 0, 0, 1, 0},
				{"2026-03", 0, 0, 0, 0, 0, 0, 1, 0},
			}, models.ActiveUsers{}},
		}
		for _, test := range tests {
			t.Run(test.name, func(t *testing.T) {
				got, err := st.Outcomes(context.Background(), commissioner.ID, test.filter, outcomesNow)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(figures(got)) != fmt.Sprint(test.want) {
					t.Errorf("months:\n got %+v\nwant %+v", figures(got), test.want)
				}
				if got.Active != test.active {
					t.Errorf("active people: got %+v, want %+v", got.Active, test.active)
				}
			})
		}
	})
}

func TestOutcomesPeriodIsWholeUKMonths(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		commissioner, _, _ := outcomesPopulation(t, db)
		got, err := refreshed(t, db).Outcomes(context.Background(), commissioner.ID, models.OutcomeFilter{Months: 6}, outcomesNow)
		if err != nil {
			t.Fatal(err)
		}
		months := figures(got)
		if len(months) != 6 || months[0].Month != "2025-10" || months[1].TotalRegistered != 1 || months[2].Readings != 1 {
			t.Errorf("six months from October: got %+v", months)
		}
	})
}
