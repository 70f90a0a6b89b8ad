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
// member can see.
func (s *Store) Uptake(staffID uint) ([]PracticeUptake, error) {
	practices, err := s.PracticesOf(staffID)
	if err != nil {
		return nil, err
	}
	rows := make([]PracticeUptake, 0, len(practices))
	for _, practice := range practices {
		row := PracticeUptake{PracticeID: practice.ID, PracticeName: practice.Name}
		if err := s.db.Model(&Patient{}).Where("practice_id = ?", practice.ID).Count(&row.Registered).Error; err != nil {
			return nil, err
		}
		if err := s.db.Model(&User{}).Joins("JOIN patients ON patients.id = users.patient_id").
			Where("patients.practice_id = ?", practice.ID).Count(&row.Activated).Error; err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}
