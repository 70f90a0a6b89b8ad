package store

import (
	"healthpassport/models"

	"gorm.io/gorm"
)

// listPage reads one page of a list: the rows q finds, counted, then the
// page asked for of them in order, at most models.ListPageSize. columns is
// what each row reads, chosen after counting so that the count is of rows,
// not of columns; empty reads the model's own. order must end with a
// unique column, so that no row is on two pages or none.
func listPage[T any](q *gorm.DB, columns, order string, page int) (models.Listing[T], error) {
	var listing models.Listing[T]
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return listing, err
	}
	listing.Pagination = models.Paginate(page, total, models.ListPageSize)
	if total == 0 {
		return listing, nil
	}
	if columns != "" {
		q = q.Select(columns)
	}
	err := q.Order(order).Offset(listing.Offset(models.ListPageSize)).Limit(models.ListPageSize).Scan(&listing.Rows).Error
	return listing, err
}
