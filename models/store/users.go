package store

import (
	"healthpassport/models"

	"gorm.io/gorm"
)

// UserByUsername finds an account that may sign in.
func (s *Store) UserByUsername(username string) (*models.User, error) {
	var user models.User
	err := s.db.Where("username = ? AND disabled = ?", models.NormaliseUsername(username), false).First(&user).Error
	return &user, notFound(err)
}

// UserByID finds an account that may still use the service.
func (s *Store) UserByID(id uint) (*models.User, error) {
	var user models.User
	err := s.db.Where("id = ? AND disabled = ?", id, false).First(&user).Error
	return &user, notFound(err)
}

// OrganisationsOf lists the organisations a staff member works at.
func (s *Store) OrganisationsOf(userID uint) ([]models.Organisation, error) {
	var organisations []models.Organisation
	err := s.db.Where("id IN (?)", s.memberships(userID)).
		Order("name").Find(&organisations).Error
	return organisations, err
}

// memberships selects the ids of the organisations a person works at,
// as a subquery.
func (s *Store) memberships(userID uint) *gorm.DB {
	return s.db.Model(&models.Membership{}).Select("organisation_id").Where("user_id = ?", userID)
}

// PracticesOf lists the practices and clinics a staff member can see
// patients of: those they work at, and for ICB staff every one of their ICB.
func (s *Store) PracticesOf(userID uint) ([]models.Organisation, error) {
	memberships := s.memberships(userID)
	var practices []models.Organisation
	err := s.db.Where("kind IN ? AND (id IN (?) OR parent_id IN (?))", models.CareKinds, memberships, memberships).
		Order("name").Find(&practices).Error
	return practices, err
}

// Organisation finds an organisation by id.
func (s *Store) Organisation(id uint) (*models.Organisation, error) {
	var organisation models.Organisation
	err := s.db.First(&organisation, id).Error
	return &organisation, notFound(err)
}
