package store

import (
	"context"
	"strings"

	"healthpassport/models"

	"gorm.io/gorm"
)

// matchDates narrows a query to rows whose column matches every date
// search, each as the bounds its prefix gives.
func (s *Store) matchDates(query *gorm.DB, column string, searches []models.DateSearch) *gorm.DB {
	for _, search := range searches {
		from, before, outside := search.Bounds(s.now())
		switch {
		case outside:
			query = query.Where("("+column+" < ? OR "+column+" >= ?)", from, before)
		default:
			if !from.IsZero() {
				query = query.Where(column+" >= ?", from)
			}
			if !before.IsZero() {
				query = query.Where(column+" < ?", before)
			}
		}
	}
	return query
}

// sortAndPage orders a query by the sort asked for, breaking ties by key,
// and starts it after the row whose key is after. Sorted by date, the
// start is found from that row's date, so a page follows on from the last
// whatever was added meanwhile.
func sortAndPage(query *gorm.DB, table, dateColumn string, sort models.SearchSort, page models.Page) *gorm.DB {
	key := table + ".id"
	direction, beyond := " ASC", " > "
	if sort.Descending {
		direction, beyond = " DESC", " < "
	}
	if sort.ByDate {
		date := table + "." + dateColumn
		if page.After > 0 {
			afterDate := "(SELECT after_row." + dateColumn + " FROM " + table + " after_row WHERE after_row.id = ?)"
			query = query.Where("("+date+beyond+afterDate+" OR ("+date+" = "+afterDate+" AND "+key+beyond+"?))", page.After, page.After, page.After)
		}
		query = query.Order(date + direction)
	} else if page.After > 0 {
		query = query.Where(key+beyond+"?", page.After)
	}
	return limitPage(page, query.Order(key+direction))
}

// startsWith is the LIKE pattern, for LOWER of a column, of text starting
// with prefix in any case.
func startsWith(prefix string) string {
	escaped := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(prefix))
	return escaped + "%"
}

// patientMatches are the principal's patients that match a search, in no
// order.
func (s *Store) patientMatches(ctx context.Context, principal *models.Principal, search models.PatientSearch) *gorm.DB {
	query := s.db.WithContext(ctx).Model(&models.Patient{}).Where("patients.practice_id IN ?", practiceIDs(principal))
	if len(search.Refs) > 0 {
		query = query.Where("patients.ref IN ?", search.Refs)
	}
	if search.NHSNumber != "" {
		query = query.Where("patients.nhs_number = ?", search.NHSNumber)
	}
	if search.Family != "" {
		query = query.Where(`LOWER(patients.family_name) LIKE ? ESCAPE '\'`, startsWith(search.Family))
	}
	if search.Given != "" {
		query = query.Where(`(LOWER(patients.given_name) LIKE ? ESCAPE '\' OR LOWER(patients.preferred_name) LIKE ? ESCAPE '\')`,
			startsWith(search.Given), startsWith(search.Given))
	}
	query = s.matchDates(query, "patients.date_of_birth", search.BirthDate)
	return s.matchDates(query, "patients.updated_at", search.LastUpdated)
}

// SearchPatients lists a page of the principal's patients that match, with
// their practices: oldest record first unless sorted by when they last
// changed.
func (s *Store) SearchPatients(ctx context.Context, principal *models.Principal, search models.PatientSearch) ([]models.Patient, error) {
	var patients []models.Patient
	err := sortAndPage(s.patientMatches(ctx, principal, search).Joins("Practice"), "patients", "updated_at", search.Sort, search.Page).
		Find(&patients).Error
	return patients, err
}

// CountPatients counts the principal's patients that match, on every page.
func (s *Store) CountPatients(ctx context.Context, principal *models.Principal, search models.PatientSearch) (int64, error) {
	var n int64
	err := s.patientMatches(ctx, principal, search).Count(&n).Error
	return n, err
}

// readingMatches are a patient's readings that match a search, among the
// principal's patients, in no order.
func (s *Store) readingMatches(ctx context.Context, principal *models.Principal, search models.ObservationSearch) *gorm.DB {
	query := s.patientReadings(ctx, principal).Where("readings.patient_id = ?", search.PatientID)
	if len(search.IDs) > 0 {
		query = query.Where("readings.id IN ?", search.IDs)
	}
	if search.Kinds != nil {
		// No kind is empty, so the empty one keeps the list valid SQL
		// when what was asked for matches no kind.
		query = query.Where("readings.kind IN ?", append([]string{""}, search.Kinds...))
	}
	query = s.matchDates(query, "readings.created_at", search.Date)
	return s.matchDates(query, "readings.created_at", search.LastUpdated)
}

// SearchReadings lists a page of a patient's readings that match: newest
// first unless sorted by date.
func (s *Store) SearchReadings(ctx context.Context, principal *models.Principal, search models.ObservationSearch) ([]models.PatientReading, error) {
	var found []models.PatientReading
	err := sortAndPage(s.readingMatches(ctx, principal, search), "readings", "created_at", search.Sort, search.Page).Scan(&found).Error
	return found, err
}

// CountReadings counts a patient's readings that match, on every page.
func (s *Store) CountReadings(ctx context.Context, principal *models.Principal, search models.ObservationSearch) (int64, error) {
	var n int64
	err := s.readingMatches(ctx, principal, search).Select("COUNT(*)").Scan(&n).Error
	return n, err
}
