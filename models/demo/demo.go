package demo

import (
	"context"
	"errors"
	"time"

	"healthpassport/models"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

// Seed fills a demo database with an ICB, two practices, patients and
// one account for each role, all with the given password. Running it again
// changes nothing that is already there.
func Seed(ctx context.Context, s *store.Store, password string) error {
	if demo, err := s.IsDemo(ctx); err != nil {
		return err
	} else if !demo {
		return models.ErrNotDemoDatabase
	}
	hash, err := models.HashPassword(context.Background(), password)
	if err != nil {
		return err
	}
	if err := s.EnsureStandardTemplates(ctx); err != nil {
		return err
	}
	return s.DB().WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		icb := models.Organisation{Kind: models.OrganisationICB, Name: "NHS Demo Integrated Care Board", ODSCode: "QDM"}
		if err := firstOrCreate(tx, &icb, "ods_code = ?", icb.ODSCode); err != nil {
			return err
		}
		riverside := models.Organisation{Kind: models.OrganisationPractice, Name: "Riverside Health Centre", ODSCode: "Y90001", ParentID: &icb.ID,
			Phone: "01632 960 001", Address: models.PostalAddress{Line1: "1 River Street", Town: "Leeds", Postcode: "LS1 4AP"}}
		hillside := models.Organisation{Kind: models.OrganisationPractice, Name: "Hillside Surgery", ODSCode: "Y90002", ParentID: &icb.ID,
			Phone: "01632 960 002", Address: models.PostalAddress{Line1: "24 Hill Road", Line2: "Headingley", Town: "Leeds", Postcode: "LS6 3AB"}}
		for _, practice := range []*models.Organisation{&riverside, &hillside} {
			if err := firstOrCreate(tx, practice, "ods_code = ?", practice.ODSCode); err != nil {
				return err
			}
		}

		amelia := models.Patient{Ref: "demoamelia0000001", NHSNumber: "9990000018", GivenName: "Amelia", FamilyName: "Jones",
			PreferredName: "Millie", DateOfBirth: date(2014, time.May, 12), PracticeID: riverside.ID,
			Phone: "07700 900123", Address: models.PostalAddress{Line1: "12 Park Lane", Town: "Leeds", Postcode: "LS2 9JT"}, CommunicationNeeds: "Likes things explained with pictures.",
			Allergies: "No known allergies", LastReviewOn: ptr(date(2026, time.March, 3)), NextReviewOn: ptr(date(2027, time.March, 3))}
		oliver := models.Patient{Ref: "demooliver0000001", NHSNumber: "9990000026", GivenName: "Oliver", FamilyName: "Smith",
			DateOfBirth: date(1987, time.October, 30), PracticeID: riverside.ID,
			Address: models.PostalAddress{Line1: "Flat 3", Line2: "8 Canal Wharf", Town: "Leeds", Postcode: "LS11 5QR"}}
		priya := models.Patient{Ref: "demopriya00000001", NHSNumber: "9990000034", GivenName: "Priya", FamilyName: "Patel",
			DateOfBirth: date(2009, time.January, 21), PracticeID: hillside.ID}
		for _, patient := range []*models.Patient{&amelia, &oliver, &priya} {
			if err := firstOrCreate(tx, patient, "nhs_number = ?", patient.NHSNumber); err != nil {
				return err
			}
		}

		accounts := []struct {
			user         models.User
			organisation *models.Organisation
		}{
			{models.User{Username: "nurse", Role: models.RoleNurse, DisplayName: "Alex Morgan"}, &riverside},
			{models.User{Username: "patient", Role: models.RolePatient, DisplayName: amelia.FullName(), PatientID: &amelia.ID}, nil},
			{models.User{Username: "carer", Role: models.RoleCarer, DisplayName: "Sam Jones"}, nil},
			{models.User{Username: "admin", Role: models.RoleAdmin, DisplayName: "Jordan Lee"}, &icb},
			{models.User{Username: "commissioner", Role: models.RoleCommissioner, DisplayName: "Chris Taylor"}, &icb},
			{models.User{Username: "safety", Role: models.RoleSafetyOfficer, DisplayName: "Dr Ada Okafor"}, &icb},
		}
		users := map[string]*models.User{}
		for _, account := range accounts {
			user := account.user
			user.PasswordHash = hash
			if err := firstOrCreate(tx, &user, "username = ?", user.Username); err != nil {
				return err
			}
			users[user.Username] = &user
			if account.organisation != nil {
				membership := models.Membership{UserID: user.ID, OrganisationID: account.organisation.ID}
				if err := firstOrCreate(tx, &membership, "user_id = ? AND organisation_id = ?", user.ID, account.organisation.ID); err != nil {
					return err
				}
			}
		}

		link := models.CarerLink{CarerID: users["carer"].ID, PatientID: amelia.ID, Relationship: "Parent", Permission: models.PermissionAct}
		if err := firstOrCreate(tx, &link, "carer_id = ? AND patient_id = ?", link.CarerID, link.PatientID); err != nil {
			return err
		}
		contacts := []models.Contact{
			{PatientID: amelia.ID, Kind: models.ContactEmergency, Name: "Sam Jones", Relationship: "Parent", Phone: "07700 900456"},
			{PatientID: amelia.ID, Kind: models.ContactEmergency, Name: "Ruth Jones", Relationship: "Grandparent", Phone: "07700 900789", Position: 1},
			{PatientID: amelia.ID, Kind: models.ContactClinic, Name: "Riverside Health Centre asthma nurse", Phone: "0113 496 0000"},
		}
		for i := range contacts {
			if err := firstOrCreate(tx, &contacts[i], "patient_id = ? AND name = ?", amelia.ID, contacts[i].Name); err != nil {
				return err
			}
		}

		var asthma models.ConditionTemplate
		if err := tx.Where("key = ?", "asthma").Order("version DESC").First(&asthma).Error; err != nil {
			return err
		}
		plan := models.ActionPlan{PatientID: amelia.ID, ConditionName: "Asthma", SnomedCode: models.SnomedAsthma, TemplateID: &asthma.ID}
		if err := firstOrCreate(tx, &plan, "patient_id = ? AND snomed_code = ?", amelia.ID, models.SnomedAsthma); err != nil {
			return err
		}
		var versions int64
		if err := tx.Model(&models.PlanVersion{}).Where("plan_id = ?", plan.ID).Count(&versions).Error; err != nil {
			return err
		}
		if versions == 0 {
			if err := s.AddFirstVersion(tx, plan.ID, users["nurse"].ID, AsthmaPlan(300), models.VersionPublished); err != nil {
				return err
			}
		}
		return seedDemoActivity(tx, s.Now(), &amelia, &oliver, &plan, users)
	})
}

// seedDemoActivity gives the nurse's queues something to work on: a
// red-zone reading with its alert, an amber reading, a repeat prescription
// request made by the carer, and a review that is overdue.
func seedDemoActivity(tx *gorm.DB, now time.Time, amelia, oliver *models.Patient, plan *models.ActionPlan, users map[string]*models.User) error {
	var readings int64
	if err := tx.Model(&models.Reading{}).Where("patient_id = ?", amelia.ID).Count(&readings).Error; err != nil || readings > 0 {
		return err
	}
	amber := models.Reading{PatientID: amelia.ID, PlanID: &plan.ID, Kind: models.ReadingPeakFlow, PeakFlow: ptr(220), Zone: models.ZoneAmber,
		RecordedByID: users["patient"].ID, CreatedAt: now.Add(-5 * 24 * time.Hour)}
	red := models.Reading{PatientID: amelia.ID, PlanID: &plan.ID, Kind: models.ReadingPeakFlow, PeakFlow: ptr(140), Zone: models.ZoneRed,
		RecordedByID: users["patient"].ID, CreatedAt: now.Add(-2 * 24 * time.Hour)}
	for _, reading := range []*models.Reading{&amber, &red} {
		if err := tx.Create(reading).Error; err != nil {
			return err
		}
	}
	if err := tx.Create(&models.Alert{PatientID: amelia.ID, ReadingID: red.ID, RaisedOn: models.UKDay(red.CreatedAt), ReadingCount: 1,
		Status: models.AlertOpen, CreatedAt: red.CreatedAt}).Error; err != nil {
		return err
	}
	request := models.PrescriptionRequest{PatientID: amelia.ID, PlanID: plan.ID, Medicine: "Salbutamol 100 micrograms", Status: models.RequestRequested,
		RequestedByID: users["carer"].ID, CreatedAt: now.Add(-24 * time.Hour), UpdatedAt: now.Add(-24 * time.Hour)}
	if err := tx.Create(&request).Error; err != nil {
		return err
	}
	overdue := now.AddDate(0, -1, 0).Truncate(24 * time.Hour)
	return tx.Model(oliver).Update("next_review_on", overdue).Error
}

func firstOrCreate(tx *gorm.DB, record any, query string, args ...any) error {
	err := tx.Where(query, args...).First(record).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return tx.Create(record).Error
	}
	return err
}

func date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
}

func ptr[T any](v T) *T { return &v }
