package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

var initialSchema = &gormigrate.Migration{
	ID: "0001_initial_schema",
	Migrate: func(tx *gorm.DB) error {
		type Setting struct {
			Key   string `gorm:"primaryKey;size:64"`
			Value string `gorm:"size:255;not null"`
		}
		type Organisation struct {
			ID        uint   `gorm:"primaryKey"`
			Kind      string `gorm:"size:16;not null"`
			Name      string `gorm:"size:200;not null"`
			ODSCode   string `gorm:"column:ods_code;size:16;not null;uniqueIndex"`
			ParentID  *uint  `gorm:"index"`
			Parent    *Organisation
			CreatedAt time.Time `gorm:"not null"`
		}
		type Patient struct {
			ID                 uint         `gorm:"primaryKey"`
			Ref                string       `gorm:"size:32;not null;uniqueIndex"`
			NHSNumber          string       `gorm:"column:nhs_number;size:10;not null;uniqueIndex"`
			GivenName          string       `gorm:"size:100;not null"`
			FamilyName         string       `gorm:"size:100;not null;index"`
			PreferredName      string       `gorm:"size:100;not null;default:''"`
			DateOfBirth        time.Time    `gorm:"not null"`
			PracticeID         uint         `gorm:"not null;index"`
			Practice           Organisation `gorm:"constraint:OnDelete:RESTRICT"`
			Phone              string       `gorm:"size:40;not null;default:''"`
			Email              string       `gorm:"size:254;not null;default:''"`
			CommunicationNeeds string       `gorm:"size:1000;not null;default:''"`
			Allergies          string       `gorm:"size:1000;not null;default:''"`
			LastReviewOn       *time.Time
			NextReviewOn       *time.Time `gorm:"index"`
			CreatedAt          time.Time  `gorm:"not null"`
			UpdatedAt          time.Time  `gorm:"not null"`
		}
		type User struct {
			ID           uint      `gorm:"primaryKey"`
			Username     string    `gorm:"size:64;not null;uniqueIndex"`
			PasswordHash string    `gorm:"size:255;not null"`
			Role         string    `gorm:"size:16;not null"`
			DisplayName  string    `gorm:"size:200;not null"`
			PatientID    *uint     `gorm:"uniqueIndex"`
			Patient      *Patient  `gorm:"constraint:OnDelete:RESTRICT"`
			Disabled     bool      `gorm:"not null;default:false"`
			CreatedAt    time.Time `gorm:"not null"`
			UpdatedAt    time.Time `gorm:"not null"`
		}
		type Membership struct {
			ID             uint         `gorm:"primaryKey"`
			UserID         uint         `gorm:"not null;uniqueIndex:idx_membership"`
			User           User         `gorm:"constraint:OnDelete:CASCADE"`
			OrganisationID uint         `gorm:"not null;uniqueIndex:idx_membership;index"`
			Organisation   Organisation `gorm:"constraint:OnDelete:CASCADE"`
		}
		type ActivationCode struct {
			ID          uint      `gorm:"primaryKey"`
			PatientID   uint      `gorm:"not null;index"`
			Patient     Patient   `gorm:"constraint:OnDelete:CASCADE"`
			CodeHash    string    `gorm:"size:64;not null;uniqueIndex"`
			CreatedByID uint      `gorm:"not null"`
			CreatedBy   User      `gorm:"constraint:OnDelete:RESTRICT"`
			ExpiresAt   time.Time `gorm:"not null"`
			UsedAt      *time.Time
			CreatedAt   time.Time `gorm:"not null"`
		}
		type CarerLink struct {
			ID           uint    `gorm:"primaryKey"`
			CarerID      uint    `gorm:"not null;index"`
			Carer        User    `gorm:"constraint:OnDelete:CASCADE"`
			PatientID    uint    `gorm:"not null;index"`
			Patient      Patient `gorm:"constraint:OnDelete:CASCADE"`
			Relationship string  `gorm:"size:100;not null"`
			Permission   string  `gorm:"size:8;not null"`
			RevokedAt    *time.Time
			CreatedAt    time.Time `gorm:"not null"`
		}
		type Contact struct {
			ID           uint    `gorm:"primaryKey"`
			PatientID    uint    `gorm:"not null;index"`
			Patient      Patient `gorm:"constraint:OnDelete:CASCADE"`
			Kind         string  `gorm:"size:16;not null"`
			Name         string  `gorm:"size:200;not null"`
			Relationship string  `gorm:"size:100;not null;default:''"`
			Phone        string  `gorm:"size:40;not null"`
			Position     int     `gorm:"not null;default:0"`
		}
		type ActionPlan struct {
			ID            uint      `gorm:"primaryKey"`
			PatientID     uint      `gorm:"not null;index"`
			Patient       Patient   `gorm:"constraint:OnDelete:CASCADE"`
			ConditionName string    `gorm:"size:100;not null"`
			SnomedCode    string    `gorm:"size:20;not null"`
			CreatedAt     time.Time `gorm:"not null"`
		}
		type PlanVersion struct {
			ID        uint       `gorm:"primaryKey"`
			PlanID    uint       `gorm:"not null;uniqueIndex:idx_plan_version"`
			Plan      ActionPlan `gorm:"constraint:OnDelete:CASCADE"`
			Number    int        `gorm:"not null;uniqueIndex:idx_plan_version"`
			AuthorID  uint       `gorm:"not null"`
			Author    User       `gorm:"constraint:OnDelete:RESTRICT"`
			Content   string     `gorm:"type:text;not null"`
			CreatedAt time.Time  `gorm:"not null"`
		}
		type AuditEvent struct {
			ID         uint      `gorm:"primaryKey"`
			At         time.Time `gorm:"not null;index"`
			ActorID    *uint     `gorm:"index"`
			ActorRole  string    `gorm:"size:16;not null;default:''"`
			Action     string    `gorm:"size:64;not null;index"`
			PatientID  *uint     `gorm:"index"`
			OnBehalfOf *uint
			TargetType string `gorm:"size:32;not null;default:''"`
			TargetID   string `gorm:"size:64;not null;default:''"`
			IPAddress  string `gorm:"size:64;not null;default:''"`
			RequestID  string `gorm:"size:64;not null;default:''"`
			Detail     string `gorm:"size:1000;not null;default:''"`
		}
		type SignInAttempt struct {
			ID        uint      `gorm:"primaryKey"`
			Kind      string    `gorm:"size:16;not null;index:idx_attempt_user,priority:1;index:idx_attempt_ip,priority:1"`
			Username  string    `gorm:"size:64;not null;index:idx_attempt_user,priority:2"`
			IPAddress string    `gorm:"size:64;not null;index:idx_attempt_ip,priority:2"`
			Succeeded bool      `gorm:"not null"`
			CreatedAt time.Time `gorm:"not null;index"`
		}
		type Session struct {
			Token  string    `gorm:"primaryKey;size:64"`
			Data   []byte    `gorm:"not null"`
			Expiry time.Time `gorm:"not null;index"`
		}
		if err := tx.AutoMigrate(&Setting{}, &Organisation{}, &Patient{}, &User{}, &Membership{}, &ActivationCode{},
			&CarerLink{}, &Contact{}, &ActionPlan{}, &PlanVersion{}, &AuditEvent{}, &SignInAttempt{}, &Session{}); err != nil {
			return err
		}
		return appendOnly(tx, "audit_events")
	},
}

// appendOnly makes the database itself refuse to change or remove rows of a
// table, so that no code path, ours or anyone's, can rewrite history.
func appendOnly(tx *gorm.DB, table string) error {
	var statements []string
	switch tx.Dialector.Name() {
	case "postgres":
		statements = []string{
			`CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger AS $$
			BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER ` + table + `_append_only BEFORE UPDATE OR DELETE ON ` + table +
				` FOR EACH ROW EXECUTE FUNCTION refuse_change()`,
			`CREATE TRIGGER ` + table + `_no_truncate BEFORE TRUNCATE ON ` + table +
				` FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()`,
		}
	default:
		statements = []string{
			`CREATE TRIGGER ` + table + `_no_update BEFORE UPDATE ON ` + table +
				` BEGIN SELECT RAISE(ABORT, '` + table + ` is append-only'); END`,
			`CREATE TRIGGER ` + table + `_no_delete BEFORE DELETE ON ` + table +
				` BEGIN SELECT RAISE(ABORT, '` + table + ` is append-only'); END`,
		}
	}
	for _, statement := range statements {
		if err := tx.Exec(statement).Error; err != nil {
			return err
		}
	}
	return nil
}
