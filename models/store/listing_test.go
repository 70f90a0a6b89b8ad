package store_test

import (
	"fmt"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"

	"gorm.io/gorm"
)

// TestListsArePagedOldestFirst fills the prescriptions queue past two
// pages: each page holds at most models.ListPageSize requests, oldest
// first, with the total; no request is on two pages or none; a page past
// the last is the last; and the filter narrows the rows and the count
// alike, on both databases.
func TestListsArePagedOldestFirst(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := demoStore(t, db)
		nurse := principal(t, st, "nurse")
		_, amelia, plan := ameliasPeakFlow(t, st)
		before, err := st.PrescriptionQueue(t.Context(), nurse, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		const added = 2*models.ListPageSize + 7
		start := time.Now().Add(-time.Hour)
		requests := make([]models.PrescriptionRequest, added)
		for i := range requests {
			status := models.RequestRequested
			if i%3 == 0 {
				status = models.RequestApproved
			}
			// Every few share a moment, so that the order must fall back on the id.
			requests[i] = models.PrescriptionRequest{PatientID: amelia.ID, PlanID: plan.Plan.ID, Medicine: fmt.Sprintf("Medicine %03d", i), Status: status,
				RequestedByID: nurse.User.ID, CreatedAt: start.Add(time.Duration(i/4) * time.Second)}
		}
		if err := db.CreateInBatches(requests, 100).Error; err != nil {
			t.Fatal(err)
		}
		total := before.Total + added
		pages := int((total + models.ListPageSize - 1) / models.ListPageSize)

		seen := map[uint]bool{}
		var last time.Time
		for page := 1; page <= pages; page++ {
			listing, err := st.PrescriptionQueue(t.Context(), nurse, "", page)
			if err != nil {
				t.Fatal(err)
			}
			if listing.Total != total || listing.Pages != pages || listing.Page != page {
				t.Fatalf("page %d says page %d of %d, %d in all; want %d pages, %d in all", page, listing.Page, listing.Pages, listing.Total, pages, total)
			}
			want := min(models.ListPageSize, int(total)-(page-1)*models.ListPageSize)
			if len(listing.Rows) != want {
				t.Fatalf("page %d has %d rows, want %d", page, len(listing.Rows), want)
			}
			for _, row := range listing.Rows {
				if seen[row.ID] {
					t.Fatalf("request %d is on two pages", row.ID)
				}
				seen[row.ID] = true
				if row.CreatedAt.Before(last) {
					t.Fatalf("request %d of %v comes after one of %v", row.ID, row.CreatedAt, last)
				}
				last = row.CreatedAt
			}
		}
		if len(seen) != int(total) {
			t.Errorf("the pages held %d requests, want %d", len(seen), total)
		}

		past, err := st.PrescriptionQueue(t.Context(), nurse, "", pages+10)
		if err != nil || past.Page != pages || len(past.Rows) == 0 {
			t.Errorf("a page past the last: page %d with %d rows, %v; want the last, %d", past.Page, len(past.Rows), err, pages)
		}

		approved, err := st.PrescriptionQueue(t.Context(), nurse, models.RequestApproved, 1)
		if err != nil {
			t.Fatal(err)
		}
		var wantApproved int64
		db.Model(&models.PrescriptionRequest{}).Where("status = ?", models.RequestApproved).Count(&wantApproved)
		if approved.Total != wantApproved || len(approved.Rows) != min(int(wantApproved), models.ListPageSize) {
			t.Errorf("approved requests: %d rows of %d, want %d", len(approved.Rows), approved.Total, wantApproved)
		}
		for _, row := range approved.Rows {
			if row.Status != models.RequestApproved {
				t.Errorf("the approved filter shows request %d, %s", row.ID, row.Status)
			}
		}

		stranger := &models.Principal{User: nurse.User, PracticeIDs: []uint{amelia.PracticeID + 1000}}
		if theirs, err := st.PrescriptionQueue(t.Context(), stranger, "", 1); err != nil || theirs.Total != 0 || len(theirs.Rows) != 0 {
			t.Errorf("a nurse of another practice: %d rows of %d, %v", len(theirs.Rows), theirs.Total, err)
		}
	})
}
