package store

import (
	"context"
	"errors"
	"strings"

	"healthpassport/models"

	"gorm.io/gorm"
)

// StaffOf lists a page of the staff who work at any of the organisations,
// by name: those of one role, or of every role when role is empty.
func (s *Store) StaffOf(ctx context.Context, organisationIDs []uint, role string, page int) (models.Listing[models.StaffMember], error) {
	roles := models.StaffRoles
	if role != "" {
		roles = []models.Role{models.Role(role)}
	}
	q := s.db.WithContext(ctx).Model(&models.User{}).Where("role IN ? AND id IN (?)", roles,
		s.db.WithContext(ctx).Model(&models.Membership{}).Select("user_id").Where("organisation_id IN ?", orNone(organisationIDs)))
	users, err := listPage[models.User](q, "", "display_name, id", page)
	staff := models.Listing[models.StaffMember]{Pagination: users.Pagination, Rows: make([]models.StaffMember, len(users.Rows))}
	for i, user := range users.Rows {
		staff.Rows[i] = models.StaffMember{User: user, Activated: user.PasswordHash != ""}
		staff.Rows[i].PasswordHash = ""
	}
	return staff, err
}

// StaffMemberAt finds a member of staff who works at any of the
// organisations, with every organisation they work at.
func (s *Store) StaffMemberAt(ctx context.Context, organisationIDs []uint, userID uint) (*models.StaffMember, error) {
	var user models.User
	err := s.db.WithContext(ctx).Where("id = ? AND role IN ? AND id IN (?)", userID, models.StaffRoles,
		s.db.WithContext(ctx).Model(&models.Membership{}).Select("user_id").Where("organisation_id IN ?", organisationIDs)).Take(&user).Error
	if err != nil {
		return nil, notFound(err)
	}
	member := models.StaffMember{User: user, Activated: user.PasswordHash != ""}
	member.PasswordHash = ""
	member.Organisations, err = s.OrganisationsOf(ctx, user.ID)
	return &member, err
}

// InviteStaff makes an account for a new member of staff at their
// organisations and issues the activation code for their letter. The
// account cannot be used until they choose a username and password.
func (s *Store) InviteStaff(ctx context.Context, actor models.Actor, staff models.NewStaff) (*models.User, string, error) {
	user := models.User{Username: "invited-" + models.RandomToken(16), Role: staff.Access.Role, DisplayName: staff.Name, Email: staff.Email,
		CreatedAt: s.now(), UpdatedAt: s.now()}
	var code string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&user).Error; err != nil {
			if IsUniqueViolation(err) {
				return models.ErrEmailTaken
			}
			return err
		}
		if err := placeStaff(tx, user.ID, staff.Access.OrganisationIDs); err != nil {
			return err
		}
		if err := s.audit(tx, actor, models.AuditEntry{Action: models.AuditStaffInvited, TargetType: "user", TargetID: models.UintString(user.ID),
			Detail: models.RoleName(user.Role)}); err != nil {
			return err
		}
		var err error
		code, err = s.issueStaffCode(tx, actor, user.ID)
		return err
	})
	return &user, code, err
}

// placeStaff makes the organisations the ones a member of staff works at.
func placeStaff(tx *gorm.DB, userID uint, organisationIDs []uint) error {
	if err := tx.Where("user_id = ?", userID).Delete(&models.Membership{}).Error; err != nil {
		return err
	}
	for _, id := range organisationIDs {
		if err := tx.Create(&models.Membership{UserID: userID, OrganisationID: id}).Error; err != nil {
			return err
		}
	}
	return nil
}

// NewStaffCode issues a fresh activation code for a member of staff who
// has not set up their account yet, withdrawing any unused one.
func (s *Store) NewStaffCode(ctx context.Context, actor models.Actor, member *models.StaffMember) (string, error) {
	if member.Activated {
		return "", models.ErrWrongStatus
	}
	var code string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		code, err = s.issueStaffCode(tx, actor, member.ID)
		return err
	})
	return code, err
}

func (s *Store) issueStaffCode(tx *gorm.DB, actor models.Actor, userID uint) (string, error) {
	now := s.now()
	if err := tx.Model(&models.StaffActivationCode{}).Where("user_id = ? AND used_at IS NULL AND expires_at > ?", userID, now).
		Update("expires_at", now).Error; err != nil {
		return "", err
	}
	code := models.RandomString(models.ActivationAlphabet, models.ActivationCodeLength)
	record := models.StaffActivationCode{UserID: userID, CodeHash: models.HashActivationCode(code), CreatedByID: actor.UserID,
		ExpiresAt: now.Add(models.ActivationLifetime), CreatedAt: now}
	if err := tx.Create(&record).Error; err != nil {
		return "", err
	}
	return code, s.audit(tx, actor, models.AuditEntry{Action: models.AuditStaffCodeIssued, TargetType: "user", TargetID: models.UintString(userID)})
}

// CheckStaffActivation finds the invitation an unused, unexpired code
// belongs to, if the work email matches.
func (s *Store) CheckStaffActivation(ctx context.Context, code, email string) (*models.StaffActivationCode, error) {
	var record models.StaffActivationCode
	err := s.db.WithContext(ctx).Joins("JOIN users ON users.id = staff_activation_codes.user_id").
		Where("staff_activation_codes.code_hash = ? AND staff_activation_codes.used_at IS NULL AND staff_activation_codes.expires_at > ?",
			models.HashActivationCode(code), s.now()).
		Where("users.email = ? AND users.disabled = ?", strings.ToLower(strings.TrimSpace(email)), false).
		Take(&record).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.ErrStaffActivation
	}
	return &record, err
}

// StaffActivationCodeUsed reports whether code is a staff code that has
// already been used, with the work email it was sent to: only someone who
// holds both the letter and the email address learns that.
func (s *Store) StaffActivationCodeUsed(ctx context.Context, code, email string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&models.StaffActivationCode{}).Joins("JOIN users ON users.id = staff_activation_codes.user_id").
		Where("staff_activation_codes.code_hash = ? AND staff_activation_codes.used_at IS NOT NULL", models.HashActivationCode(code)).
		Where("users.email = ?", strings.ToLower(strings.TrimSpace(email))).Count(&n).Error
	return n > 0, err
}

// StaffInvited is the invited member of staff an unused, unexpired code
// sets up an account for.
func (s *Store) StaffInvited(ctx context.Context, codeID uint) (*models.User, error) {
	var user models.User
	err := s.db.WithContext(ctx).Where("id IN (?) AND disabled = ?", s.db.WithContext(ctx).Model(&models.StaffActivationCode{}).Select("user_id").
		Where("id = ? AND used_at IS NULL AND expires_at > ?", codeID, s.now()), false).Take(&user).Error
	return &user, notFound(err)
}

// CompleteStaffActivation sets the username and password of the account a
// code checked by CheckStaffActivation was made for. The code is spent
// even if two people race to use it: only one of them sets the account up.
func (s *Store) CompleteStaffActivation(ctx context.Context, codeID uint, username, passwordHash string, actor models.Actor) (*models.User, error) {
	var user models.User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		spend := tx.Model(&models.StaffActivationCode{}).Where("id = ? AND used_at IS NULL AND expires_at > ?", codeID, now).
			Update("used_at", now)
		if spend.Error != nil {
			return spend.Error
		}
		if spend.RowsAffected != 1 {
			return models.ErrStaffActivation
		}
		if err := tx.Where("id IN (?) AND disabled = ?", tx.Model(&models.StaffActivationCode{}).Select("user_id").Where("id = ?", codeID), false).
			Take(&user).Error; err != nil {
			return notFound(err)
		}
		user.Username, user.PasswordHash, user.UpdatedAt = models.NormaliseUsername(username), passwordHash, now
		if err := tx.Save(&user).Error; err != nil {
			if IsUniqueViolation(err) {
				return models.ErrUsernameTaken
			}
			return err
		}
		actor.UserID, actor.Role = user.ID, user.Role
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditActivated, TargetType: "user", TargetID: user.Username})
	})
	if err != nil {
		return nil, err
	}
	return &user, nil
}

// keepsAnAdministrator is the condition, on the users row being changed,
// that the change leaves an active administrator: the row is not an
// administrator's, or another administrator has set up an account that is
// not switched off.
const keepsAnAdministrator = `(role <> 'admin' OR EXISTS (SELECT 1 FROM users others
	WHERE others.role = 'admin' AND others.disabled = ? AND others.password_hash <> '' AND others.id <> users.id))`

// ChangeStaffAccess gives a member of staff a role and the organisations
// they work at. No one changes their own, and the last administrator
// cannot stop being one.
func (s *Store) ChangeStaffAccess(ctx context.Context, actor models.Actor, userID uint, access models.StaffAccess) error {
	if actor.UserID == userID {
		return models.ErrOwnAccount
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The audit entry comes first: writing it takes the audit chain's
		// lock, so changes to administrators are decided one at a time and
		// two administrators cannot each remove the other.
		if err := s.audit(tx, actor, models.AuditEntry{Action: models.AuditStaffAccessChanged, TargetType: "user", TargetID: models.UintString(userID),
			Detail: models.RoleName(access.Role)}); err != nil {
			return err
		}
		update := tx.Model(&models.User{}).Where("id = ? AND role IN ?", userID, models.StaffRoles)
		if access.Role != models.RoleAdmin {
			update = update.Where(keepsAnAdministrator, false)
		}
		result := update.Updates(map[string]any{"role": access.Role, "updated_at": s.now()})
		if result.Error != nil {
			return result.Error
		}
		if result.RowsAffected != 1 {
			return models.ErrLastAdmin
		}
		return placeStaff(tx, userID, access.OrganisationIDs)
	})
}

// DisableStaff switches a member of staff's account off and ends every
// session it has at once. No one switches off their own account, and the
// last administrator's stays on.
func (s *Store) DisableStaff(ctx context.Context, actor models.Actor, userID uint) error {
	if actor.UserID == userID {
		return models.ErrOwnAccount
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// First, as in ChangeStaffAccess, to decide one at a time.
		if err := s.audit(tx, actor, models.AuditEntry{Action: models.AuditAccountDisabled, TargetType: "user", TargetID: models.UintString(userID)}); err != nil {
			return err
		}
		result := tx.Model(&models.User{}).Where("id = ? AND role IN ?", userID, models.StaffRoles).
			Where(keepsAnAdministrator, false).Updates(map[string]any{"disabled": true, "updated_at": s.now()})
		if result.Error != nil {
			return result.Error
		}
		if result.RowsAffected != 1 {
			return models.ErrLastAdmin
		}
		_, err := endSessions(tx, "user_id = ?", userID)
		return err
	})
}

// SignOutStaffDevice ends one of a member of staff's sessions.
func (s *Store) SignOutStaffDevice(ctx context.Context, actor models.Actor, userID, deviceID uint) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ended, err := endSessions(tx, "user_id = ? AND id = ?", userID, deviceID)
		if err != nil {
			return err
		}
		if ended != 1 {
			return models.ErrNotFound
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditStaffDeviceSignedOut, TargetType: "user", TargetID: models.UintString(userID)})
	})
}

// SignOutStaffEverywhere ends every session of a member of staff at once.
func (s *Store) SignOutStaffEverywhere(ctx context.Context, actor models.Actor, userID uint) (int64, error) {
	var ended int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if ended, err = endSessions(tx, "user_id = ?", userID); err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditStaffSignedOut, TargetType: "user", TargetID: models.UintString(userID)})
	})
	return ended, err
}

// CreateAdministrator invites an administrator of an ICB, adding the ICB
// if the database does not have one with its ODS code yet: how an ICB
// sets itself up from an empty database, before anyone can sign in.
func (s *Store) CreateAdministrator(ctx context.Context, icbName, odsCode string, staff models.NewStaff) (*models.User, string, error) {
	icb := models.Organisation{Kind: models.OrganisationICB, Name: icbName, ODSCode: odsCode, CreatedAt: s.now()}
	err := s.db.WithContext(ctx).Where(models.Organisation{Kind: models.OrganisationICB, ODSCode: odsCode}).Attrs(icb).FirstOrCreate(&icb).Error
	if err != nil {
		return nil, "", err
	}
	staff.Access = models.StaffAccess{Role: models.RoleAdmin, OrganisationIDs: []uint{icb.ID}}
	return s.InviteStaff(ctx, models.Actor{Role: models.RoleAdmin, IPAddress: "command line"}, staff)
}
