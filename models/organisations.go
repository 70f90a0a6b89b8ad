package models

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Organisation errors, each a rule the database decides.
var (
	ErrODSCodeTaken = errors.New("an organisation already has this ODS code")
	// ErrPracticeClosed refuses any change to the record of a patient of a
	// closed practice, and any change to the practice itself.
	ErrPracticeClosed = errors.New("the practice is closed: its records can be read but not changed")
)

// CareKinds are the kinds of organisation that look after patients: a
// patient belongs to one, and its nurses work there.
var CareKinds = []string{OrganisationPractice, OrganisationClinic}

// Open reports whether the organisation is still working.
func (o Organisation) Open() bool { return o.ClosedAt == nil }

// KindName is the kind of an organisation as people say it.
func KindName(kind string) string {
	switch kind {
	case OrganisationICB:
		return "integrated care board"
	case OrganisationPractice:
		return "GP practice"
	case OrganisationClinic:
		return "clinic"
	}
	return kind
}

// ODS code formats, as the Organisation Data Service issues them.
var (
	// A GP practice has a prescribing cost centre code: a letter and five
	// digits, such as A81001 (new practices in England start with Y).
	practiceODSCode = regexp.MustCompile(`^[A-Z][0-9]{5}$`)
	// An integrated care board's code is Q and two letters or digits, such
	// as QWE; its sub-ICB locations keep their former clinical
	// commissioning groups' codes, two digits and a letter such as 15N, or
	// the five characters of a merged group, such as X2C4Y.
	icbODSCode = regexp.MustCompile(`^(Q[A-Z0-9]{2}|[0-9]{2}[A-Z]|[A-Z][0-9][A-Z][0-9][A-Z])$`)
	// A clinic that is not a GP practice is a site of an NHS trust (its
	// trust's R code and two more characters, such as RJ122), of an
	// independent provider (N and four more, such as NT401), or a
	// prescribing cost centre such as a walk-in centre (as a practice).
	clinicODSCode = regexp.MustCompile(`^([RN][A-Z0-9]{4}|[A-Z][0-9]{5})$`)
)

// NormaliseODSCode writes an ODS code as the Organisation Data Service
// does: capital letters, no spaces.
func NormaliseODSCode(code string) string {
	return strings.ToUpper(strings.Join(strings.Fields(code), ""))
}

// ValidODSCode reports whether a code has the format of an organisation
// of its kind.
func ValidODSCode(kind, code string) bool {
	switch kind {
	case OrganisationPractice:
		return practiceODSCode.MatchString(code)
	case OrganisationICB:
		return icbODSCode.MatchString(code)
	case OrganisationClinic:
		return clinicODSCode.MatchString(code)
	}
	return false
}

// odsCodeHint says what a kind's ODS code looks like, for its error.
func odsCodeHint(kind string) string {
	switch kind {
	case OrganisationPractice:
		return "Enter a GP practice's ODS code: a letter then 5 numbers, like A81001"
	case OrganisationClinic:
		return "Enter the clinic's ODS code: 5 characters starting with R or N, like RJ122, or a letter then 5 numbers, like Y02735"
	}
	return "Enter the ICB's ODS code: 3 characters, like QWE or 15N"
}

// OrganisationEntry is an organisation as an administrator entered it.
type OrganisationEntry struct {
	Kind, Name, ODSCode string
}

// NewOrganisation is a checked practice or clinic.
type NewOrganisation struct {
	Kind, Name, ODSCode string
}

// CheckOrganisation checks a new practice or clinic: a kind, a name, and
// an ODS code of the kind's format. Whether the code is free is for the
// database to say.
func CheckOrganisation(entry OrganisationEntry) (NewOrganisation, FieldErrors) {
	var errs FieldErrors
	if !slices.Contains(CareKinds, entry.Kind) {
		errs.Add("kind", "Choose whether it is a GP practice or a clinic")
	}
	name := checkOrganisationName(&errs, entry.Name)
	code := NormaliseODSCode(entry.ODSCode)
	switch {
	case code == "":
		errs.Add("ods-code", "Enter the ODS code")
	case slices.Contains(CareKinds, entry.Kind) && !ValidODSCode(entry.Kind, code):
		errs.Add("ods-code", odsCodeHint(entry.Kind))
	}
	return NewOrganisation{Kind: entry.Kind, Name: name, ODSCode: code}, errs
}

// CheckOrganisationName checks a new name for an organisation.
func CheckOrganisationName(name string) (string, FieldErrors) {
	var errs FieldErrors
	return checkOrganisationName(&errs, name), errs
}

func checkOrganisationName(errs *FieldErrors, name string) string {
	name = strings.Join(strings.Fields(name), " ")
	errs.requireText("name", name, "Enter the organisation's name", "Name", 200)
	return name
}

// OrganisationSummary is an organisation with how many patients it has.
type OrganisationSummary struct {
	Organisation
	Patients int64
}

// manages is the condition that an organisation is one the principal
// administers: an ICB they work at, or a practice or clinic of one.
func (p *Principal) manages(table string) clause.Expr {
	return gorm.Expr("("+table+".kind = ? AND "+table+".id IN ?) OR "+table+".parent_id IN ?",
		OrganisationICB, p.practiceIDs(), p.practiceIDs())
}

// ManagedOrganisations lists the organisations an administrator looks
// after, the ICB first, then open ones by name, then closed ones, each
// with how many patients it has.
func (s *Store) ManagedOrganisations(ctx context.Context, principal *Principal) ([]OrganisationSummary, error) {
	var organisations []OrganisationSummary
	err := s.db.WithContext(ctx).Model(&Organisation{}).
		Select("organisations.*, (SELECT COUNT(*) FROM patients WHERE patients.practice_id = organisations.id) AS patients").
		Where(principal.manages("organisations")).
		Order("CASE WHEN organisations.kind = 'icb' THEN 0 WHEN organisations.closed_at IS NULL THEN 1 ELSE 2 END, organisations.name, organisations.id").
		Scan(&organisations).Error
	return organisations, err
}

// ManagedOrganisation finds one of the organisations an administrator
// looks after.
func (s *Store) ManagedOrganisation(ctx context.Context, principal *Principal, id uint) (*OrganisationSummary, error) {
	var organisation OrganisationSummary
	err := s.db.WithContext(ctx).Model(&Organisation{}).
		Select("organisations.*, (SELECT COUNT(*) FROM patients WHERE patients.practice_id = organisations.id) AS patients").
		Where("organisations.id = ?", id).Where(principal.manages("organisations")).Take(&organisation).Error
	return &organisation, notFound(err)
}

// CreateOrganisation adds a practice or clinic to the administrator's ICB.
// The ODS code's unique index decides whether the code is free.
func (s *Store) CreateOrganisation(ctx context.Context, principal *Principal, actor Actor, entry NewOrganisation) (*Organisation, error) {
	organisation := Organisation{Kind: entry.Kind, Name: entry.Name, ODSCode: entry.ODSCode, CreatedAt: s.now()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var icb Organisation
		if err := tx.Where("kind = ? AND id IN ?", OrganisationICB, principal.practiceIDs()).Order("id").Take(&icb).Error; err != nil {
			return notFound(err)
		}
		organisation.ParentID = &icb.ID
		if err := tx.Create(&organisation).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrODSCodeTaken
			}
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditOrganisationCreated, TargetType: "organisation",
			TargetID: organisation.ODSCode, Detail: organisation.Name})
	})
	return &organisation, err
}

// RenameOrganisation gives an open organisation the administrator looks
// after a new name.
func (s *Store) RenameOrganisation(ctx context.Context, principal *Principal, actor Actor, id uint, name string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&Organisation{}).Where("id = ? AND closed_at IS NULL", id).Where(principal.manages("organisations")).
			Update("name", name)
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return s.organisationRefusal(tx, principal, id)
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditOrganisationRenamed, TargetType: "organisation", TargetID: uintString(id), Detail: name})
	})
}

// SetClinicContact changes the phone number and address a practice or
// clinic prints on its letters.
func (s *Store) SetClinicContact(ctx context.Context, principal *Principal, actor Actor, id uint, contact ClinicContact) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&Organisation{}).Where("id = ? AND closed_at IS NULL AND kind IN ?", id, CareKinds).Where(principal.manages("organisations")).
			Updates(map[string]any{"phone": contact.Phone, "address_line1": contact.Address.Line1, "address_line2": contact.Address.Line2,
				"address_town": contact.Address.Town, "address_postcode": contact.Address.Postcode})
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return s.organisationRefusal(tx, principal, id)
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditOrganisationContact, TargetType: "organisation", TargetID: uintString(id)})
	})
}

// CloseOrganisation closes a practice or clinic: from then on its records
// can be read but not changed, until its patients are moved elsewhere.
func (s *Store) CloseOrganisation(ctx context.Context, principal *Principal, actor Actor, id uint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&Organisation{}).Where("id = ? AND closed_at IS NULL AND kind IN ?", id, CareKinds).
			Where(principal.manages("organisations")).Update("closed_at", s.now())
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return s.organisationRefusal(tx, principal, id)
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditOrganisationClosed, TargetType: "organisation", TargetID: uintString(id)})
	})
}

// organisationRefusal says why a change to an organisation changed
// nothing: it is closed, or it is not one the administrator looks after
// (or, for closing, an ICB).
func (s *Store) organisationRefusal(tx *gorm.DB, principal *Principal, id uint) error {
	var closed int64
	if err := tx.Model(&Organisation{}).Where("id = ? AND closed_at IS NOT NULL", id).Where(principal.manages("organisations")).
		Count(&closed).Error; err != nil {
		return err
	}
	if closed > 0 {
		return ErrPracticeClosed
	}
	return ErrNotFound
}

// ErrSamePractice refuses moving patients to the practice they are at.
var ErrSamePractice = errors.New("the patients are at that practice already")

// MovePatients moves the patients of a closed practice or clinic, one
// (ref) or all (ref empty), to an open one the administrator looks after,
// with an audit entry for each patient. The destination is held open
// until the move is done: closing it waits, and a move to a closed one
// moves no one. It reports how many patients moved.
func (s *Store) MovePatients(ctx context.Context, principal *Principal, actor Actor, fromID, toID uint, ref string) (int, error) {
	if fromID == toID {
		return 0, ErrSamePractice
	}
	moved := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var from Organisation
		if err := tx.Where("id = ? AND closed_at IS NOT NULL AND kind IN ?", fromID, CareKinds).Where(principal.manages("organisations")).
			Take(&from).Error; err != nil {
			return notFound(err)
		}
		hold := tx.Model(&Organisation{}).Where("id = ? AND closed_at IS NULL AND kind IN ?", toID, CareKinds).
			Where(principal.manages("organisations")).UpdateColumn("name", gorm.Expr("name"))
		if hold.Error != nil {
			return hold.Error
		}
		if hold.RowsAffected != 1 {
			return s.organisationRefusal(tx, principal, toID)
		}
		var to Organisation
		if err := tx.Take(&to, toID).Error; err != nil {
			return err
		}
		query := tx.Model(&Patient{}).Where("practice_id = ?", fromID)
		if ref != "" {
			query = query.Where("ref = ?", ref)
		}
		var patients []Patient
		if err := query.Order("id").Find(&patients).Error; err != nil {
			return err
		}
		if ref != "" && len(patients) == 0 {
			return ErrNotFound
		}
		for _, patient := range patients {
			update := tx.Model(&Patient{}).Where("id = ? AND practice_id = ?", patient.ID, fromID).
				Updates(map[string]any{"practice_id": toID, "updated_at": s.now()})
			if update.Error != nil {
				return update.Error
			}
			if update.RowsAffected != 1 {
				continue // moved by someone else meanwhile
			}
			if err := s.audit(tx, actor, AuditEntry{Action: AuditPatientMoved, PatientID: &patient.ID, TargetType: "patient",
				TargetID: patient.Ref, Detail: from.Name + " to " + to.Name}); err != nil {
				return err
			}
			moved++
		}
		return nil
	})
	return moved, err
}

// PatientsAt lists the patients of an organisation the administrator looks
// after, by name, for choosing one to move.
func (s *Store) PatientsAt(ctx context.Context, principal *Principal, organisationID uint, limit int) ([]Patient, error) {
	var patients []Patient
	err := s.db.WithContext(ctx).Where("practice_id IN (?)",
		s.db.Model(&Organisation{}).Select("id").Where("id = ?", organisationID).Where(principal.manages("organisations"))).
		Order("family_name, given_name, id").Limit(limit).Find(&patients).Error
	return patients, err
}
