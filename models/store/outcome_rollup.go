package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Levels of the rollup's rows: a practice's patients, or those of every
// practice whose parent is the organisation (an ICB's), added up ahead so
// that a commissioner's dashboard reads one organisation, not twenty.
const (
	levelPractice = "practice"
	levelGroup    = "group"
)

// everyAge is the age band of rows adding up every age, so that a
// dashboard without an age filter reads one band, not six.
const everyAge = "*"

// Kinds of refresh.
const (
	refreshRecent = "recent"
	refreshFull   = "full"
)

// spanDay is the span of the snapshot of people active now: one a day,
// replaced at each refresh.
const spanDay = "day"

// Measures kept only in the rollup: the patients registered and accounts
// set up by the end of each period, for the running totals, and the
// people active on the snapshot's day and the 7 and 30 days to it.
const (
	measureRegisteredTotal = "registered-total"
	measureActivatedTotal  = "activated-total"
	measureActiveDaily     = "active-daily"
	measureActiveWeekly    = "active-weekly"
	measureActiveMonthly   = "active-monthly"
)

// Periods refreshed: the recent ones are the current and previous months
// and the weeks covering them; a full rebuild covers weeks over the
// longest period a dashboard shows (and a month more), and months from the
// first registration, as far back as a monthly report can look: five years
// and the twelve months before.
const (
	recentMonths  = 2
	fullWeeks     = 13
	fullMinMonths = 13
	fullMaxMonths = 72
)

// fullRefreshAge is how old the last full rebuild may be before the next
// periodic refresh is a full one.
const fullRefreshAge = 24 * time.Hour

// OutcomesUpToDate is when the rollup was last brought up to date, and
// whether it ever has been.
func (s *Store) OutcomesUpToDate(ctx context.Context) (time.Time, bool, error) {
	var refreshes []models.OutcomeRollupRefresh
	if err := s.db.WithContext(ctx).Find(&refreshes).Error; err != nil {
		return time.Time{}, false, err
	}
	var latest time.Time
	for _, r := range refreshes {
		if r.RefreshedAt.After(latest) {
			latest = r.RefreshedAt
		}
	}
	return latest, len(refreshes) > 0, nil
}

// RefreshOutcomes counts the outcome measures as at now into the rollup:
// every period when full is true, otherwise the recent ones.
//
// It writes a few periods to a transaction (rollupChunk), each replaced
// whole, so that on SQLite, whose one connection writes for everyone, a
// rebuild of years of periods never holds a red-zone reading's alert for
// more than a few seconds. Meanwhile a dashboard may show some periods
// counted afresh and others from the refresh before: each period adds up.
func (s *Store) RefreshOutcomes(ctx context.Context, now time.Time, full bool) error {
	db := s.db.WithContext(ctx)
	months, weeks := recentMonths, recentMonths
	kinds := []string{refreshRecent}
	if full {
		var first []models.Patient
		if err := db.Select("created_at").Order("created_at").Limit(1).Find(&first).Error; err != nil {
			return err
		}
		months, weeks = fullMinMonths, fullWeeks
		if len(first) > 0 {
			uk, since := now.In(models.UK), first[0].CreatedAt.In(models.UK)
			months = max(months, min(fullMaxMonths, (uk.Year()-since.Year())*12+int(uk.Month()-since.Month())+1))
		}
		kinds = append(kinds, refreshFull)
	}
	for _, span := range []struct {
		by     string
		months int
	}{{models.ByMonth, months}, {models.ByWeek, weeks}} {
		starts, end := periodStarts(now, span.months, span.by)
		for i := 0; i < len(starts); i += rollupChunk {
			chunk, chunkEnd := starts[i:], end
			if i+rollupChunk < len(starts) {
				chunk, chunkEnd = starts[i:i+rollupChunk], starts[i+rollupChunk]
			}
			err := s.rollupStep(ctx, func(tx *gorm.DB) error { return s.buildPeriods(tx, span.by, chunk, chunkEnd) })
			if err != nil {
				return fmt.Errorf("counting outcomes by %s: %w", span.by, err)
			}
		}
		if full {
			// Periods older than a rebuild covers are never shown again.
			err := s.rollupStep(ctx, func(tx *gorm.DB) error {
				return tx.Where("span = ? AND period_start < ?", span.by, starts[0]).Delete(&models.OutcomeRollup{}).Error
			})
			if err != nil {
				return err
			}
		}
	}
	err := s.rollupStep(ctx, func(tx *gorm.DB) error {
		if err := s.buildActiveNow(tx, now); err != nil {
			return fmt.Errorf("counting the people active now: %w", err)
		}
		for _, kind := range kinds {
			err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "kind"}}, DoUpdates: clause.AssignmentColumns([]string{"refreshed_at"})}).
				Create(&models.OutcomeRollupRefresh{Kind: kind, RefreshedAt: now}).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && full && s.db.Dialector.Name() == "postgres" {
		// A full rebuild replaces most of the table: without fresh
		// statistics PostgreSQL can plan the dashboards' reads badly until
		// autovacuum catches up. Only the table's owner may analyze it;
		// for anyone else PostgreSQL warns and goes on.
		err = db.Exec("ANALYZE outcome_rollups").Error
	}
	return err
}

// rollupChunk is how many periods a refresh counts in one transaction.
const rollupChunk = 6

// rollupStep writes part of a refresh in a transaction of its own.
func (s *Store) rollupStep(ctx context.Context, write func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			// Two refreshes at once would both delete, then both insert
			// the same rows: the second waits for the first instead.
			// SQLite's one connection already runs them one at a time.
			if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext('outcome_rollups'))").Error; err != nil {
				return err
			}
		}
		return write(tx)
	})
}

// RefreshOutcomesDue refreshes the rollup as the periodic job does: in
// full when it has never been built or its last full rebuild is a day old,
// and not at all when another instance, or this one before a restart,
// brought it up to date less than half an interval ago.
func (s *Store) RefreshOutcomesDue(ctx context.Context) error {
	now := s.now()
	var refreshes []models.OutcomeRollupRefresh
	if err := s.db.WithContext(ctx).Find(&refreshes).Error; err != nil {
		return err
	}
	last := map[string]time.Time{}
	for _, r := range refreshes {
		last[r.Kind] = r.RefreshedAt
	}
	full, built := last[refreshFull]
	if built && now.Sub(full) < fullRefreshAge && now.Sub(last[refreshRecent]) < models.RollupInterval/2 {
		return nil
	}
	return s.RefreshOutcomes(ctx, now, !built || now.Sub(full) >= fullRefreshAge)
}

// timestampParam is a bound time as a column of a derived table:
// PostgreSQL must be told its type, SQLite compares it as bound.
func (s *Store) timestampParam() string {
	if s.db.Dialector.Name() == "postgres" {
		return "CAST(? AS TIMESTAMPTZ)"
	}
	return "?"
}

// rollupPeriods is a derived table of the periods being counted: each
// one's number (from 1), first instant, the first of the next, the UK day
// that starts (for the columns of days), and for each age band the date
// of birth after which a person is younger than the band on the period's
// last day.
func (s *Store) rollupPeriods(starts []time.Time, end time.Time) *gorm.DB {
	ts := s.timestampParam()
	var sql strings.Builder
	var args []any
	for i, start := range starts {
		next := end
		if i+1 < len(starts) {
			next = starts[i+1]
		}
		nextDay, _ := time.Parse(time.DateOnly, models.UKDay(next))
		lastDay := nextDay.AddDate(0, 0, -1)
		if i > 0 {
			sql.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&sql, "SELECT %d AS bucket, %s AS start_at, %s AS end_at, %s AS next_day", i+1, ts, ts, ts)
		args = append(args, start, next, nextDay)
		// Someone is younger than a band's From on the last day when born
		// after that day From years before.
		for j, band := range models.AgeBands {
			fmt.Fprintf(&sql, ", %s AS born_after%d", ts, j)
			args = append(args, lastDay.AddDate(-band.From, 0, 0))
		}
	}
	return s.db.Raw(sql.String(), args...)
}

// rollupBand is the age band of patients on the last day of periods: ”
// for someone with no date of birth or not born by then, whom no band
// counts.
func rollupBand() string {
	var sql strings.Builder
	sql.WriteString("CASE WHEN patients.date_of_birth IS NULL OR patients.date_of_birth > periods.born_after0 THEN ''")
	for j := range models.AgeBands[1:] {
		fmt.Fprintf(&sql, " WHEN patients.date_of_birth > periods.born_after%d THEN '%s'", j+1, models.AgeBands[j].Key)
	}
	fmt.Fprintf(&sql, " ELSE '%s' END", models.AgeBands[len(models.AgeBands)-1].Key)
	return sql.String()
}

// patientConditions is each patient's conditions, once each, and a row
// with condition ” for any condition.
func (s *Store) patientConditions() *gorm.DB {
	return s.db.Raw(`SELECT DISTINCT patient_id, snomed_code AS code FROM action_plans WHERE snomed_code <> ''
		UNION ALL SELECT id, '' FROM patients`)
}

// accountHolders is the patient each patient's and carer's account is
// counted with: a carer with the first person they care for.
func (s *Store) accountHolders() *gorm.DB {
	return s.db.Raw(`SELECT id AS user_id, patient_id, role FROM users WHERE role = ? AND patient_id IS NOT NULL
		UNION ALL SELECT carer_links.carer_id, MIN(carer_links.patient_id), ? FROM carer_links
			JOIN users ON users.id = carer_links.carer_id AND users.role = ?
			WHERE carer_links.revoked_at IS NULL GROUP BY carer_links.carer_id`, models.RolePatient, models.RoleCarer, models.RoleCarer)
}

// periodJoin is how events are joined to the periods they are counted
// in: by the number of the period their column falls in (a hash join,
// where comparing every event with every period would take seconds), or,
// for what stands at the end of several periods, by a condition.
type periodJoin struct {
	bucket string // the number of the period, for events already within the periods
	args   []any
	on     string // the join's condition, without a bucket
}

// byPeriod joins events to the period holding events.at, given the
// periods' first instants or days.
func byPeriod(bounds []time.Time) periodJoin {
	var args []any
	var tree func(lo, hi int) string
	// A binary search: a few comparisons an event even for 57 weeks.
	tree = func(lo, hi int) string {
		if hi-lo == 1 {
			return fmt.Sprint(lo + 1)
		}
		mid := (lo + hi) / 2
		args = append(args, bounds[mid])
		left := tree(lo, mid)
		return "CASE WHEN events.at < ? THEN " + left + " ELSE " + tree(mid, hi) + " END"
	}
	return periodJoin{bucket: tree(0, len(bounds)), args: args}
}

// insertRollup counts events into the rollup for the periods they fall
// in, with the aggregates (the count, and the people) given. Events are
// rows of patient_id, measure, value and at, and whatever the join
// compares. A measure counted from two sources, such as the answers to
// the unplanned care question at check-ins and at reviews, adds to the row
// the first made. (The WHERE lets SQLite read ON CONFLICT as the insert's,
// not as a join's.)
func (s *Store) insertRollup(tx *gorm.DB, span string, periods, events *gorm.DB, join periodJoin, aggregates string) error {
	band := rollupBand()
	on := join.on
	if join.bucket != "" {
		events = s.db.Table("(?) AS events", events).Select("events.*, "+join.bucket+" AS bucket", join.args...)
		on = "periods.bucket = events.bucket"
	}
	return tx.Exec(`INSERT INTO outcome_rollups (span, level, organisation_id, condition_code, age_band, period_start, measure, value, n, people)
		SELECT ?, ?, patients.practice_id, conditions.code, `+band+`, periods.start_at, events.measure, events.value, `+aggregates+`
		FROM (?) AS events JOIN (?) AS periods ON `+on+`
		JOIN patients ON patients.id = events.patient_id
		JOIN (?) AS conditions ON conditions.patient_id = events.patient_id
		WHERE 1 = 1
		GROUP BY patients.practice_id, conditions.code, `+band+`, periods.start_at, events.measure, events.value
		ON CONFLICT (span, level, organisation_id, condition_code, age_band, period_start, measure, value)
		DO UPDATE SET n = outcome_rollups.n + excluded.n, people = outcome_rollups.people + excluded.people`,
		span, levelPractice, events, periods, s.patientConditions()).Error
}

// addUpRollup adds up the practices' rows of the periods of a span from
// start to before end (everything of the span when end is zero): into
// rows of every age, then into rows of each practice's parent. People are
// counted once a practice and band, so adding them up counts no one twice.
func (s *Store) addUpRollup(tx *gorm.DB, span string, start, end time.Time) error {
	within := func(q *gorm.DB) *gorm.DB {
		q = q.Where("outcome_rollups.span = ? AND outcome_rollups.level = ?", span, levelPractice)
		if !end.IsZero() {
			q = q.Where("outcome_rollups.period_start >= ? AND outcome_rollups.period_start < ?", start, end)
		}
		return q
	}
	everyAgeRows := within(tx.Model(&models.OutcomeRollup{})).
		Select("span, level, organisation_id, condition_code, ? AS age_band, period_start, measure, value, SUM(n), SUM(people)", everyAge).
		Where("age_band <> ?", everyAge).
		Group("span, level, organisation_id, condition_code, period_start, measure, value")
	if err := tx.Exec(`INSERT INTO outcome_rollups (span, level, organisation_id, condition_code, age_band, period_start, measure, value, n, people) ?`,
		everyAgeRows).Error; err != nil {
		return err
	}
	groupRows := within(tx.Model(&models.OutcomeRollup{})).
		Select(`outcome_rollups.span, ? AS level, organisations.parent_id, outcome_rollups.condition_code, outcome_rollups.age_band,
			outcome_rollups.period_start, outcome_rollups.measure, outcome_rollups.value, SUM(outcome_rollups.n), SUM(outcome_rollups.people)`, levelGroup).
		Joins("JOIN organisations ON organisations.id = outcome_rollups.organisation_id").
		Where("organisations.parent_id IS NOT NULL AND organisations.kind IN ?", models.CareKinds).
		Group(`outcome_rollups.span, organisations.parent_id, outcome_rollups.condition_code, outcome_rollups.age_band,
			outcome_rollups.period_start, outcome_rollups.measure, outcome_rollups.value`)
	return tx.Exec(`INSERT INTO outcome_rollups (span, level, organisation_id, condition_code, age_band, period_start, measure, value, n, people) ?`,
		groupRows).Error
}

// countEvents counts events; activity counts people too.
const countEvents = "COUNT(*), 0"

// buildPeriods replaces the rollup's rows of the periods starting at
// starts, up to end, with the measures counted afresh: a few set-based
// queries whatever the number of periods and practices.
func (s *Store) buildPeriods(tx *gorm.DB, span string, starts []time.Time, end time.Time) error {
	if err := tx.Where("span = ? AND period_start >= ? AND period_start < ?", span, starts[0], end).Delete(&models.OutcomeRollup{}).Error; err != nil {
		return err
	}
	periods := s.rollupPeriods(starts, end)
	from := starts[0]
	// Dates, such as a review's, are compared with the UK days the
	// periods start on: as instants for the columns holding midnight UTC
	// (a review's), as dates for the date columns (a day of activity).
	fromDay, _ := time.Parse(time.DateOnly, models.UKDay(from))
	endDay, _ := time.Parse(time.DateOnly, models.UKDay(end))
	firstEnd := end
	if len(starts) > 1 {
		firstEnd = starts[1]
	}
	firstNextDay, _ := time.Parse(time.DateOnly, models.UKDay(firstEnd))
	days := make([]time.Time, len(starts))
	for i, start := range starts {
		days[i], _ = time.Parse(time.DateOnly, models.UKDay(start))
	}
	inPeriod, onDays := byPeriod(starts), byPeriod(days)
	for _, q := range []struct {
		events *gorm.DB
		join   periodJoin
		counts string
	}{
		{s.periodEvents(from, end), inPeriod, countEvents},
		{s.reviewEvents(fromDay, endDay), onDays, countEvents},
		{s.spreadEvents(from, end), inPeriod, countEvents},
		{s.overuseEvents(starts, end), inPeriod, countEvents},
		{s.activityEvents(fromDay, endDay), onDays, "COUNT(*), COUNT(DISTINCT events.user_id)"},
		{s.feedbackEvents(from, end), inPeriod, countEvents},
		{s.totalEvents(end), periodJoin{on: "events.at < periods.end_at"}, countEvents},
		{s.shareEvents(from, end), periodJoin{on: `events.at < periods.end_at AND events.expires_at >= periods.end_at
			AND (events.revoked_at IS NULL OR events.revoked_at >= periods.end_at)`}, countEvents},
		{s.overdueEvents(firstNextDay, endDay), periodJoin{on: "events.at < periods.next_day AND (events.done_on IS NULL OR events.done_on >= periods.next_day)"}, countEvents},
	} {
		if err := s.insertRollup(tx, span, periods, q.events, q.join, q.counts); err != nil {
			return err
		}
	}
	return s.addUpRollup(tx, span, starts[0], end)
}

// buildActiveNow replaces the snapshot of the patients and carers who used
// the service on now's UK day, and in the 7 and 30 days to it, by their
// last day active; ages are taken on that day.
func (s *Store) buildActiveNow(tx *gorm.DB, now time.Time) error {
	if err := tx.Where("span = ?", spanDay).Delete(&models.OutcomeRollup{}).Error; err != nil {
		return err
	}
	today, _ := time.Parse(time.DateOnly, models.UKDay(now))
	start := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, models.UK)
	events := s.db.Raw(`SELECT holders.patient_id, ? AS measure, 0 AS value FROM users JOIN (?) AS holders ON holders.user_id = users.id WHERE users.last_active_on >= ?
		UNION ALL SELECT holders.patient_id, ?, 0 FROM users JOIN (?) AS holders ON holders.user_id = users.id WHERE users.last_active_on >= ?
		UNION ALL SELECT holders.patient_id, ?, 0 FROM users JOIN (?) AS holders ON holders.user_id = users.id WHERE users.last_active_on >= ?`,
		measureActiveDaily, s.accountHolders(), today,
		measureActiveWeekly, s.accountHolders(), today.AddDate(0, 0, -6),
		measureActiveMonthly, s.accountHolders(), today.AddDate(0, 0, -29))
	if err := s.insertRollup(tx, spanDay, s.rollupPeriods([]time.Time{start.UTC()}, start.AddDate(0, 0, 1).UTC()), events, periodJoin{on: "1 = 1"}, countEvents); err != nil {
		return err
	}
	return s.addUpRollup(tx, spanDay, time.Time{}, time.Time{})
}

// periodEvents are the events counted in the period they happen in.
func (s *Store) periodEvents(from, end time.Time) *gorm.DB {
	return s.db.Raw(`SELECT 'registered' AS measure, id AS patient_id, created_at AS at, 0 AS value FROM patients WHERE created_at >= ? AND created_at < ?
		UNION ALL SELECT 'activated', patient_id, created_at, 0 FROM users WHERE role = ? AND patient_id IS NOT NULL AND created_at >= ? AND created_at < ?
		UNION ALL SELECT CASE kind WHEN ? THEN 'readings' ELSE 'check-ins' END, patient_id, created_at, 0 FROM readings WHERE created_at >= ? AND created_at < ?
		UNION ALL SELECT 'red-zone', patient_id, created_at, 0 FROM readings WHERE zone = ? AND created_at >= ? AND created_at < ?
		UNION ALL SELECT 'unplanned-' || unplanned_care, patient_id, created_at, 0 FROM readings WHERE unplanned_care <> '' AND created_at >= ? AND created_at < ?
		UNION ALL SELECT 'rcp-' || rcp_score, patient_id, created_at, 0 FROM readings WHERE rcp_score IS NOT NULL AND created_at >= ? AND created_at < ?
		UNION ALL SELECT 'requests', patient_id, created_at, 0 FROM prescription_requests WHERE created_at >= ? AND created_at < ?
		UNION ALL SELECT CASE purpose WHEN ? THEN 'preventer-requests' ELSE 'reliever-requests' END, patient_id, created_at, 0
			FROM prescription_requests WHERE purpose IN (?, ?) AND created_at >= ? AND created_at < ?
		UNION ALL SELECT 'requests-ready', patient_id, created_at, 0 FROM prescription_requests WHERE status = ? AND created_at >= ? AND created_at < ?
		UNION ALL SELECT 'alerts', patient_id, created_at, 0 FROM alerts WHERE created_at >= ? AND created_at < ?
		UNION ALL SELECT 'alerts-acknowledged', patient_id, created_at, 0 FROM alerts WHERE acknowledged_at IS NOT NULL AND created_at >= ? AND created_at < ?`,
		from, end, models.RolePatient, from, end,
		models.ReadingPeakFlow, from, end, models.ZoneRed, from, end, from, end, from, end,
		from, end, models.PurposePreventer, models.PurposePreventer, models.PurposeReliever, from, end, models.RequestReady, from, end, from, end, from, end)
}

// reviewEvents are reviews done, done on time and falling due, with the
// answers nurses recorded at them, on the UK day of the review.
func (s *Store) reviewEvents(from, end time.Time) *gorm.DB {
	// A review is on time when done by the date the one before set; a
	// first review is on time.
	chain := s.db.Table("reviews").Select("patient_id, reviewed_on, unplanned_care, rcp_score, " +
		"LAG(next_review_on) OVER (PARTITION BY patient_id ORDER BY reviewed_on, id) AS due_on")
	return s.db.Raw(`SELECT 'reviews' AS measure, patient_id, reviewed_on AS at, 0 AS value FROM reviews WHERE reviewed_on >= ? AND reviewed_on < ?
		UNION ALL SELECT 'reviews-on-time', patient_id, reviewed_on, 0 FROM (?) AS chain
			WHERE (due_on IS NULL OR reviewed_on <= due_on) AND reviewed_on >= ? AND reviewed_on < ?
		UNION ALL SELECT 'unplanned-' || unplanned_care, patient_id, reviewed_on, 0 FROM reviews WHERE unplanned_care <> '' AND reviewed_on >= ? AND reviewed_on < ?
		UNION ALL SELECT 'rcp-' || rcp_score, patient_id, reviewed_on, 0 FROM reviews WHERE rcp_score IS NOT NULL AND reviewed_on >= ? AND reviewed_on < ?
		UNION ALL SELECT 'reviews-due', patient_id, next_review_on, 0 FROM reviews WHERE next_review_on >= ? AND next_review_on < ?
		UNION ALL SELECT 'reviews-due', id, next_review_on, 0 FROM patients WHERE last_review_on IS NULL AND next_review_on >= ? AND next_review_on < ?`,
		from, end, chain, from, end, from, end, from, end, from, end, from, end)
}

// spreadEvents are the times taken, by value: from registration to an
// account by the day the account was set up, from alert to acknowledgement
// by the alert's time, and from request to ready by the request's.
func (s *Store) spreadEvents(from, end time.Time) *gorm.DB {
	return s.db.Raw(`SELECT 'activation-days' AS measure, users.patient_id, users.created_at AS at, `+
		s.secondsBetween("patients.created_at", "users.created_at")+` / 86400 AS value
			FROM users JOIN patients ON patients.id = users.patient_id WHERE users.role = ? AND users.created_at >= ? AND users.created_at < ?
		UNION ALL SELECT 'acknowledge-minutes', patient_id, created_at, `+s.secondsBetween("created_at", "acknowledged_at")+` / ? * ?
			FROM alerts WHERE acknowledged_at IS NOT NULL AND created_at >= ? AND created_at < ?
		UNION ALL SELECT 'ready-minutes', patient_id, created_at, `+s.secondsBetween("created_at", "updated_at")+` / ? * ?
			FROM prescription_requests WHERE status = ? AND created_at >= ? AND created_at < ?`,
		models.RolePatient, from, end, spreadMinutes*60, spreadMinutes, from, end, spreadMinutes*60, spreadMinutes, models.RequestReady, from, end)
}

// secondsBetween is the whole seconds from one time column to another.
// A ready request's last change made it ready, so its updated_at is when.
func (s *Store) secondsBetween(from, to string) string {
	if s.db.Dialector.Name() == "postgres" {
		return fmt.Sprintf("CAST(FLOOR(EXTRACT(EPOCH FROM (%s - %s))) AS BIGINT)", to, from)
	}
	return fmt.Sprintf("(CAST(strftime('%%s', %s) AS INTEGER) - CAST(strftime('%%s', %s) AS INTEGER))", to, from)
}

// overuseEvents are the people who asked for a reliever RelieverOveruse
// times or more in a period, one row each, at their first request in it.
func (s *Store) overuseEvents(starts []time.Time, end time.Time) *gorm.DB {
	bucket, args := bucketCase("created_at", starts)
	requests := s.db.Table("prescription_requests").Select("patient_id, created_at, "+bucket+" AS bucket", args...).
		Where("purpose = ? AND created_at >= ? AND created_at < ?", models.PurposeReliever, starts[0], end)
	return s.db.Table("(?) AS requests", requests).
		Select("patient_id, '"+models.MeasureRelieverOveruse+"' AS measure, MIN(created_at) AS at, 0 AS value").
		Group("patient_id, bucket").Having("COUNT(*) >= ?", models.RelieverOveruse)
}

// activityEvents are the days patients and carers used the service.
func (s *Store) activityEvents(from, end time.Time) *gorm.DB {
	return s.db.Raw(`SELECT holders.patient_id, CASE holders.role WHEN ? THEN ? ELSE ? END AS measure, activity_days.day AS at,
			0 AS value, activity_days.user_id
		FROM activity_days JOIN (?) AS holders ON holders.user_id = activity_days.user_id
		WHERE activity_days.day >= ? AND activity_days.day < ?`,
		models.RolePatient, models.MeasurePatientDays, models.MeasureCarerDays, s.accountHolders(), from, end)
}

// feedbackEvents are the feedback scores patients and carers gave.
func (s *Store) feedbackEvents(from, end time.Time) *gorm.DB {
	return s.db.Raw(`SELECT holders.patient_id, ? AS measure, feedbacks.created_at AS at, feedbacks.score AS value
		FROM feedbacks JOIN (?) AS holders ON holders.user_id = feedbacks.user_id
		WHERE feedbacks.created_at >= ? AND feedbacks.created_at < ?`, models.MeasureFeedback, s.accountHolders(), from, end)
}

// totalEvents are every registration and account set up before end, for
// the totals at the end of each period.
func (s *Store) totalEvents(end time.Time) *gorm.DB {
	return s.db.Raw(`SELECT ? AS measure, id AS patient_id, created_at AS at, 0 AS value FROM patients WHERE created_at < ?
		UNION ALL SELECT ?, patient_id, created_at, 0 FROM users WHERE role = ? AND patient_id IS NOT NULL AND created_at < ?`,
		measureRegisteredTotal, end, measureActivatedTotal, models.RolePatient, end)
}

// shareEvents are the shares with schools that may be working at the end
// of some period.
func (s *Store) shareEvents(from, end time.Time) *gorm.DB {
	return s.db.Raw(`SELECT patient_id, ? AS measure, created_at AS at, expires_at, revoked_at, 0 AS value
		FROM shares WHERE created_at < ? AND expires_at >= ?`, models.MeasureSharesActive, end, from)
}

// overdueEvents are the reviews falling due and the day each was done, if
// it was, that may be overdue at the end of some period.
func (s *Store) overdueEvents(firstNextDay, endDay time.Time) *gorm.DB {
	chain := s.db.Raw(`SELECT patient_id, next_review_on AS due_on,
			LEAD(reviewed_on) OVER (PARTITION BY patient_id ORDER BY reviewed_on, id) AS done_on FROM reviews
		UNION ALL SELECT id, next_review_on, NULL FROM patients WHERE last_review_on IS NULL AND next_review_on IS NOT NULL`)
	return s.db.Raw(`SELECT patient_id, ? AS measure, due_on AS at, done_on, 0 AS value FROM (?) AS chain
		WHERE due_on < ? AND (done_on IS NULL OR done_on >= ?)`, models.MeasureReviewsOverdue, chain, endDay, firstNextDay)
}
