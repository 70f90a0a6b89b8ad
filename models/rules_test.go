package models_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"healthpassport/models"
)

// ruleNow is the moment the rules are checked at: 15 March 2026.
var ruleNow = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

// errs lists field and message pairs, in order.
func errs(pairs ...string) models.FieldErrors {
	var list models.FieldErrors
	for i := 0; i < len(pairs); i += 2 {
		list = append(list, models.FieldError{Field: pairs[i], Message: pairs[i+1]})
	}
	return list
}

func checkErrors(t *testing.T, name string, got, want models.FieldErrors) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", name, got, want)
	}
}

func TestFieldErrorsKeepTheFirstProblemOfEachFieldInOrder(t *testing.T) {
	var list models.FieldErrors
	list.Add("b", "First for b")
	list.Add("a", "First for a")
	list.Add("b", "Second for b")
	checkErrors(t, "add", list, errs("b", "First for b", "a", "First for a"))
	if list.For("a") != "First for a" || list.For("c") != "" {
		t.Errorf("For: %q, %q", list.For("a"), list.For("c"))
	}
}

func planEntry(edit func(*models.PlanEntry)) models.PlanEntry {
	entry := models.PlanEntry{
		Zones: []models.ZoneEntry{
			{Colour: models.ZoneGreen, Title: "Doing well", Signs: "Breathing easily", Actions: "Take your preventer"},
			{Colour: models.ZoneAmber, Title: "Getting worse", Signs: "Coughing", Actions: "Take your reliever\n\n  Book an appointment  "},
			{Colour: models.ZoneRed, Title: "Emergency", Signs: "Cannot speak", Actions: "Call 999"},
		},
		Medicines: []models.Medicine{{Name: "Salbutamol 100mcg", Dose: "2 puffs", Frequency: "When needed", Purpose: "Reliever"}, {}},
		PeakFlow:  models.PeakFlowEntry{Best: "400"},
	}
	if edit != nil {
		edit(&entry)
	}
	return entry
}

func TestCheckPlan(t *testing.T) {
	rule := &models.PeakFlowRule{AmberPercent: 80, RedPercent: 50}
	blanks := []models.Blank{{Placeholder: models.Placeholder{Lead: "Avoid", Label: "Trigger to avoid"}, Zone: models.ZoneGreen, Part: "actions", Line: 1}}
	for _, test := range []struct {
		name  string
		entry models.PlanEntry
		want  models.FieldErrors
	}{
		{"a complete plan", planEntry(nil), nil},
		{"zone title missing and too long", planEntry(func(e *models.PlanEntry) {
			e.Zones[0].Title = ""
			e.Zones[2].Title = strings.Repeat("x", 101)
		}), errs("zone-green-title", "Enter a title for the green zone", "zone-red-title", "Red zone title must be 100 characters or fewer")},
		{"actions are required, signs are not", planEntry(func(e *models.PlanEntry) {
			e.Zones[1].Signs, e.Zones[1].Actions = "", " \n "
		}), errs("zone-amber-actions", "Enter at least one line for amber zone actions")},
		{"too many lines and a line too long", planEntry(func(e *models.PlanEntry) {
			e.Zones[0].Signs = strings.Repeat("Sign\n", 21)
			e.Zones[2].Actions = strings.Repeat("x", 301)
		}), errs("zone-green-signs", "Green zone signs must be 20 lines or fewer",
			"zone-red-actions", "Each line of red zone actions must be 300 characters or fewer")},
		{"a medicine row half filled in", planEntry(func(e *models.PlanEntry) {
			e.Medicines[1] = models.Medicine{Dose: "1 tablet", Form: strings.Repeat("x", 101)}
		}), errs("med-1-name", "Enter the name of medicine 2", "med-1-frequency", "Enter when to take medicine 2",
			"med-1-form", "Medicine 2 form must be 100 characters or fewer")},
		{"a blank answer too long", planEntry(func(e *models.PlanEntry) { e.Answers = []string{strings.Repeat("x", 301)} }),
			errs("blank-0", "Trigger to avoid must be 300 characters or fewer")},
		{"a threshold problem comes after the medicines", planEntry(func(e *models.PlanEntry) {
			e.Medicines[0].Dose = ""
			e.PeakFlow.Best = ""
		}), errs("med-0-dose", "Enter the dose of medicine 1", "peak-best", "Enter the best peak flow")},
	} {
		_, got := models.CheckPlan(test.entry, rule, blanks)
		checkErrors(t, test.name, got, test.want)
	}

	content, _ := models.CheckPlan(planEntry(func(e *models.PlanEntry) { e.Answers = []string{"Smoke"} }), rule, blanks)
	if got := content.Zones[1].Actions; !reflect.DeepEqual(got, []string{"Take your reliever", "Book an appointment"}) {
		t.Errorf("amber actions: %q", got)
	}
	if len(content.Medicines) != 1 || content.PeakFlow == nil || content.PeakFlow.RedBelow != 200 {
		t.Errorf("medicines %v, peak flow %+v", content.Medicines, content.PeakFlow)
	}
	if len(content.Blanks) != 0 || !reflect.DeepEqual(content.Zones[0].Actions, []string{"Take your preventer", "Avoid Smoke"}) {
		t.Errorf("the answered blank is not filled in: %q, %v", content.Zones[0].Actions, content.Blanks)
	}
}

func TestCheckPeakFlow(t *testing.T) {
	rule := models.PeakFlowRule{AmberPercent: 80, RedPercent: 50}
	for _, test := range []struct {
		name  string
		entry models.PeakFlowEntry
		want  models.PeakFlow
		errs  models.FieldErrors
	}{
		{"thresholds from the rule", models.PeakFlowEntry{Best: "400"}, models.PeakFlow{PersonalBest: 400, AmberBelow: 320, RedBelow: 200}, nil},
		{"the nurse's own thresholds", models.PeakFlowEntry{Best: "400", Amber: "300", Red: "150"}, models.PeakFlow{PersonalBest: 400, AmberBelow: 300, RedBelow: 150}, nil},
		{"no best", models.PeakFlowEntry{Amber: "300"}, models.PeakFlow{}, errs("peak-best", "Enter the best peak flow")},
		{"best not a number", models.PeakFlowEntry{Best: "4OO"}, models.PeakFlow{}, errs("peak-best", "Best peak flow must be a whole number, like 300")},
		{"best beyond int64", models.PeakFlowEntry{Best: "99999999999999999999"}, models.PeakFlow{}, errs("peak-best", "Best peak flow must be a whole number, like 300")},
		{"best too low", models.PeakFlowEntry{Best: "49"}, models.PeakFlow{}, errs("peak-best", "Best peak flow must be between 50 and 900 litres a minute")},
		{"best too high", models.PeakFlowEntry{Best: "901"}, models.PeakFlow{}, errs("peak-best", "Best peak flow must be between 50 and 900 litres a minute")},
		{"amber not below best", models.PeakFlowEntry{Best: "400", Amber: "400"}, models.PeakFlow{PersonalBest: 400, AmberBelow: 400, RedBelow: 200},
			errs("peak-amber", "Amber zone threshold must be lower than the best peak flow")},
		{"red not below amber", models.PeakFlowEntry{Best: "400", Red: "320"}, models.PeakFlow{PersonalBest: 400, AmberBelow: 320, RedBelow: 320},
			errs("peak-red", "Red zone threshold must be lower than the amber zone threshold")},
		{"red too low", models.PeakFlowEntry{Best: "400", Red: "24"}, models.PeakFlow{PersonalBest: 400, AmberBelow: 320, RedBelow: 24},
			errs("peak-red", "Red zone threshold must be 25 or more")},
		{"negative threshold", models.PeakFlowEntry{Best: "400", Amber: "-1"}, models.PeakFlow{PersonalBest: 400, AmberBelow: 320, RedBelow: 200},
			errs("peak-amber", "Amber zone threshold must be a whole number, like 300")},
	} {
		got, gotErrs := models.CheckPeakFlow(test.entry, rule)
		checkErrors(t, test.name, gotErrs, test.errs)
		if got != test.want {
			t.Errorf("%s: got %+v, want %+v", test.name, got, test.want)
		}
	}
}

func TestCheckPublishable(t *testing.T) {
	blanks := []models.Blank{
		{Placeholder: models.Placeholder{Label: "Trigger to avoid"}, Zone: models.ZoneGreen, Part: "actions", Line: 1},
		{Placeholder: models.Placeholder{Label: "When to call the clinic"}, Zone: models.ZoneAmber, Part: "actions", Line: 2},
	}
	required := []models.RequiredMedicine{{Purpose: "Reliever", Description: "a reliever inhaler"}}
	for _, test := range []struct {
		name  string
		entry models.PlanEntry
		want  models.FieldErrors
	}{
		{"everything filled in", planEntry(func(e *models.PlanEntry) { e.Answers = []string{"Smoke", "If worse after 2 days"} }), nil},
		{"the second blank open", planEntry(func(e *models.PlanEntry) { e.Answers = []string{"Smoke", ""} }),
			errs("blank-1", "Enter when to call the clinic")},
		{"the reliever named nowhere goes on the spare row", planEntry(func(e *models.PlanEntry) {
			e.Answers = []string{"Smoke", "If worse"}
			e.Medicines[0].Purpose = "Preventer"
		}), errs("med-1-name", "Add a reliever inhaler to the medicines, with its name, dose and when to take it")},
		{"the reliever row without a name", planEntry(func(e *models.PlanEntry) {
			e.Answers = []string{"", "If worse"}
			e.Medicines = []models.Medicine{{}, {Purpose: " reliever "}, {}}
		}), errs("blank-0", "Enter trigger to avoid",
			"med-1-name", "Add a reliever inhaler to the medicines, with its name, dose and when to take it")},
	} {
		content, _ := models.CheckPlan(test.entry, &models.PeakFlowRule{AmberPercent: 80, RedPercent: 50}, blanks)
		checkErrors(t, test.name, models.CheckPublishable(content, test.entry, blanks, required), test.want)
	}
}

func TestReadingRules(t *testing.T) {
	for _, test := range []struct {
		litres string
		want   int
		errs   models.FieldErrors
	}{
		{"350", 350, nil},
		{"30", 30, nil},
		{"900", 900, nil},
		{"", 0, errs("litres", "Enter the peak flow")},
		{"3.5", 0, errs("litres", "Peak flow must be a whole number, like 300")},
		{"29", 29, errs("litres", "Peak flow must be between 30 and 900 litres a minute")},
		{"901", 901, errs("litres", "Peak flow must be between 30 and 900 litres a minute")},
	} {
		got, gotErrs := models.CheckPeakFlowReading(test.litres)
		checkErrors(t, "litres "+test.litres, gotErrs, test.errs)
		if len(test.errs) == 0 && got != test.want {
			t.Errorf("litres %q: got %d", test.litres, got)
		}
	}

	thresholds := models.PeakFlow{PersonalBest: 400, AmberBelow: 320, RedBelow: 200}
	for litres, want := range map[int]string{400: models.ZoneGreen, 320: models.ZoneGreen, 319: models.ZoneAmber,
		200: models.ZoneAmber, 199: models.ZoneRed, 30: models.ZoneRed} {
		if got := thresholds.Zone(litres); got != want {
			t.Errorf("%d litres a minute: %s zone, want %s", litres, got, want)
		}
	}

	questions := []string{"Have you woken at night?", "Has your asthma got in the way of your day?"}
	for _, test := range []struct {
		answers []string
		want    []bool
		errs    models.FieldErrors
	}{
		{[]string{"yes", "no"}, []bool{true, false}, nil},
		{[]string{"no", "no"}, []bool{false, false}, nil},
		{[]string{"", "maybe"}, []bool{false, false}, errs("q0-yes", "Answer yes or no: Have you woken at night?",
			"q1-yes", "Answer yes or no: Has your asthma got in the way of your day?")},
		{[]string{"YES"}, []bool{false, false}, errs("q0-yes", "Answer yes or no: Have you woken at night?",
			"q1-yes", "Answer yes or no: Has your asthma got in the way of your day?")},
	} {
		got, gotErrs := models.CheckInAnswers(test.answers, questions)
		checkErrors(t, strings.Join(test.answers, ","), gotErrs, test.errs)
		if !reflect.DeepEqual(got, test.want) {
			t.Errorf("answers %q: got %v, want %v", test.answers, got, test.want)
		}
	}
}

func TestCheckDateOfBirth(t *testing.T) {
	for _, test := range []struct {
		name  string
		input models.DateInput
		want  time.Time
		errs  models.FieldErrors
	}{
		{"a real date", models.DateInput{Day: "29", Month: "2", Year: "2012"}, time.Date(2012, 2, 29, 0, 0, 0, 0, time.UTC), nil},
		{"nothing", models.DateInput{}, time.Time{}, errs("dob-day", "Enter date of birth")},
		{"no month", models.DateInput{Day: "1", Year: "2012"}, time.Time{}, errs("dob-month", "Date of birth must include a month")},
		{"no year", models.DateInput{Day: "1", Month: "1"}, time.Time{}, errs("dob-year", "Date of birth must include a year")},
		{"letters", models.DateInput{Day: "one", Month: "1", Year: "2012"}, time.Time{}, errs("dob-day", "Date of birth must be a real date")},
		{"a two-digit year", models.DateInput{Day: "1", Month: "1", Year: "12"}, time.Time{}, errs("dob-day", "Date of birth must be a real date")},
		{"no such day", models.DateInput{Day: "29", Month: "2", Year: "2013"}, time.Time{}, errs("dob-day", "Date of birth must be a real date")},
		{"tomorrow", models.DateInput{Day: "16", Month: "3", Year: "2026"}, time.Time{}, errs("dob-day", "Date of birth must be in the past")},
		{"before 1900", models.DateInput{Day: "31", Month: "12", Year: "1899"}, time.Time{}, errs("dob-year", "Date of birth must be after 1900")},
	} {
		got, gotErrs := models.CheckDateOfBirth("dob", test.input, ruleNow)
		checkErrors(t, test.name, gotErrs, test.errs)
		if !got.Equal(test.want) {
			t.Errorf("%s: got %v, want %v", test.name, got, test.want)
		}
	}
}

func TestCheckReview(t *testing.T) {
	today := models.DateInput{Day: "15", Month: "3", Year: "2026"}
	inAYear := models.DateInput{Day: "15", Month: "3", Year: "2027"}
	for _, test := range []struct {
		name  string
		entry models.ReviewEntry
		errs  models.FieldErrors
	}{
		{"held today, next in a year", models.ReviewEntry{ReviewedOn: today, Outcome: models.OutcomeNoChange, NextReview: inAYear, UnplannedCare: models.UnplannedNone}, nil},
		{"asthma control asked and answered", models.ReviewEntry{ReviewedOn: today, Outcome: models.OutcomeNoChange, NextReview: inAYear,
			UnplannedCare: models.UnplannedAE, RCP: []string{"yes", "no", "yes"}, RCPAsked: []string{"Sleep?", "Day?", "Activities?"}}, nil},
		{"unplanned care and asthma control not answered", models.ReviewEntry{ReviewedOn: today, Outcome: models.OutcomeNoChange, NextReview: inAYear,
			GivenName: "Oliver", UnplannedCare: "a-and-e\x00", RCP: []string{"yes", "maybe"}, RCPAsked: []string{"Sleep?", "Day?", "Activities?"}},
			errs("unplanned-care-none", "Select if Oliver needed urgent care, or select no", "rcp1-yes", "Answer yes or no: Day?",
				"rcp2-yes", "Answer yes or no: Activities?")},
		{"held tomorrow", models.ReviewEntry{ReviewedOn: models.DateInput{Day: "16", Month: "3", Year: "2026"}, Outcome: models.OutcomeReferred, NextReview: inAYear, UnplannedCare: models.UnplannedNone},
			errs("reviewed-on-day", "Review date must be today or in the past")},
		{"no outcome, notes too long, next review today", models.ReviewEntry{ReviewedOn: today, Notes: strings.Repeat("x", 2001), NextReview: today, UnplannedCare: models.UnplannedNone},
			errs("outcome-no-change", "Select the outcome of the review", "notes", "Notes must be 2000 characters or fewer",
				"next-review-day", "Next review date must be in the future")},
		{"next review in 3 years", models.ReviewEntry{ReviewedOn: today, Outcome: models.OutcomePlanUpdated, NextReview: models.DateInput{Day: "15", Month: "3", Year: "2029"}, UnplannedCare: models.UnplannedNone},
			errs("next-review-day", "Next review date must be within 2 years")},
		{"no dates", models.ReviewEntry{Outcome: "improved", UnplannedCare: models.UnplannedNone},
			errs("reviewed-on-day", "Enter review date", "outcome-no-change", "Select the outcome of the review", "next-review-day", "Enter next review date")},
	} {
		review, gotErrs := models.CheckReview(test.entry, ruleNow)
		checkErrors(t, test.name, gotErrs, test.errs)
		if len(test.errs) == 0 && (review.Outcome != test.entry.Outcome || review.NextReviewOn.Year() != 2027 || review.UnplannedCare != test.entry.UnplannedCare) {
			t.Errorf("%s: got %+v", test.name, review)
		}
		if len(test.errs) == 0 && len(test.entry.RCPAsked) > 0 && (review.RCPScore == nil || *review.RCPScore != 2) {
			t.Errorf("%s: two yeses score %v; want 2", test.name, review.RCPScore)
		}
	}
}

func TestCheckNewPatient(t *testing.T) {
	practices := []models.Organisation{{ID: 3}, {ID: 7}}
	dob := models.DateInput{Day: "1", Month: "6", Year: "2015"}
	for _, test := range []struct {
		name      string
		entry     models.PatientEntry
		practices []models.Organisation
		errs      models.FieldErrors
	}{
		{"a new patient", models.PatientEntry{NHSNumber: "999 000 0042", GivenName: "Amelia", FamilyName: "Jones", DateOfBirth: dob, Practice: "7"}, practices, nil},
		{"the only practice is chosen for the nurse", models.PatientEntry{NHSNumber: "9990000042", GivenName: "Amelia", FamilyName: "Jones", DateOfBirth: dob}, practices[:1], nil},
		{"everything missing", models.PatientEntry{}, practices,
			errs("nhs-number", "Enter an NHS number", "given-name", "Enter the patient's first name", "family-name", "Enter the patient's last name",
				"date-of-birth-day", "Enter date of birth", "practice", "Choose a practice")},
		{"a wrong check digit, a long name, another practice", models.PatientEntry{NHSNumber: "999 000 0043", GivenName: strings.Repeat("é", 101),
			FamilyName: "Jones", DateOfBirth: dob, Practice: "4"}, practices,
			errs("nhs-number", "Enter a valid NHS number", "given-name", "First name must be 100 characters or fewer", "practice", "Choose a practice")},
		{"letters in the NHS number", models.PatientEntry{NHSNumber: "999-000-0042", GivenName: "A", FamilyName: strings.Repeat("x", 101), DateOfBirth: dob, Practice: "3"}, practices,
			errs("nhs-number", "NHS number must only include numbers and spaces", "family-name", "Last name must be 100 characters or fewer")},
	} {
		patient, gotErrs := models.CheckNewPatient(test.entry, test.practices, ruleNow)
		checkErrors(t, test.name, gotErrs, test.errs)
		if len(test.errs) == 0 && (patient.NHSNumber != "9990000042" || patient.PracticeID == 0 || patient.DateOfBirth.Year() != 2015) {
			t.Errorf("%s: got %+v", test.name, patient)
		}
	}
}

func TestCheckPatientDetails(t *testing.T) {
	practices := []models.Organisation{{ID: 3}}
	contacts := func(rows ...models.Contact) []models.Contact {
		all := []models.Contact{{Kind: models.ContactEmergency}, {Kind: models.ContactEmergency}, {Kind: models.ContactEmergency}, {Kind: models.ContactClinic}}
		for i, row := range rows {
			row.Kind = all[i].Kind
			all[i] = row
		}
		return all
	}
	for _, test := range []struct {
		name  string
		entry models.DetailsEntry
		errs  models.FieldErrors
		kept  int
	}{
		{"phone and email as people write them", models.DetailsEntry{Phone: "+44 (0)7700-900 982", Email: "amelia@example.com", Practice: "3",
			Contacts: contacts(models.Contact{Name: "Sam Jones", Phone: "01632 960 001"})}, nil, 1},
		{"a phone with letters, an email with a name", models.DetailsEntry{Phone: "01632 96O 001", Email: "Amelia <amelia@example.com>", Practice: "3"},
			errs("phone", "Enter a phone number, like 01632 960 001 or 07700 900 982", "email", "Enter an email address in the correct format, like name@example.com"), 0},
		{"too few digits, too long an address", models.DetailsEntry{Phone: "01632 960", Email: strings.Repeat("a", 250) + "@example.com", Practice: "3"},
			errs("phone", "Enter a phone number, like 01632 960 001 or 07700 900 982", "email", "Enter an email address in the correct format, like name@example.com"), 0},
		{"long texts and another practice", models.DetailsEntry{PreferredName: strings.Repeat("x", 101), Allergies: strings.Repeat("x", 1001), Practice: "9"},
			errs("preferred-name", "Preferred name must be 100 characters or fewer", "allergies", "Allergies must be 1000 characters or fewer", "practice", "Choose a practice"), 0},
		{"half-filled contacts keep their row numbers", models.DetailsEntry{Practice: "3", Contacts: contacts(models.Contact{}, models.Contact{Relationship: "Aunt"},
			models.Contact{}, models.Contact{Name: "Dr Patel", Phone: "12345678901234"})},
			errs("emergency-1-name", "Enter the name of emergency contact 2", "emergency-1-phone", "Enter a phone number for emergency contact 2, like 01632 960 001",
				"clinic-0-phone", "Enter a phone number for clinic contact 1, like 01632 960 001"), 2},
	} {
		details, gotErrs := models.CheckPatientDetails(test.entry, practices)
		checkErrors(t, test.name, gotErrs, test.errs)
		if len(details.Contacts) != test.kept {
			t.Errorf("%s: kept %d contacts, want %d", test.name, len(details.Contacts), test.kept)
		}
	}
}

func TestCheckCarerLink(t *testing.T) {
	for _, test := range []struct {
		name  string
		entry models.CarerLinkEntry
		errs  models.FieldErrors
	}{
		{"an existing carer", models.CarerLinkEntry{Who: models.CarerExisting, Relationship: "Parent", Permission: models.PermissionAct, Username: "carer"}, nil},
		{"a new carer", models.CarerLinkEntry{Who: models.CarerNew, Relationship: "School staff", Permission: models.PermissionView, Name: "Jo Smith"}, nil},
		{"nothing chosen", models.CarerLinkEntry{},
			errs("relationship", "Select how the carer is related to Amelia", "permission-view", "Select what the carer can do",
				"who-existing", "Select whether the carer already has an account")},
		{"a relationship not offered", models.CarerLinkEntry{Who: models.CarerExisting, Relationship: "parent", Permission: "admin"},
			errs("relationship", "Select how the carer is related to Amelia", "permission-view", "Select what the carer can do",
				"username", "Enter the carer's username")},
		{"a new carer's name too long", models.CarerLinkEntry{Who: models.CarerNew, Relationship: "Friend", Permission: models.PermissionView, Name: strings.Repeat("x", 201)},
			errs("carer-name", "Full name must be 200 characters or fewer")},
	} {
		checkErrors(t, test.name, models.CheckCarerLink(test.entry, "Amelia"), test.errs)
	}
}

func TestQueueRules(t *testing.T) {
	for _, test := range []struct {
		decision, reason, kept string
		errs                   models.FieldErrors
	}{
		{models.DecisionReject, "Needs a review first", "Needs a review first", nil},
		{models.DecisionApprove, "", "", nil},
		{models.DecisionApprove, "  ", "", nil},
		{models.DecisionApprove, "Typed before changing my mind", "", errs("reason-4", "Select reject to send this reason, or delete it to approve the request")},
		{models.DecisionReady, "", "", nil},
		{models.DecisionReject, "", "", errs("reason-4", "Enter a reason for rejecting the request")},
		{models.DecisionReject, strings.Repeat("x", 1001), strings.Repeat("x", 1001), errs("reason-4", "Reason must be 1000 characters or fewer")},
	} {
		kept, gotErrs := models.CheckDecision("reason-4", test.decision, test.reason)
		checkErrors(t, test.decision+" "+test.reason, gotErrs, test.errs)
		if kept != test.kept {
			t.Errorf("%s: kept reason %q, want %q", test.decision, kept, test.kept)
		}
	}
	checkErrors(t, "a note", models.CheckAlertNote("note-2", "Called the family"), nil)
	checkErrors(t, "no note", models.CheckAlertNote("note-2", ""), errs("note-2", "Enter a note about what you did"))
}

func TestCheckFeedback(t *testing.T) {
	for _, test := range []struct {
		score, comment string
		errs           models.FieldErrors
	}{
		{"5", "", nil},
		{"1", "Hard to find the print button", nil},
		{"", "", errs("score-5", "Select how satisfied you are")},
		{"0", "", errs("score-5", "Select how satisfied you are")},
		{"6", strings.Repeat("x", 1001), errs("score-5", "Select how satisfied you are", "comment", "Your comment must be 1000 characters or fewer")},
	} {
		score, gotErrs := models.CheckFeedback(test.score, test.comment)
		checkErrors(t, "score "+test.score, gotErrs, test.errs)
		if len(test.errs) == 0 && test.score != string(rune('0'+score)) {
			t.Errorf("score %q read as %d", test.score, score)
		}
	}
}

func TestCheckShare(t *testing.T) {
	for _, test := range []struct {
		recipient, days string
		errs            models.FieldErrors
	}{
		{"Riverside Primary School", "30", nil},
		{"", "7", errs("recipient", "Enter who you are sharing with, like the name of the school")},
		{strings.Repeat("x", 201), "90", errs("recipient", "Who you are sharing with must be 200 characters or fewer")},
		{"Riverside Primary School", "365", errs("days-7", "Select how long they can see it")},
		{"", "", errs("recipient", "Enter who you are sharing with, like the name of the school", "days-7", "Select how long they can see it")},
	} {
		days, gotErrs := models.CheckShare(test.recipient, test.days)
		checkErrors(t, test.recipient+" for "+test.days, gotErrs, test.errs)
		if len(test.errs) == 0 && days != 30 && days != 7 && days != 90 {
			t.Errorf("%q days read as %d", test.days, days)
		}
	}
}
