package models

// ListPageSize is the most rows a list of work shows on one page: a
// session's worth for a nurse, and a page that stays small on a slow line
// however long the list grows.
const ListPageSize = 50

// Pagination says where a page sits in a list: which page it is, how many
// there are, and how many rows the list has in all.
type Pagination struct {
	Page  int // from 1
	Pages int
	Total int64
}

// Paginate places a page among the pages of total rows of size rows each.
// A page past the last is the last, and anything before the first is the
// first, so an old link to a list that has since shrunk still shows rows.
func Paginate(page int, total int64, size int) Pagination {
	pages := max(int((total+int64(size)-1)/int64(size)), 1)
	return Pagination{Page: min(max(page, 1), pages), Pages: pages, Total: total}
}

// Offset is how many rows come before the page.
func (p Pagination) Offset(size int) int { return (p.Page - 1) * size }

// Listing is one page of a list.
type Listing[T any] struct {
	Rows []T
	Pagination
}
