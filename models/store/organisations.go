package store

import (
	"context"

	"healthpassport/models"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// manages is the condition that an organisation is one the principal
// administers: an ICB they work at, or a practice or clinic of one.
func manages(p *models.Principal, table string) clause.Expr {
	return gorm.Expr("("+table+".kind = ? AND "+table+".id IN ?) OR "+table+".parent_id IN ?",
		models.OrganisationICB, practiceIDs(p), practiceIDs(p))
}

// ManagedOrganisations lists the organisations an administrator looks
// after, the ICB first, then open ones by name, then closed ones, each
// with how many patients it has.
func (s *Store) ManagedOrganisations(ctx context.Context, principal *models.Principal) ([]models.OrganisationSummary, error) {
	var organisations []models.OrganisationSummary
	err := s.db.WithContext(ctx).Model(&models.Organisation{}).
		Select("organisations.*, (SELECT COUNT(*) FROM patients WHERE patients.practice_id = organisations.id) AS patients").
		Where(manages(principal, "organisations")).
		Order("CASE WHEN organisations.kind = 'icb' THEN 0 WHEN organisations.closed_at IS NULL THEN 1 ELSE 2 END, organisations.name, organisations.id").
		Scan(&organisations).Error
	return organisations, err
}

// ManagedOrganisation finds one of the organisations an administrator
// looks after.
func (s *Store) ManagedOrganisation(ctx context.Context, principal *models.Principal, id uint) (*models.OrganisationSummary, error) {
	var organisation models.OrganisationSummary
	err := s.db.WithContext(ctx).Model(&models.Organisation{}).
		Select("organisations.*, (SELECT COUNT(*) FROM patients WHERE patients.practice_id = organisations.id) AS patients").
		Where("organisations.id = ?", id).Where(manages(principal, "organisations")).Take(&organisation).Error
	return &organisation, notFound(err)
}

// CreateOrganisation adds a practice or clinic to the administrator's ICB.
// The ODS code's unique index decides whether the code is free.
func (s *Store) CreateOrganisation(ctx context.Context, principal *models.Principal, actor models.Actor, entry models.NewOrganisation) (*models.Organisation, error) {
	organisation := models.Organisation{Kind: entry.Kind, Name: entry.Name, ODSCode: entry.ODSCode, CreatedAt: s.now()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var icb models.Organisation
		if err := tx.Where("kind = ? AND id IN ?", models.OrganisationICB, practiceIDs(principal)).Order("id").Take(&icb).Error; err != nil {
			return notFound(err)
		}
		organisation.ParentID = &icb.ID
		if err := tx.Create(&organisation).Error; err != nil {
			if IsUniqueViolation(err) {
				return models.ErrODSCodeTaken
			}
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditOrganisationCreated, TargetType: "organisation",
			TargetID: organisation.ODSCode, Detail: organisation.Name})
	})
	return &organisation, err
}

// RenameOrganisation gives an open organisation the administrator looks
// after a new name.
func (s *Store) RenameOrganisation(ctx context.Context, principal *models.Principal, actor models.Actor, id uint, name string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&models.Organisation{}).Where("id = ? AND closed_at IS NULL", id).Where(manages(principal, "organisations")).
			Update("name", name)
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return s.organisationRefusal(tx, principal, id)
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditOrganisationRenamed, TargetType: "organisation", TargetID: models.UintString(id), Detail: name})
	})
}

// SetClinicContact changes the phone number and address a practice or
// clinic prints on its letters.
func (s *Store) SetClinicContact(ctx context.Context, principal *models.Principal, actor models.Actor, id uint, contact models.ClinicContact) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&models.Organisation{}).Where("id = ? AND closed_at IS NULL AND kind IN ?", id, models.CareKinds).Where(manages(principal, "organisations")).
			Updates(map[string]any{"phone": contact.Phone, "address_line1": contact.Address.Line1, "address_line2": contact.Address.Line2,
				"address_town": contact.Address.Town, "address_postcode": contact.Address.Postcode})
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return s.organisationRefusal(tx, principal, id)
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditOrganisationContact, TargetType: "organisation", TargetID: models.UintString(id)})
	})
}

// CloseOrganisation closes a practice or clinic: from then on its records
// can be read but not changed, until its patients are moved elsewhere.
func (s *Store) CloseOrganisation(ctx context.Context, principal *models.Principal, actor models.Actor, id uint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&models.Organisation{}).Where("id = ? AND closed_at IS NULL AND kind IN ?", id, models.CareKinds).
			Where(manages(principal, "organisations")).Update("closed_at", s.now())
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return s.organisationRefusal(tx, principal, id)
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditOrganisationClosed, TargetType: "organisation", TargetID: models.UintString(id)})
	})
}

// organisationRefusal says why a change to an organisation changed
// nothing: it is closed, or it is not one the administrator looks after
// (or, for closing, an ICB).
func (s *Store) organisationRefusal(tx *gorm.DB, principal *models.Principal, id uint) error {
	var closed int64
	if err := tx.Model(&models.Organisation{}).Where("id = ? AND closed_at IS NOT NULL", id).Where(manages(principal, "organisations")).
		Count(&closed).Error; err != nil {
		return err
	}
	if closed > 0 {
		return models.ErrPracticeClosed
	}
	return models.ErrNotFound
}

// MovePatients moves the patients of a closed practice or clinic, one
// (ref) or all (ref empty), to an open one the administrator looks after,
// with an audit entry for each patient. The destination is held open
// until the move is done: closing it waits, and a move to a closed one
// moves no one. It reports how many patients moved.
func (s *Store) MovePatients(ctx context.Context, principal *models.Principal, actor models.Actor, fromID, toID uint, ref string) (int, error) {
	if fromID == toID {
		return 0, models.ErrSamePractice
	}
	moved := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var from models.Organisation
		if err := tx.Where("id = ? AND closed_at IS NOT NULL AND kind IN ?", fromID, models.CareKinds).Where(manages(principal, "organisations")).
			Take(&from).Error; err != nil {
			return notFound(err)
		}
		hold := tx.Model(&models.Organisation{}).Where("id = ? AND closed_at IS NULL AND kind IN ?", toID, models.CareKinds).
			Where(manages(principal, "organisations")).UpdateColumn("name", gorm.Expr("name"))
		if hold.Error != nil {
			return hold.Error
		}
		if hold.RowsAffected != 1 {
			return s.organisationRefusal(tx, principal, toID)
		}
		var to models.Organisation
		if err := tx.Take(&to, toID).Error; err != nil {
			return err
		}
		query := tx.Model(&models.Patient{}).Where("practice_id = ?", fromID)
		if ref != "" {
			query = query.Where("ref = ?", ref)
		}
		var patients []models.Patient
		if err := query.Order("id").Find(&patients).Error; err != nil {
			return err
		}
		if ref != "" && len(patients) == 0 {
			return models.ErrNotFound
		}
		for _, patient := range patients {
			update := tx.Model(&models.Patient{}).Where("id = ? AND practice_id = ?", patient.ID, fromID).
				Updates(map[string]any{"practice_id": toID, "updated_at": s.now()})
			if update.Error != nil {
				return update.Error
			}
			if update.RowsAffected != 1 {
				continue // moved by someone else meanwhile
			}
			if err := s.audit(tx, actor, models.AuditEntry{Action: models.AuditPatientMoved, PatientID: &patient.ID, TargetType: "patient",
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
func (s *Store) PatientsAt(ctx context.Context, principal *models.Principal, organisationID uint, limit int) ([]models.Patient, error) {
	var patients []models.Patient
	err := s.db.WithContext(ctx).Where("practice_id IN (?)",
		s.db.Model(&models.Organisation{}).Select("id").Where("id = ?", organisationID).Where(manages(principal, "organisations"))).
		Order("family_name, given_name, id").Limit(limit).Find(&patients).Error
	return patients, err
}
