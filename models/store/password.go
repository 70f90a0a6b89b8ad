package store

import (
	"context"
	_ "embed"

	"healthpassport/models"
)

// PersonalDetailsForActivation are the details of whoever an activation
// code sets up an account for, choosing the given username: the patient,
// or the invited carer and the patient they care for.
func (s *Store) PersonalDetailsForActivation(ctx context.Context, codeID uint, username string) (models.PersonalDetails, error) {
	person := models.PersonalDetails{Username: username}
	var record models.ActivationCode
	if err := s.db.WithContext(ctx).First(&record, codeID).Error; err != nil {
		return person, notFound(err)
	}
	if record.UserID != nil {
		var carer models.User
		if err := s.db.WithContext(ctx).First(&carer, *record.UserID).Error; err != nil {
			return person, notFound(err)
		}
		person.Names = append(person.Names, carer.DisplayName)
	}
	return person, s.addPatientDetails(ctx, &person, "id = ?", record.PatientID)
}

// PersonalDetailsOf are the details of a signed-in person: their own, and
// those of the patients the account belongs to or cares for.
func (s *Store) PersonalDetailsOf(ctx context.Context, user *models.User) (models.PersonalDetails, error) {
	person := models.PersonalDetails{Username: user.Username, Names: []string{user.DisplayName}}
	if user.PatientID != nil {
		return person, s.addPatientDetails(ctx, &person, "id = ?", *user.PatientID)
	}
	return person, s.addPatientDetails(ctx, &person,
		"id IN (SELECT patient_id FROM carer_links WHERE carer_id = ? AND revoked_at IS NULL)", user.ID)
}

func (s *Store) addPatientDetails(ctx context.Context, person *models.PersonalDetails, query string, args ...any) error {
	var patients []models.Patient
	if err := s.db.WithContext(ctx).Where(query, args...).Find(&patients).Error; err != nil {
		return err
	}
	for _, p := range patients {
		person.Names = append(person.Names, p.GivenName, p.FamilyName, p.PreferredName)
		person.DatesOfBirth = append(person.DatesOfBirth, p.DateOfBirth)
	}
	return nil
}
