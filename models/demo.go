package models

// SNOMED CT concept for asthma: 195967001 |Asthma (disorder)|, SNOMED CT UK
// Edition, https://termbrowser.nhs.uk/?perspective=full&conceptId1=195967001
const SnomedAsthma = "195967001"

// DemoUsernames are the demo accounts, one for each role.
var DemoUsernames = []string{"nurse", "patient", "carer", "admin", "commissioner", "safety"}

func standardContent(key string) TemplateContent {
	for _, t := range StandardTemplates {
		if t.Key == key {
			return t.Content
		}
	}
	panic("no standard template " + key)
}

// DemoAsthmaPlan is the standard asthma template filled in for a personal
// best peak flow.
func DemoAsthmaPlan(personalBest int) PlanContent {
	template := standardContent("asthma")
	plan := template.NewPlan()
	thresholds := template.PeakFlow.Thresholds(personalBest)
	plan.PeakFlow = &thresholds
	plan.Medicines[0].Name, plan.Medicines[0].Form = "Clenil Modulite 100 micrograms", "Inhaler (brown)"
	plan.Medicines[1].Name, plan.Medicines[1].Form = "Salbutamol 100 micrograms", "Inhaler (blue), with a spacer"
	return plan
}
