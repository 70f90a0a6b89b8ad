package models

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
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
