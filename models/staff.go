package models

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Staff account errors, each a rule the database decides.
var (
	ErrEmailTaken      = errors.New("a member of staff already has this email")
	ErrOwnAccount      = errors.New("people cannot change their own role or access")
	ErrLastAdmin       = errors.New("the service must keep an administrator")
	ErrStaffActivation = errors.New("activation code or email is not right")
)

// StaffRoles are the roles an administrator can give, in the order a form
// offers them.
var StaffRoles = []Role{RoleNurse, RoleAdmin, RoleCommissioner, RoleSafetyOfficer}

// RoleName is a role as people say it: "nurse", "clinical safety officer".
func RoleName(role Role) string { return roleNames[role] }

// StaffActivationCode lets an invited member of staff set up their account
// once. As with patients' codes only a hash is kept.
type StaffActivationCode struct {
	ID          uint
	UserID      uint
	CodeHash    string
	CreatedByID uint
	ExpiresAt   time.Time
	UsedAt      *time.Time
	CreatedAt   time.Time
}

// StaffAccess is what a member of staff may do and where.
type StaffAccess struct {
	Role            Role
	OrganisationIDs []uint
}

// StaffEntry is a member of staff as an administrator entered them.
type StaffEntry struct {
	Name, Email, Role string
	Organisations     []string // the chosen organisations' ids
}

// NewStaff is a checked invitation.
type NewStaff struct {
	Name, Email string
	Access      StaffAccess
}

// CheckStaff turns what an administrator entered into an invitation, for
// one or more of the organisations they look after.
func CheckStaff(entry StaffEntry, organisations []Organisation) (NewStaff, FieldErrors) {
	staff, errs := CheckStaffPerson(entry.Name, entry.Email)
	var accessErrs FieldErrors
	staff.Access, accessErrs = CheckStaffAccess(entry.Role, entry.Organisations, organisations)
	return staff, append(errs, accessErrs...)
}

// CheckStaffPerson checks a member of staff's name and work email.
func CheckStaffPerson(name, email string) (NewStaff, FieldErrors) {
	var errs FieldErrors
	name = strings.TrimSpace(name)
	errs.requireText("name", name, "Enter their full name", "Full name", 100)
	email = strings.ToLower(strings.TrimSpace(email))
	switch {
	case email == "":
		errs.Add("email", "Enter their work email address")
	case !ValidEmail(email):
		errs.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	return NewStaff{Name: name, Email: email}, errs
}

// CheckStaffAccess checks a role and the organisations chosen for it,
// among those the administrator looks after.
func CheckStaffAccess(role string, chosen []string, organisations []Organisation) (StaffAccess, FieldErrors) {
	var errs FieldErrors
	access := StaffAccess{Role: Role(role)}
	if !slices.Contains(StaffRoles, access.Role) {
		errs.Add("role", "Choose a role")
	}
	for _, value := range chosen {
		id, _ := strconv.ParseUint(value, 10, 64)
		if !slices.ContainsFunc(organisations, func(o Organisation) bool { return uint64(o.ID) == id }) {
			errs.Add("organisations", "Choose where they work from the list")
			break
		}
		if !slices.Contains(access.OrganisationIDs, uint(id)) {
			access.OrganisationIDs = append(access.OrganisationIDs, uint(id))
		}
	}
	if len(chosen) == 0 {
		errs.Add("organisations", "Choose where they work")
	}
	return access, errs
}

// StaffMember is a member of staff as the staff pages show them.
type StaffMember struct {
	User
	Activated     bool
	Organisations []Organisation
}

// StaffOf lists the staff who work at any of the organisations, by name.
func (s *Store) StaffOf(organisationIDs []uint) ([]StaffMember, error) {
	var users []User
	err := s.db.Where("role IN ? AND id IN (?)", StaffRoles,
		s.db.Model(&Membership{}).Select("user_id").Where("organisation_id IN ?", organisationIDs)).
		Order("display_name, id").Find(&users).Error
	if err != nil {
		return nil, err
	}
	staff := make([]StaffMember, len(users))
	for i, user := range users {
		staff[i] = StaffMember{User: user, Activated: user.PasswordHash != ""}
		staff[i].PasswordHash = ""
	}
	return staff, nil
}

// StaffMemberAt finds a member of staff who works at any of the
// organisations, with every organisation they work at.
func (s *Store) StaffMemberAt(organisationIDs []uint, userID uint) (*StaffMember, error) {
	var user User
	err := s.db.Where("id = ? AND role IN ? AND id IN (?)", userID, StaffRoles,
		s.db.Model(&Membership{}).Select("user_id").Where("organisation_id IN ?", organisationIDs)).Take(&user).Error
	if err != nil {
		return nil, notFound(err)
	}
	member := StaffMember{User: user, Activated: user.PasswordHash != ""}
	member.PasswordHash = ""
	member.Organisations, err = s.OrganisationsOf(user.ID)
	return &member, err
}

// InviteStaff makes an account for a new member of staff at their
// organisations and issues the activation code for their letter. The
// account cannot be used until they choose a username and password.
func (s *Store) InviteStaff(actor Actor, staff NewStaff) (*User, string, error) {
	user := User{Username: "invited-" + RandomToken(16), Role: staff.Access.Role, DisplayName: staff.Name, Email: staff.Email,
		CreatedAt: s.now(), UpdatedAt: s.now()}
	var code string
	err := s.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&user).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrEmailTaken
			}
			return err
		}
		if err := placeStaff(tx, user.ID, staff.Access.OrganisationIDs); err != nil {
			return err
		}
		if err := s.audit(tx, actor, AuditEntry{Action: AuditStaffInvited, TargetType: "user", TargetID: uintString(user.ID),
			Detail: RoleName(user.Role)}); err != nil {
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
	if err := tx.Where("user_id = ?", userID).Delete(&Membership{}).Error; err != nil {
		return err
	}
	for _, id := range organisationIDs {
		if err := tx.Create(&Membership{UserID: userID, OrganisationID: id}).Error; err != nil {
			return err
		}
	}
	return nil
}

// NewStaffCode issues a fresh activation code for a member of staff who
// has not set up their account yet, withdrawing any unused one.
func (s *Store) NewStaffCode(actor Actor, member *StaffMember) (string, error) {
	if member.Activated {
		return "", ErrWrongStatus
	}
	var code string
	err := s.db.Transaction(func(tx *gorm.DB) error {
		var err error
		code, err = s.issueStaffCode(tx, actor, member.ID)
		return err
	})
	return code, err
}

func (s *Store) issueStaffCode(tx *gorm.DB, actor Actor, userID uint) (string, error) {
	now := s.now()
	if err := tx.Model(&StaffActivationCode{}).Where("user_id = ? AND used_at IS NULL AND expires_at > ?", userID, now).
		Update("expires_at", now).Error; err != nil {
		return "", err
	}
	code := randomString(activationAlphabet, activationCodeLength)
	record := StaffActivationCode{UserID: userID, CodeHash: HashActivationCode(code), CreatedByID: actor.UserID,
		ExpiresAt: now.Add(ActivationLifetime), CreatedAt: now}
	if err := tx.Create(&record).Error; err != nil {
		return "", err
	}
	return code, s.audit(tx, actor, AuditEntry{Action: AuditStaffCodeIssued, TargetType: "user", TargetID: uintString(userID)})
}

// CheckStaffActivation finds the invitation an unused, unexpired code
// belongs to, if the work email matches.
func (s *Store) CheckStaffActivation(code, email string) (*StaffActivationCode, error) {
	var record StaffActivationCode
	err := s.db.Joins("JOIN users ON users.id = staff_activation_codes.user_id").
		Where("staff_activation_codes.code_hash = ? AND staff_activation_codes.used_at IS NULL AND staff_activation_codes.expires_at > ?",
			HashActivationCode(code), s.now()).
		Where("users.email = ? AND users.disabled = ?", strings.ToLower(strings.TrimSpace(email)), false).
		Take(&record).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrStaffActivation
	}
	return &record, err
}

// StaffActivationCodeUsed reports whether code is a staff code that has
// already been used, with the work email it was sent to: only someone who
// holds both the letter and the email address learns that.
func (s *Store) StaffActivationCodeUsed(code, email string) (bool, error) {
	var n int64
	err := s.db.Model(&StaffActivationCode{}).Joins("JOIN users ON users.id = staff_activation_codes.user_id").
		Where("staff_activation_codes.code_hash = ? AND staff_activation_codes.used_at IS NOT NULL", HashActivationCode(code)).
		Where("users.email = ?", strings.ToLower(strings.TrimSpace(email))).Count(&n).Error
	return n > 0, err
}

// StaffInvited is the invited member of staff an unused, unexpired code
// sets up an account for.
func (s *Store) StaffInvited(codeID uint) (*User, error) {
	var user User
	err := s.db.Where("id IN (?) AND disabled = ?", s.db.Model(&StaffActivationCode{}).Select("user_id").
		Where("id = ? AND used_at IS NULL AND expires_at > ?", codeID, s.now()), false).Take(&user).Error
	return &user, notFound(err)
}

// CompleteStaffActivation sets the username and password of the account a
// code checked by CheckStaffActivation was made for. The code is spent
// even if two people race to use it: only one of them sets the account up.
func (s *Store) CompleteStaffActivation(codeID uint, username, passwordHash string, actor Actor) (*User, error) {
	var user User
	err := s.db.Transaction(func(tx *gorm.DB) error {
		now := s.now()
		spend := tx.Model(&StaffActivationCode{}).Where("id = ? AND used_at IS NULL AND expires_at > ?", codeID, now).
			Update("used_at", now)
		if spend.Error != nil {
			return spend.Error
		}
		if spend.RowsAffected != 1 {
			return ErrStaffActivation
		}
		if err := tx.Where("id IN (?) AND disabled = ?", tx.Model(&StaffActivationCode{}).Select("user_id").Where("id = ?", codeID), false).
			Take(&user).Error; err != nil {
			return notFound(err)
		}
		user.Username, user.PasswordHash, user.UpdatedAt = NormaliseUsername(username), passwordHash, now
		if err := tx.Save(&user).Error; err != nil {
			if isUniqueViolation(err) {
				return ErrUsernameTaken
			}
			return err
		}
		actor.UserID, actor.Role = user.ID, user.Role
		return s.audit(tx, actor, AuditEntry{Action: AuditActivated, TargetType: "user", TargetID: user.Username})
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
func (s *Store) ChangeStaffAccess(actor Actor, userID uint, access StaffAccess) error {
	if actor.UserID == userID {
		return ErrOwnAccount
	}
	return s.db.Transaction(func(tx *gorm.DB) error {
		// The audit entry comes first: writing it takes the audit chain's
		// lock, so changes to administrators are decided one at a time and
		// two administrators cannot each remove the other.
		if err := s.audit(tx, actor, AuditEntry{Action: AuditStaffAccessChanged, TargetType: "user", TargetID: uintString(userID),
			Detail: RoleName(access.Role)}); err != nil {
			return err
		}
		update := tx.Model(&User{}).Where("id = ? AND role IN ?", userID, StaffRoles)
		if access.Role != RoleAdmin {
			update = update.Where(keepsAnAdministrator, false)
		}
		result := update.Updates(map[string]any{"role": access.Role, "updated_at": s.now()})
		if result.Error != nil {
			return result.Error
		}
		if result.RowsAffected != 1 {
			return ErrLastAdmin
		}
		return placeStaff(tx, userID, access.OrganisationIDs)
	})
}

// DisableStaff switches a member of staff's account off and ends every
// session it has at once. No one switches off their own account, and the
// last administrator's stays on.
func (s *Store) DisableStaff(actor Actor, userID uint) error {
	if actor.UserID == userID {
		return ErrOwnAccount
	}
	return s.db.Transaction(func(tx *gorm.DB) error {
		// First, as in ChangeStaffAccess, to decide one at a time.
		if err := s.audit(tx, actor, AuditEntry{Action: AuditAccountDisabled, TargetType: "user", TargetID: uintString(userID)}); err != nil {
			return err
		}
		result := tx.Model(&User{}).Where("id = ? AND role IN ?", userID, StaffRoles).
			Where(keepsAnAdministrator, false).Updates(map[string]any{"disabled": true, "updated_at": s.now()})
		if result.Error != nil {
			return result.Error
		}
		if result.RowsAffected != 1 {
			return ErrLastAdmin
		}
		_, err := endSessions(tx, "user_id = ?", userID)
		return err
	})
}

// SignOutStaffDevice ends one of a member of staff's sessions.
func (s *Store) SignOutStaffDevice(actor Actor, userID, deviceID uint) error {
	return s.db.Transaction(func(tx *gorm.DB) error {
		ended, err := endSessions(tx, "user_id = ? AND id = ?", userID, deviceID)
		if err != nil {
			return err
		}
		if ended != 1 {
			return ErrNotFound
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditStaffDeviceSignedOut, TargetType: "user", TargetID: uintString(userID)})
	})
}

// SignOutStaffEverywhere ends every session of a member of staff at once.
func (s *Store) SignOutStaffEverywhere(actor Actor, userID uint) (int64, error) {
	var ended int64
	err := s.db.Transaction(func(tx *gorm.DB) error {
		var err error
		if ended, err = endSessions(tx, "user_id = ?", userID); err != nil {
			return err
		}
		return s.audit(tx, actor, AuditEntry{Action: AuditStaffSignedOut, TargetType: "user", TargetID: uintString(userID)})
	})
	return ended, err
}

// CreateAdministrator invites an administrator of an ICB, adding the ICB
// if the database does not have one with its ODS code yet: how an ICB
// sets itself up from an empty database, before anyone can sign in.
func (s *Store) CreateAdministrator(icbName, odsCode string, staff NewStaff) (*User, string, error) {
	icb := Organisation{Kind: OrganisationICB, Name: icbName, ODSCode: odsCode, CreatedAt: s.now()}
	err := s.db.Where(Organisation{Kind: OrganisationICB, ODSCode: odsCode}).Attrs(icb).FirstOrCreate(&icb).Error
	if err != nil {
		return nil, "", err
	}
	staff.Access = StaffAccess{Role: RoleAdmin, OrganisationIDs: []uint{icb.ID}}
	return s.InviteStaff(Actor{Role: RoleAdmin, IPAddress: "command line"}, staff)
}
