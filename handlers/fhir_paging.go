package handlers

import (
	"fmt"
	"net/http"
	"strconv"

	"healthpassport/models"
	"healthpassport/models/fhirmap"

	"github.com/gin-gonic/gin"
)

// Searches answer a page at a time, in a stable order, so a client can walk
// every match however many there are: _count says how many a page holds,
// and a page with more after it links to the next with _after, the key of
// its last entry. A new match that sorts before the key is not seen on
// later pages, and none is seen twice.
const (
	countParam   = "_count"
	afterParam   = "_after"
	defaultCount = 50
)

// pagingParams are the parameters every search takes besides its own.
var pagingParams = []string{countParam, afterParam}

// searchParams are a search's own parameters and the paging ones.
func searchParams(names ...string) gin.HandlerFunc {
	return allowParams(append(names, pagingParams...)...)
}

// readPage reads _count and _after; it answers 400 and reports false if
// either is not a whole number in range. _after is a key of our own from
// a next link, so a bad one is a client's mistake too.
func readPage(c *gin.Context) (models.Page, bool) {
	page := models.Page{Limit: defaultCount}
	if text, given := c.GetQuery(countParam); given {
		count, err := strconv.Atoi(text)
		if err != nil || count < 1 || count > searchLimit {
			outcome(c, http.StatusBadRequest, "value", fmt.Sprintf("Give _count as a whole number from 1 to %d.", searchLimit))
			return page, false
		}
		page.Limit = count
	}
	if text, given := c.GetQuery(afterParam); given {
		after, ok := parseID(text)
		if !ok {
			outcome(c, http.StatusBadRequest, "value", "The _after value is not one this server gave: follow the next link as it is.")
			return page, false
		}
		page.After = after
	}
	return page, true
}

// oneMore asks the store for one row beyond the page, which tells whether
// there is a next page.
func oneMore(page models.Page) models.Page {
	page.Limit++
	return page
}

// answerPage answers a search with one page of the rows found, asked for
// with oneMore: mapping makes each row a resource and key gives the row's
// key in the search's order. The total is given only when the first page
// holds every match.
func answerPage[Row any, R fhirmap.Resource](c *gin.Context, publicAddress string, page models.Page, rows []Row, key func(Row) uint, mapping func(Row) R) {
	bundle, _ := searchPage(c, publicAddress, page, rows, key, mapping)
	fhirResource(c, http.StatusOK, bundle)
}

// searchPage is the Bundle answerPage answers with, and the rows on it.
func searchPage[Row any, R fhirmap.Resource](c *gin.Context, publicAddress string, page models.Page, rows []Row, key func(Row) uint, mapping func(Row) R) (fhirmap.Bundle, []Row) {
	next := ""
	if len(rows) > page.Limit {
		rows = rows[:page.Limit]
		next = nextPageURL(c, publicAddress, strconv.FormatUint(uint64(key(rows[len(rows)-1])), 10))
	}
	resources := make([]R, 0, len(rows))
	for _, row := range rows {
		resources = append(resources, mapping(row))
	}
	var total *int
	if next == "" && page.After == 0 {
		n := len(resources)
		total = &n
	}
	return fhirmap.SearchPage(publicAddress+fhirBase, publicAddress+c.Request.URL.RequestURI(), next, total, resources), rows
}

// nextPageURL is the search's own address with _after set to after.
func nextPageURL(c *gin.Context, publicAddress, after string) string {
	query := c.Request.URL.Query()
	query.Set(afterParam, after)
	return publicAddress + c.Request.URL.Path + "?" + query.Encode()
}
