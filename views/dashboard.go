package views

import "healthpassport/models"

// Dashboard is what a commissioner sees of the outcomes: every count has
// been through disclosure control, so no figure points at a person.
type Dashboard struct {
	Filter    models.OutcomeFilter
	Practices []models.Organisation

	DailyActive, WeeklyActive, MonthlyActive models.Figure

	Months []DashboardMonth

	ByPractice []PracticeFigures
	Total      PracticeFigures
}

// DashboardMonth is one month's figures.
type DashboardMonth struct {
	Label                                 string
	Registered, Activated                 models.Figure
	Readings, CheckIns, RedZone, Requests models.Figure
	ActivationRate                        models.Rate // by the end of the month
}

// PracticeFigures is the uptake at one practice, or in the whole ICB.
type PracticeFigures struct {
	Name                  string
	Registered, Activated models.Figure
}

// ActivationRate is the share of registered patients who have set up their
// account, from the figures as shown.
func (p PracticeFigures) ActivationRate() models.Rate {
	return models.RateOf(p.Activated, p.Registered)
}

// NewDashboard discloses outcomes and uptake for a commissioner.
func NewDashboard(filter models.OutcomeFilter, practices []models.Organisation, outcomes *models.Outcomes, uptake []models.PracticeUptake) Dashboard {
	d := Dashboard{Filter: filter, Practices: practices,
		DailyActive:   models.Disclose(outcomes.Active.Daily),
		WeeklyActive:  models.Disclose(outcomes.Active.Weekly),
		MonthlyActive: models.Disclose(outcomes.Active.Monthly)}
	for _, m := range outcomes.Months {
		d.Months = append(d.Months, DashboardMonth{
			Label:          m.Month.Format("January 2006"),
			Registered:     models.Disclose(m.Counts[models.MeasureRegistered]),
			Activated:      models.Disclose(m.Counts[models.MeasureActivated]),
			Readings:       models.Disclose(m.Counts[models.MeasureReadings]),
			CheckIns:       models.Disclose(m.Counts[models.MeasureCheckIns]),
			RedZone:        models.Disclose(m.Counts[models.MeasureRedZone]),
			Requests:       models.Disclose(m.Counts[models.MeasureRequests]),
			ActivationRate: models.RateOf(models.Disclose(m.TotalActivated), models.Disclose(m.TotalRegistered)),
		})
	}
	var registered, activated int64
	for _, u := range uptake {
		d.ByPractice = append(d.ByPractice, PracticeFigures{Name: u.PracticeName,
			Registered: models.Disclose(u.Registered), Activated: models.Disclose(u.Activated)})
		registered += u.Registered
		activated += u.Activated
	}
	d.Total = PracticeFigures{Name: "All practices", Registered: models.Disclose(registered), Activated: models.Disclose(activated)}
	// The total is shown, so a single withheld practice would be the total
	// less the others.
	registeredColumn := make([]*models.Figure, len(d.ByPractice))
	activatedColumn := make([]*models.Figure, len(d.ByPractice))
	for i := range d.ByPractice {
		registeredColumn[i], activatedColumn[i] = &d.ByPractice[i].Registered, &d.ByPractice[i].Activated
	}
	models.WithholdComplement(registeredColumn)
	models.WithholdComplement(activatedColumn)
	return d
}
