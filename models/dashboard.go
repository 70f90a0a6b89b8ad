package models

// PracticeUptake counts passports at one practice. It names no patient.
type PracticeUptake struct {
	PracticeID   uint
	PracticeName string
	Registered   int64
	Activated    int64
}
