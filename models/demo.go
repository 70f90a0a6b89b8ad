package models

import (
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// SNOMED CT concept for asthma: 195967001 |Asthma (disorder)|, SNOMED CT UK
// Edition, https://termbrowser.nhs.uk/?perspective=full&conceptId1=195967001
const SnomedAsthma = "195967001"

// DemoUsernames are the demo accounts, one for each role.
var DemoUsernames = []string{"nurse", "patient", "carer", "admin", "commissioner"}

// SeedDemo fills a demo database with an ICB, two practices, patients and
// one account for each role, all with the given password. Running it again
// changes nothing that is already there.
func (s *Store) SeedDemo(password string) error {
	if demo, err := s.IsDemo(); err != nil {
		return err
	} else if !demo {
		return ErrNotDemoDatabase
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.db.Transaction(func(tx *gorm.DB) error {
		icb := Organisation{Kind: OrganisationICB, Name: "NHS Demo Integrated Care Board", ODSCode: "QDM"}
		if err := firstOrCreate(tx, &icb, "ods_code = ?", icb.ODSCode); err != nil {
			return err
		}
		riverside := Organisation{Kind: OrganisationPractice, Name: "Riverside Health Centre", ODSCode: "Y90001", ParentID: &icb.ID}
		hillside := Organisation{Kind: OrganisationPractice, Name: "Hillside Surgery", ODSCode: "Y90002", ParentID: &icb.ID}
		for _, practice := range []*Organisation{&riverside, &hillside} {
			if err := firstOrCreate(tx, practice, "ods_code = ?", practice.ODSCode); err != nil {
				return err
			}
		}

		amelia := Patient{Ref: "demoamelia0000001", NHSNumber: "9990000018", GivenName: "Amelia", FamilyName: "Jones",
			PreferredName: "Millie", DateOfBirth: date(2014, time.May, 12), PracticeID: riverside.ID,
			Phone: "07700 900123", CommunicationNeeds: "Likes things explained with pictures.",
			Allergies: "No known allergies", LastReviewOn: ptr(date(2026, time.March, 3)), NextReviewOn: ptr(date(2027, time.March, 3))}
		oliver := Patient{Ref: "demooliver0000001", NHSNumber: "9990000026", GivenName: "Oliver", FamilyName: "Smith",
			DateOfBirth: date(1987, time.October, 30), PracticeID: riverside.ID}
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

		plan := ActionPlan{PatientID: amelia.ID, ConditionName: "Asthma", SnomedCode: SnomedAsthma}
		if err := firstOrCreate(tx, &plan, "patient_id = ? AND snomed_code = ?", amelia.ID, SnomedAsthma); err != nil {
			return err
		}
		var versions int64
		if err := tx.Model(&PlanVersion{}).Where("plan_id = ?", plan.ID).Count(&versions).Error; err != nil {
			return err
		}
		if versions == 0 {
			if _, err := s.AddPlanVersion(tx, plan.ID, users["nurse"].ID, DemoAsthmaPlan(300)); err != nil {
				return err
			}
		}
		return nil
	})
}

// DemoAsthmaPlan is a filled-in asthma plan for a personal best peak flow.
func DemoAsthmaPlan(personalBest int) PlanContent {
	peakFlow := DerivePeakFlow(personalBest)
	return PlanContent{
		PeakFlow: &peakFlow,
		Medicines: []Medicine{
			{Name: "Clenil Modulite 100 micrograms", Form: "Inhaler (brown)", Dose: "2 puffs", Frequency: "Morning and evening, every day", Purpose: "Preventer"},
			{Name: "Salbutamol 100 micrograms", Form: "Inhaler (blue), with a spacer", Dose: "2 puffs", Frequency: "When needed", Purpose: "Reliever"},
		},
		Zones: []Zone{
			{Colour: ZoneGreen, Title: "Every day",
				Signs: []string{"I can do my usual things without getting out of breath", "I do not wake up at night with asthma",
					"My peak flow is " + strconv.Itoa(peakFlow.AmberBelow) + " or more"},
				Actions: []string{"Take 2 puffs of my brown preventer inhaler in the morning and 2 puffs in the evening, even when I feel well",
					"Carry my blue reliever inhaler with me", "Ask for a review if I have had no symptoms for 12 weeks"}},
			{Colour: ZoneAmber, Title: "When my asthma gets worse",
				Signs: []string{"I need my blue reliever inhaler 3 or more times a week", "I wake up at night because of my asthma",
					"My asthma gets in the way of my day", "My peak flow is below " + strconv.Itoa(peakFlow.AmberBelow)},
				Actions: []string{"Take 2 to 4 puffs of my blue reliever inhaler, up to every 4 hours", "Keep taking my brown preventer inhaler",
					"Contact my GP or asthma nurse within 24 hours"}},
			{Colour: ZoneRed, Title: "Asthma attack",
				Signs: []string{"My blue reliever inhaler is not helping", "I am too breathless to talk, walk or eat",
					"My peak flow is below " + strconv.Itoa(peakFlow.RedBelow)},
				Actions: []string{"Sit up straight and try to keep calm", "Take 1 puff of my blue reliever inhaler every 30 to 60 seconds, up to 10 puffs",
					"Call 999 if I do not feel better", "If the ambulance has not come within 15 minutes, take my blue inhaler again, up to 10 puffs"}},
		},
	}
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
