package models

import (
	"errors"
	"strings"

	"gorm.io/gorm"
)

// ErrUsernameTaken means someone already has the username.
var ErrUsernameTaken = errors.New("username taken")

// NormaliseUsername is the form usernames are stored and looked up in.
func NormaliseUsername(username string) string { return strings.ToLower(strings.TrimSpace(username)) }

// UserByUsername finds an account that may sign in.
func (s *Store) UserByUsername(username string) (*User, error) {
	var user User
	err := s.db.Where("username = ? AND disabled = ?", NormaliseUsername(username), false).First(&user).Error
	return &user, notFound(err)
}

// UserByID finds an account that may still use the service.
func (s *Store) UserByID(id uint) (*User, error) {
	var user User
	err := s.db.Where("id = ? AND disabled = ?", id, false).First(&user).Error
	return &user, notFound(err)
}

// OrganisationsOf lists the organisations a staff member works at.
func (s *Store) OrganisationsOf(userID uint) ([]Organisation, error) {
	var organisations []Organisation
	err := s.db.Where("id IN (?)", s.memberships(userID)).
		Order("name").Find(&organisations).Error
	return organisations, err
}

// memberships selects the ids of the organisations a person works at,
// as a subquery.
func (s *Store) memberships(userID uint) *gorm.DB {
	return s.db.Model(&Membership{}).Select("organisation_id").Where("user_id = ?", userID)
}

// PracticesOf lists the practices and clinics a staff member can see
// patients of: those they work at, and for ICB staff every one of their ICB.
func (s *Store) PracticesOf(userID uint) ([]Organisation, error) {
	memberships := s.memberships(userID)
	var practices []Organisation
	err := s.db.Where("kind IN ? AND (id IN (?) OR parent_id IN (?))", CareKinds, memberships, memberships).
		Order("name").Find(&practices).Error
	return practices, err
}

// Organisation finds an organisation by id.
func (s *Store) Organisation(id uint) (*Organisation, error) {
	var organisation Organisation
	err := s.db.First(&organisation, id).Error
	return &organisation, notFound(err)
}

// honorifics are the titles people put before their names. A greeting
// uses the name after them: "Hello Priya", never "Hello Dr".
var honorifics = map[string]bool{
	"dr": true, "doctor": true, "mr": true, "mrs": true, "ms": true, "miss": true, "mx": true,
	"prof": true, "professor": true, "sir": true, "dame": true, "lord": true, "lady": true,
	"rev": true, "revd": true, "reverend": true, "nurse": true, "sister": true, "matron": true,
}

// GreetingName is the name to greet a person by: the first word of their
// name that is not a title, or "" when there is none.
func GreetingName(displayName string) string {
	for _, word := range strings.Fields(displayName) {
		if !honorifics[strings.ToLower(strings.TrimRight(word, "."))] {
			return word
		}
	}
	return ""
}
