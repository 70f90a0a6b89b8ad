package store

import (
	"context"

	"healthpassport/models"

	"gorm.io/gorm"
)

// UserByUsername finds an account that may sign in.
func (s *Store) UserByUsername(ctx context.Context, username string) (*models.User, error) {
	var user models.User
	err := s.db.WithContext(ctx).Where("username = ? AND disabled = ?", models.NormaliseUsername(username), false).First(&user).Error
	return &user, notFound(err)
}

// UserByID finds an account that may still use the service.
func (s *Store) UserByID(ctx context.Context, id uint) (*models.User, error) {
	var user models.User
	err := s.db.WithContext(ctx).Where("id = ? AND disabled = ?", id, false).First(&user).Error
	return &user, notFound(err)
}

// OrganisationsOf lists the organisations a staff member works at.
func (s *Store) OrganisationsOf(ctx context.Context, userID uint) ([]models.Organisation, error) {
	var organisations []models.Organisation
	err := s.db.WithContext(ctx).Where("id IN (?)", s.memberships(ctx, userID)).
		Order("name").Find(&organisations).Error
	return organisations, err
}

// memberships selects the ids of the organisations a person works at,
// as a subquery.
func (s *Store) memberships(ctx context.Context, userID uint) *gorm.DB {
	return s.db.WithContext(ctx).Model(&models.Membership{}).Select("organisation_id").Where("user_id = ?", userID)
}

// PracticesOf lists the practices and clinics a staff member can see
// patients of: those they work at, and for ICB staff every one of their ICB.
func (s *Store) PracticesOf(ctx context.Context, userID uint) ([]models.Organisation, error) {
	memberships := s.memberships(ctx, userID)
	var practices []models.Organisation
	err := s.db.WithContext(ctx).Where("kind IN ? AND (id IN (?) OR parent_id IN (?))", models.CareKinds, memberships, memberships).
		Order("name").Find(&practices).Error
	return practices, err
}

// Organisation finds an organisation by id.
func (s *Store) Organisation(ctx context.Context, id uint) (*models.Organisation, error) {
	var organisation models.Organisation
	err := s.db.WithContext(ctx).First(&organisation, id).Error
	return &organisation, notFound(err)
}
