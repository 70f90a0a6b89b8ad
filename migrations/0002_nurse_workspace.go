package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// nurseWorkspace adds condition templates, reviews, readings with red-zone
// alerts, repeat prescription requests, and carer invitations.
var nurseWorkspace = &gormigrate.Migration{
	ID: "0002_nurse_workspace",
	Migrate: func(tx *gorm.DB) error {
		type ConditionTemplate struct {
			ID         uint      `gorm:"primaryKey"`
			Key        string    `gorm:"size:40;not null;uniqueIndex:idx_template_version"`
			Version    int       `gorm:"not null;uniqueIndex:idx_template_version"`
			Name       string    `gorm:"size:100;not null"`
			SnomedCode string    `gorm:"size:20;not null"`
			Content    string    `gorm:"type:text;not null"`
			Approved   bool      `gorm:"not null;default:false"`
			CreatedAt  time.Time `gorm:"not null"`
		}
		type ActionPlan struct {
			TemplateID *uint `gorm:"index"`
		}
		type ActivationCode struct {
			UserID *uint `gorm:"index"`
		}
		type Review struct {
			ID           uint      `gorm:"primaryKey"`
			PatientID    uint      `gorm:"not null;index"`
			ReviewedOn   time.Time `gorm:"not null"`
			Outcome      string    `gorm:"size:40;not null"`
			Notes        string    `gorm:"size:2000;not null;default:''"`
			NextReviewOn time.Time `gorm:"not null"`
			AuthorID     uint      `gorm:"not null"`
			CreatedAt    time.Time `gorm:"not null"`
		}
		type Reading struct {
			ID           uint   `gorm:"primaryKey"`
			PatientID    uint   `gorm:"not null;index:idx_reading_patient,priority:1"`
			PlanID       *uint  `gorm:"index"`
			Kind         string `gorm:"size:20;not null"`
			PeakFlow     *int
			Answers      string    `gorm:"type:text;not null;default:''"`
			Zone         string    `gorm:"size:8;not null;index"`
			RecordedByID uint      `gorm:"not null"`
			CreatedAt    time.Time `gorm:"not null;index:idx_reading_patient,priority:2"`
		}
		type Alert struct {
			ID               uint   `gorm:"primaryKey"`
			PatientID        uint   `gorm:"not null;index"`
			ReadingID        uint   `gorm:"not null;uniqueIndex"`
			Status           string `gorm:"size:16;not null;index"`
			Note             string `gorm:"size:1000;not null;default:''"`
			AcknowledgedByID *uint
			AcknowledgedAt   *time.Time
			CreatedAt        time.Time `gorm:"not null"`
		}
		type PrescriptionRequest struct {
			ID            uint   `gorm:"primaryKey"`
			PatientID     uint   `gorm:"not null;index"`
			PlanID        uint   `gorm:"not null"`
			Medicine      string `gorm:"size:200;not null"`
			Status        string `gorm:"size:16;not null;index"`
			Reason        string `gorm:"size:1000;not null;default:''"`
			RequestedByID uint   `gorm:"not null"`
			DecidedByID   *uint
			CreatedAt     time.Time `gorm:"not null"`
			UpdatedAt     time.Time `gorm:"not null"`
		}
		return tx.AutoMigrate(&ConditionTemplate{}, &ActionPlan{}, &ActivationCode{}, &Review{}, &Reading{}, &Alert{}, &PrescriptionRequest{})
	},
}
