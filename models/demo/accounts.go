package demo

import "healthpassport/models"

// Usernames are the demo accounts, one for each role.
var Usernames = []string{"nurse", "patient", "carer", "admin", "commissioner", "safety"}

// standardContent is the content of the standard template with key.
func standardContent(key string) models.TemplateContent {
	for _, t := range models.StandardTemplates {
		if t.Key == key {
			return t.Content
		}
	}
	panic("no standard template " + key)
}

// AsthmaPlan is the standard asthma template filled in for a personal
// best peak flow.
func AsthmaPlan(personalBest int) models.PlanContent {
	template := standardContent("asthma")
	plan := template.NewPlan()
	thresholds := template.PeakFlow.Thresholds(personalBest)
	plan.PeakFlow = &thresholds
	plan.Medicines[0].Name, plan.Medicines[0].Form = "Clenil Modulite 100 micrograms", "Inhaler (brown)"
	plan.Medicines[1].Name, plan.Medicines[1].Form = "Salbutamol 100 micrograms", "Inhaler (blue), with a spacer"
	return plan
}
