package models

// PatientSearch narrows a search of the principal's patients. Every list
// is an AND of its values; an empty one does not narrow.
type PatientSearch struct {
	Refs        []string // any of these records
	NHSNumber   string   // empty for any
	Family      string   // a family name starting with this, in any case
	Given       string   // a given or preferred name starting with this, in any case
	BirthDate   []DateSearch
	LastUpdated []DateSearch
	Sort        SearchSort
	Page
}

// ObservationSearch narrows a search of one patient's readings.
type ObservationSearch struct {
	PatientID uint
	IDs       []uint // any of these readings
	// Kinds are the kinds of reading a code or category asks for: nil for
	// any, empty when what was asked for matches no kind.
	Kinds       []string
	Date        []DateSearch // when the reading was taken
	LastUpdated []DateSearch // the same moment: a reading is never changed
	Sort        SearchSort
	Page
}

// SearchSort is the order of a search's answers. ByDate sorts on the
// resource's date before its key; either way the key breaks ties, so both
// databases answer in one order and a page's After is the key of the row
// it follows.
type SearchSort struct {
	ByDate     bool
	Descending bool
}
