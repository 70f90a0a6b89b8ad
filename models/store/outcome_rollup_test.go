package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// rollupPerson is a patient of rollupPopulation, as the raw count sees it.
type rollupPerson struct {
	id, practice uint
	born         time.Time
	registered   time.Time
	conditions   []string
	readings     []time.Time // peak flows; every third a red zone
	checkIns     []time.Time // each answering no unplanned care
	reviews      []time.Time // UK days, each answering no unplanned care
	account      uint
	visits       []time.Time // days the patient used the service
	carer        uint
}

// rollupPopulation is sixty patients at three practices of the North ICB
// and one of the South, with ages either side of the bands' edges at the
// ends of the months measured, one, two or no conditions, and readings,
// check-ins and visits spread over the months; some have a carer, and one
// carer cares for two brothers.
func rollupPopulation(t *testing.T, db *gorm.DB) (commissioner models.User, practices []models.Organisation, people []*rollupPerson) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	north := models.Organisation{Kind: models.OrganisationICB, Name: "North", ODSCode: "QN1"}
	south := models.Organisation{Kind: models.OrganisationICB, Name: "South", ODSCode: "QS1"}
	must(db.Create(&north).Error)
	must(db.Create(&south).Error)
	for i, parent := range []*models.Organisation{&north, &north, &north, &south} {
		practice := models.Organisation{Kind: models.OrganisationPractice, Name: fmt.Sprintf("Practice %d", i), ODSCode: fmt.Sprintf("P%d", i), ParentID: &parent.ID}
		must(db.Create(&practice).Error)
		practices = append(practices, practice)
	}
	commissioner = models.User{Username: "commissioner", Role: models.RoleCommissioner, DisplayName: "C"}
	must(db.Create(&commissioner).Error)
	must(db.Create(&models.Membership{UserID: commissioner.ID, OrganisationID: north.ID}).Error)

	random := rand.New(rand.NewPCG(38, 1))
	// Birthdays near the ends of January, February and March 2026, a
	// band's edge either side of them.
	edges := []int{0, 5, 12, 18, 65}
	ends := []time.Time{time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)}
	conditions := [][]string{nil, {models.SnomedAsthma}, {"84757009"}, {models.SnomedAsthma, "84757009"}}
	instant := func(from time.Time, days int) time.Time {
		return from.Add(time.Duration(random.IntN(days*24*60)) * time.Minute)
	}
	var brother *rollupPerson
	for i := range 60 {
		edge, end := edges[random.IntN(len(edges))], ends[random.IntN(len(ends))]
		p := &rollupPerson{practice: practices[i%len(practices)].ID,
			born:       end.AddDate(-edge, 0, random.IntN(5)-2),
			registered: instant(time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), 150),
			conditions: conditions[random.IntN(len(conditions))]}
		patient := models.Patient{Ref: fmt.Sprintf("rollup%011d", i), NHSNumber: fmt.Sprintf("99910000%02d", i), GivenName: "Given",
			FamilyName: "Family", DateOfBirth: p.born, PracticeID: p.practice, CreatedAt: p.registered}
		must(db.Create(&patient).Error)
		p.id = patient.ID
		for _, code := range p.conditions {
			must(db.Create(&models.ActionPlan{PatientID: p.id, ConditionName: "Condition", SnomedCode: code}).Error)
		}
		people = append(people, p)
		if i%4 == 3 {
			continue // not set up
		}
		account := models.User{Username: fmt.Sprintf("rollup%d", i), Role: models.RolePatient, DisplayName: "P", PatientID: &p.id,
			CreatedAt: p.registered.Add(time.Duration(random.IntN(20*24)) * time.Hour)}
		must(db.Create(&account).Error)
		p.account = account.ID
		for range random.IntN(6) {
			at := instant(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 90)
			zone := models.ZoneGreen
			if len(p.readings)%3 == 2 {
				zone = models.ZoneRed
			}
			must(db.Create(&models.Reading{PatientID: p.id, Kind: models.ReadingPeakFlow, Zone: zone, RecordedByID: account.ID, CreatedAt: at}).Error)
			p.readings = append(p.readings, at)
		}
		for range random.IntN(3) {
			at := instant(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 90)
			must(db.Create(&models.Reading{PatientID: p.id, Kind: models.ReadingSymptoms, Zone: models.ZoneGreen, RecordedByID: account.ID,
				UnplannedCare: models.UnplannedNone, CreatedAt: at}).Error)
			p.checkIns = append(p.checkIns, at)
		}
		// The same answer at a review, the day after the first check-in,
		// adds to the check-ins' count.
		if len(p.checkIns) > 0 {
			day, _ := time.Parse(time.DateOnly, models.UKDay(p.checkIns[0].AddDate(0, 0, 1)))
			must(db.Create(&models.Review{PatientID: p.id, ReviewedOn: day, NextReviewOn: day.AddDate(1, 0, 0), Outcome: models.OutcomeNoChange,
				UnplannedCare: models.UnplannedNone}).Error)
			p.reviews = append(p.reviews, day)
		}
		for day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); day.Month() < 4; day = day.AddDate(0, 0, 1+random.IntN(20)) {
			must(db.Create(&models.ActivityDay{UserID: account.ID, Day: day}).Error)
			p.visits = append(p.visits, day)
		}
		if i%5 == 0 {
			carer := models.User{Username: fmt.Sprintf("rollupcarer%d", i), Role: models.RoleCarer, DisplayName: "Carer"}
			must(db.Create(&carer).Error)
			must(db.Create(&models.CarerLink{CarerID: carer.ID, PatientID: p.id, Relationship: "Parent", Permission: models.PermissionAct}).Error)
			must(db.Create(&models.ActivityDay{UserID: carer.ID, Day: p.visits[0]}).Error)
			p.carer = carer.ID
			if brother == nil {
				brother = p
			}
		}
	}
	// The first carer cares for a brother too, at the same practice and of
	// the same age and conditions, who must not make them two carers.
	twin := *brother
	patient := models.Patient{Ref: "rollup99999999999", NHSNumber: "9991000099", GivenName: "Twin", FamilyName: "Family",
		DateOfBirth: twin.born, PracticeID: twin.practice, CreatedAt: twin.registered}
	must(db.Create(&patient).Error)
	twin.id, twin.account, twin.readings, twin.checkIns, twin.reviews, twin.visits = patient.ID, 0, nil, nil, nil, nil
	for _, code := range twin.conditions {
		must(db.Create(&models.ActionPlan{PatientID: twin.id, ConditionName: "Condition", SnomedCode: code}).Error)
	}
	must(db.Create(&models.CarerLink{CarerID: twin.carer, PatientID: twin.id, Relationship: "Parent", Permission: models.PermissionAct}).Error)
	people = append(people, &twin)
	return commissioner, practices, people
}

// ageOn is a person's age in whole years on a day.
func ageOn(born, day time.Time) int {
	age := day.Year() - born.Year()
	if day.Month() < born.Month() || day.Month() == born.Month() && day.Day() < born.Day() {
		age--
	}
	return age
}

// rawFigures counts some measures straight from the people, period by
// period, as the definitions say: the way to check the rollup.
func rawFigures(people []*rollupPerson, north []uint, filter models.OutcomeFilter, periods []models.PeriodOutcomes) []string {
	var out []string
	for _, period := range periods {
		lastDay, _ := time.Parse(time.DateOnly, models.UKDay(period.End.AddDate(0, 0, -1)))
		in := func(at time.Time) bool { return !at.Before(period.Start) && at.Before(period.End) }
		var registered, total, readings, red, checkIns, unplanned, activePatients, patientDays int64
		carers := map[uint]bool{}
		for _, p := range people {
			if !slices.Contains(north, p.practice) || filter.PracticeID != 0 && p.practice != filter.PracticeID ||
				filter.Condition != "" && !slices.Contains(p.conditions, filter.Condition) {
				continue
			}
			if filter.AgeBand != "" {
				age := ageOn(p.born, lastDay)
				band := models.AgeBands[slices.IndexFunc(models.AgeBands, func(b models.AgeBand) bool { return b.Key == filter.AgeBand })]
				if age < band.From || band.To >= 0 && age > band.To {
					continue
				}
			}
			if in(p.registered) {
				registered++
			}
			if p.registered.Before(period.End) {
				total++
			}
			for i, at := range p.readings {
				if in(at) {
					readings++
					if i%3 == 2 {
						red++
					}
				}
			}
			for _, at := range p.checkIns {
				if in(at) {
					checkIns++
					unplanned++
				}
			}
			for _, day := range p.reviews {
				if !day.Before(period.Start.Add(-12*time.Hour)) && day.Before(period.End.Add(-12*time.Hour)) {
					unplanned++
				}
			}
			active := false
			for _, day := range p.visits {
				if !day.Before(period.Start.Add(-12*time.Hour)) && day.Before(period.End.Add(-12*time.Hour)) {
					patientDays++
					active = true
				}
			}
			if active {
				activePatients++
			}
			if p.carer != 0 && p.account != 0 && !p.visits[0].Before(period.Start.Add(-12*time.Hour)) && p.visits[0].Before(period.End.Add(-12*time.Hour)) {
				carers[p.carer] = true
			}
		}
		out = append(out, fmt.Sprintf("%s registered %d (total %d), readings %d, red %d, check-ins %d, no unplanned care %d, patients active %d on %d days, carers active %d",
			period.Start.Format(time.DateOnly), registered, total, readings, red, checkIns, unplanned, activePatients, patientDays, len(carers)))
	}
	return out
}

func rolledUpFigures(periods []models.PeriodOutcomes) []string {
	var out []string
	for _, p := range periods {
		out = append(out, fmt.Sprintf("%s registered %d (total %d), readings %d, red %d, check-ins %d, no unplanned care %d, patients active %d on %d days, carers active %d",
			p.Start.Format(time.DateOnly), p.Counts[models.MeasureRegistered], p.TotalRegistered, p.Counts[models.MeasureReadings],
			p.Counts[models.MeasureRedZone], p.Counts[models.MeasureCheckIns], p.Counts[models.MeasureUnplanned(models.UnplannedNone)],
			p.Counts[models.MeasureActivePatients],
			p.Counts[models.MeasurePatientDays], p.Counts[models.MeasureActiveCarers]))
	}
	return out
}

// The rollup's sums give the same figures as counting the people one by
// one, for every kind of filter, by month and by week; the uptake table's
// practices add up to the whole ICB's figure.
func TestOutcomeRollupMatchesARawCount(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		commissioner, practices, people := rollupPopulation(t, db)
		st := refreshed(t, db)
		north := []uint{practices[0].ID, practices[1].ID, practices[2].ID}
		for _, filter := range []models.OutcomeFilter{
			{Months: 3},
			{Months: 3, PracticeID: practices[1].ID},
			{Months: 3, Condition: models.SnomedAsthma},
			{Months: 3, Condition: "84757009", AgeBand: "18-64"},
			{Months: 3, AgeBand: "5-11"},
			{Months: 6, AgeBand: "0-4", PracticeID: practices[0].ID},
			{Months: 3, AgeBand: "65+"},
			{Months: 3, AgeBand: "12-17", Condition: models.SnomedAsthma, By: models.ByWeek},
			{Months: 3, By: models.ByWeek},
		} {
			t.Run(fmt.Sprintf("%+v", filter), func(t *testing.T) {
				got, err := st.Outcomes(context.Background(), commissioner.ID, filter, outcomesNow)
				if err != nil {
					t.Fatal(err)
				}
				rolled, raw := rolledUpFigures(got.Periods), rawFigures(people, north, filter, got.Periods)
				if len(raw) == 0 {
					t.Fatal("no periods measured")
				}
				for i := range raw {
					if rolled[i] != raw[i] {
						t.Errorf("rollup: %s\n    raw: %s", rolled[i], raw[i])
					}
				}
				uptake, err := st.Uptake(context.Background(), commissioner.ID, filter, outcomesNow)
				if err != nil {
					t.Fatal(err)
				}
				var registered int64
				for _, u := range uptake {
					registered += u.Registered
				}
				if months := rolledUpFigures(got.Periods); filter.Grouping() == models.ByMonth && registered != got.Periods[len(got.Periods)-1].TotalRegistered {
					t.Errorf("the practices' uptake adds up to %d, the ICB's last month to %d: %v", registered, got.Periods[len(got.Periods)-1].TotalRegistered, months)
				}
			})
		}
	})
}

// A reading recorded after the rollup was built is counted once the
// periodic job next refreshes it, which rebuilds everything once the last
// full rebuild is a day old.
func TestOutcomesCountANewEventAfterThePeriodicRefresh(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		commissioner, _, _ := outcomesPopulation(t, db)
		st := refreshed(t, db)
		now := outcomesNow.Add(10 * time.Minute)
		st.SetClock(func() time.Time { return now })
		readings := func() int64 {
			t.Helper()
			got, err := st.Outcomes(context.Background(), commissioner.ID, models.OutcomeFilter{Months: 3}, now)
			if err != nil {
				t.Fatal(err)
			}
			return got.Periods[2].Counts[models.MeasureReadings]
		}
		before := readings()
		var patient models.Patient
		if err := db.Where("ref = ?", "outcomes000000000").First(&patient).Error; err != nil {
			t.Fatal(err)
		}
		var account models.User
		if err := db.Where("patient_id = ?", patient.ID).First(&account).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&models.Reading{PatientID: patient.ID, Kind: models.ReadingPeakFlow, Zone: models.ZoneGreen, RecordedByID: account.ID,
			CreatedAt: outcomesNow.Add(5 * time.Minute)}).Error; err != nil {
			t.Fatal(err)
		}
		if got := readings(); got != before {
			t.Fatalf("the reading was counted before the refresh: %d, was %d", got, before)
		}
		if err := st.RefreshOutcomesDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := readings(); got != before+1 {
			t.Errorf("after the refresh March has %d readings; want %d", got, before+1)
		}
		var full models.OutcomeRollupRefresh
		if err := db.Where("kind = ?", "full").First(&full).Error; err != nil {
			t.Fatal(err)
		}
		if !full.RefreshedAt.Equal(outcomesNow) {
			t.Errorf("a refresh minutes after a full rebuild rebuilt everything, at %s", full.RefreshedAt)
		}
		got, err := st.Outcomes(context.Background(), commissioner.ID, models.OutcomeFilter{Months: 3}, now)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Counted || !got.UpToDate.Equal(now) {
			t.Errorf("figures up to %s (counted %v); want %s", got.UpToDate, got.Counted, now)
		}

		now = outcomesNow.Add(25 * time.Hour)
		if err := st.RefreshOutcomesDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := db.Where("kind = ?", "full").First(&full).Error; err != nil {
			t.Fatal(err)
		}
		if !full.RefreshedAt.Equal(now) {
			t.Errorf("a day after the last full rebuild, the last is at %s; want %s", full.RefreshedAt, now)
		}
	})
}

// An instance starting minutes after another brought the rollup up to
// date counts nothing again: the refresh it runs on starting waits for the
// next interval.
func TestOutcomesAreNotRecountedJustAfterARefresh(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		outcomesPopulation(t, db)
		st := refreshed(t, db)
		st.SetClock(func() time.Time { return outcomesNow.Add(time.Minute) })
		if err := st.RefreshOutcomesDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		var recent models.OutcomeRollupRefresh
		if err := db.Where("kind = ?", "recent").First(&recent).Error; err != nil {
			t.Fatal(err)
		}
		if !recent.RefreshedAt.Equal(outcomesNow) {
			t.Errorf("a minute after a refresh the outcomes were counted again, at %s", recent.RefreshedAt)
		}
	})
}

// The job queue builds the rollup as soon as it starts, when it has never
// been built.
func TestJobQueueBuildsTheOutcomeRollup(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		commissioner, _, _ := outcomesPopulation(t, db)
		st := store.NewStore(db)
		startJobQueue(t, st)
		eventually(t, "the rollup's first build", func() bool {
			_, counted, err := st.OutcomesUpToDate(context.Background())
			return err == nil && counted
		})
		got, err := st.Outcomes(context.Background(), commissioner.ID, models.OutcomeFilter{Months: 12}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if last := got.Periods[len(got.Periods)-1]; last.TotalRegistered != 3 {
			t.Errorf("the North ICB has %d patients registered now; want 3", last.TotalRegistered)
		}
	})
}
