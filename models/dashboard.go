package models

// PracticeUptake counts passports at one practice. It names no patient.
type PracticeUptake struct {
	PracticeID   uint
	PracticeName string
	Registered   int64
	Activated    int64
}

// ActivationRate is the share of registered patients who have activated,
// as a whole percentage.
func (u PracticeUptake) ActivationRate() int64 {
	if u.Registered == 0 {
		return 0
	}
	return u.Activated * 100 / u.Registered
}

// Uptake counts registrations and activations at each practice the staff
// member can see, in one query.
func (s *Store) Uptake(staffID uint) ([]PracticeUptake, error) {
	memberships := s.db.Model(&Membership{}).Select("organisation_id").Where("user_id = ?", staffID)
	var rows []PracticeUptake
	err := s.db.Model(&Organisation{}).
		Select("organisations.id AS practice_id, organisations.name AS practice_name, COUNT(patients.id) AS registered, COUNT(users.id) AS activated").
		Joins("LEFT JOIN patients ON patients.practice_id = organisations.id").
		Joins("LEFT JOIN users ON users.patient_id = patients.id").
		Where("organisations.kind = ? AND (organisations.id IN (?) OR organisations.parent_id IN (?))", OrganisationPractice, memberships, memberships).
		Group("organisations.id, organisations.name").Order("organisations.name").Scan(&rows).Error
	return rows, err
}
