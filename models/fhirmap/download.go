package fhirmap

import (
	"healthpassport/models"
)

// WithContacts adds a patient's emergency and clinic contacts to their
// Patient resource, in the order the passport lists them.
func WithContacts(patient Patient, contacts []models.Contact) Patient {
	for _, contact := range contacts {
		relationship := contact.Relationship
		if contact.Kind == models.ContactClinic && relationship == "" {
			relationship = "Clinic"
		}
		entry := PatientContact{Name: HumanName{Text: contact.Name}}
		if relationship != "" {
			entry.Relationship = []CodeableConcept{{Text: relationship}}
		}
		if contact.Phone != "" {
			entry.Telecom = []ContactPoint{{System: "phone", Value: contact.Phone}}
		}
		patient.Contact = append(patient.Contact, entry)
	}
	return patient
}

// PassportBundle is everything held about one passport as a collection
// Bundle, built by the same mapping as the API's resources; base is the
// API's address.
func PassportBundle(base string, record models.PassportRecord) Bundle {
	resources := []Resource{WithContacts(FromPatient(record.Patient), record.Contacts), FromOrganisation(record.Practice)}
	if record.Patient.Allergies != "" {
		resources = append(resources, FromAllergies(record.Patient))
	}
	if record.Patient.CommunicationNeeds != "" {
		resources = append(resources, FromCommunicationNeeds(record.Patient))
	}
	for _, author := range record.Authors {
		resources = append(resources, FromPractitioner(author))
	}
	for _, plan := range record.Plans {
		resources = append(resources, FromDiagnosis(models.Diagnosis{ActionPlan: plan.ActionPlan, PatientRef: plan.PatientRef}), FromPlan(plan))
		for _, statement := range FromMedicines(plan) {
			resources = append(resources, statement)
		}
	}
	for _, carer := range record.Carers {
		resources = append(resources, FromCarer(carer))
	}
	for _, reading := range record.Readings {
		resources = append(resources, FromReading(reading))
	}
	ref := record.Patient.Ref
	for _, request := range record.Requests {
		resources = append(resources, FromPrescriptionRequest(ref, request))
	}
	for _, review := range record.Reviews {
		resources = append(resources, FromReview(ref, review))
	}
	for _, alert := range record.Alerts {
		resources = append(resources, FromAlert(ref, alert))
	}
	for _, share := range record.Shares {
		resources = append(resources, FromShare(ref, share, record.At))
	}
	return Collection(base, resources)
}
