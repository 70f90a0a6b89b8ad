package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// SNOMED CT concept for asthma: 195967001 |Asthma (disorder)|, SNOMED CT UK
// Edition, https://termbrowser.nhs.uk/?perspective=full&conceptId1=195967001
const SnomedAsthma = "195967001"

// DemoUsernames are the demo accounts, one for each role.
var DemoUsernames = []string{"nurse", "patient", "carer", "admin", "commissioner", "safety"}

// SeedDemo fills a demo database with an ICB, two practices, patients and
// one account for each role, all with the given password. Running it again
// changes nothing that is already there.
func (s *Store) SeedDemo(password string) error {
	if demo, err := s.IsDemo(); err != nil {
		return err
	} else if !demo {
		return ErrNotDemoDatabase
	}
	hash, err := HashPassword(context.Background(), password)
	if err != nil {
		return err
	}
	if err := s.EnsureStandardTemplates(); err != nil {
		return err
	}
	return s.db.Transaction(func(tx *gorm.DB) error {
		icb := Organisation{Kind: OrganisationICB, Name: "NHS Demo Integrated Care Board", ODSCode: "QDM"}
		if err := firstOrCreate(tx, &icb, "ods_code = ?", icb.ODSCode); err != nil {
			return err
		}
		riverside := Organisation{Kind: OrganisationPractice, Name: "Riverside Health Centre", ODSCode: "Y90001", ParentID: &icb.ID,
			Phone: "01632 960 001", Address: PostalAddress{Line1: "1 River Street", Town: "Leeds", Postcode: "LS1 4AP"}}
		hillside := Organisation{Kind: OrganisationPractice, Name: "Hillside Surgery", ODSCode: "Y90002", ParentID: &icb.ID,
			Phone: "01632 960 002", Address: PostalAddress{Line1: "24 Hill Road", Line2: "Headingley", Town: "Leeds", Postcode: "LS6 3AB"}}
		for _, practice := range []*Organisation{&riverside, &hillside} {
			if err := firstOrCreate(tx, practice, "ods_code = ?", practice.ODSCode); err != nil {
				return err
			}
		}

		amelia := Patient{Ref: "demoamelia0000001", NHSNumber: "9990000018", GivenName: "Amelia", FamilyName: "Jones",
			PreferredName: "Millie", DateOfBirth: date(2014, time.May, 12), PracticeID: riverside.ID,
			Phone: "07700 900123", Address: PostalAddress{Line1: "12 Park Lane", Town: "Leeds", Postcode: "LS2 9JT"}, CommunicationNeeds: "Likes things explained with pictures.",
			Allergies: "No known allergies", LastReviewOn: ptr(date(2026, time.March, 3)), NextReviewOn: ptr(date(2027, time.March, 3))}
		oliver := Patient{Ref: "demooliver0000001", NHSNumber: "9990000026", GivenName: "Oliver", FamilyName: "Smith",
			DateOfBirth: date(1987, time.October, 30), PracticeID: riverside.ID,
			Address: PostalAddress{Line1: "Flat 3", Line2: "8 Canal Wharf", Town: "Leeds", Postcode: "LS11 5QR"}}
		priya := Patient{Ref: "demopriya00000001", NHSNumber: "9990000034", GivenName: "Priya", FamilyName: "Patel",
			DateOfBirth: date(2009, time.January, 21), PracticeID: hillside.ID}
		for _, patient := range []*Patient{&amelia, &oliver, &priya} {
			if err := firstOrCreate(tx, patient, "nhs_number = ?", patient.NHSNumber); err != nil {
				return err
			}
		}

		accounts := []struct {
			user         User
			organisation *Organisation
		}{
			{User{Username: "nurse", Role: RoleNurse, DisplayName: "Alex Morgan"}, &riverside},
			{User{Username: "patient", Role: RolePatient, DisplayName: amelia.FullName(), PatientID: &amelia.ID}, nil},
			{User{Username: "carer", Role: RoleCarer, DisplayName: "Sam Jones"}, nil},
			{User{Username: "admin", Role: RoleAdmin, DisplayName: "Jordan Lee"}, &icb},
			{User{Username: "commissioner", Role: RoleCommissioner, DisplayName: "Chris Taylor"}, &icb},
			{User{Username: "safety", Role: RoleSafetyOfficer, DisplayName: "Dr Ada Okafor"}, &icb},
		}
		users := map[string]*User{}
		for _, account := range accounts {
			user := account.user
			user.PasswordHash = hash
			if err := firstOrCreate(tx, &user, "username = ?", user.Username); err != nil {
				return err
			}
			users[user.Username] = &user
			if account.organisation != nil {
				membership := Membership{UserID: user.ID, OrganisationID: account.organisation.ID}
				if err := firstOrCreate(tx, &membership, "user_id = ? AND organisation_id = ?", user.ID, account.organisation.ID); err != nil {
					return err
				}
			}
		}

		link := CarerLink{CarerID: users["carer"].ID, PatientID: amelia.ID, Relationship: "Parent", Permission: PermissionAct}
		if err := firstOrCreate(tx, &link, "carer_id = ? AND patient_id = ?", link.CarerID, link.PatientID); err != nil {
			return err
		}
		contacts := []Contact{
			{PatientID: amelia.ID, Kind: ContactEmergency, Name: "Sam Jones", Relationship: "Parent", Phone: "07700 900456"},
			{PatientID: amelia.ID, Kind: ContactEmergency, Name: "Ruth Jones", Relationship: "Grandparent", Phone: "07700 900789", Position: 1},
			{PatientID: amelia.ID, Kind: ContactClinic, Name: "Riverside Health Centre asthma nurse", Phone: "0113 496 0000"},
		}
		for i := range contacts {
			if err := firstOrCreate(tx, &contacts[i], "patient_id = ? AND name = ?", amelia.ID, contacts[i].Name); err != nil {
				return err
			}
		}

		var asthma ConditionTemplate
		if err := tx.Where("key = ?", "asthma").Order("version DESC").First(&asthma).Error; err != nil {
			return err
		}
		plan := ActionPlan{PatientID: amelia.ID, ConditionName: "Asthma", SnomedCode: SnomedAsthma, TemplateID: &asthma.ID}
		if err := firstOrCreate(tx, &plan, "patient_id = ? AND snomed_code = ?", amelia.ID, SnomedAsthma); err != nil {
			return err
		}
		var versions int64
		if err := tx.Model(&PlanVersion{}).Where("plan_id = ?", plan.ID).Count(&versions).Error; err != nil {
			return err
		}
		if versions == 0 {
			if err := s.addFirstVersion(tx, plan.ID, users["nurse"].ID, DemoAsthmaPlan(300), VersionPublished); err != nil {
				return err
			}
		}
		return seedDemoActivity(tx, s.now(), &amelia, &oliver, &plan, users)
	})
}

// seedDemoActivity gives the nurse's queues something to work on: a
// red-zone reading with its alert, an amber reading, a repeat prescription
// request made by the carer, and a review that is overdue.
func seedDemoActivity(tx *gorm.DB, now time.Time, amelia, oliver *Patient, plan *ActionPlan, users map[string]*User) error {
	var readings int64
	if err := tx.Model(&Reading{}).Where("patient_id = ?", amelia.ID).Count(&readings).Error; err != nil || readings > 0 {
		return err
	}
	amber := Reading{PatientID: amelia.ID, PlanID: &plan.ID, Kind: ReadingPeakFlow, PeakFlow: ptr(220), Zone: ZoneAmber,
		RecordedByID: users["patient"].ID, CreatedAt: now.Add(-5 * 24 * time.Hour)}
	red := Reading{PatientID: amelia.ID, PlanID: &plan.ID, Kind: ReadingPeakFlow, PeakFlow: ptr(140), Zone: ZoneRed,
		RecordedByID: users["patient"].ID, CreatedAt: now.Add(-2 * 24 * time.Hour)}
	for _, reading := range []*Reading{&amber, &red} {
		if err := tx.Create(reading).Error; err != nil {
			return err
		}
	}
	if err := tx.Create(&Alert{PatientID: amelia.ID, ReadingID: red.ID, RaisedOn: UKDay(red.CreatedAt), ReadingCount: 1,
		Status: AlertOpen, CreatedAt: red.CreatedAt}).Error; err != nil {
		return err
	}
	request := PrescriptionRequest{PatientID: amelia.ID, PlanID: plan.ID, Medicine: "Salbutamol 100 micrograms", Status: RequestRequested,
		RequestedByID: users["carer"].ID, CreatedAt: now.Add(-24 * time.Hour), UpdatedAt: now.Add(-24 * time.Hour)}
	if err := tx.Create(&request).Error; err != nil {
		return err
	}
	overdue := now.AddDate(0, -1, 0).Truncate(24 * time.Hour)
	return tx.Model(oliver).Update("next_review_on", overdue).Error
}

func standardContent(key string) TemplateContent {
	for _, t := range standardTemplates {
		if t.key == key {
			return t.content
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
