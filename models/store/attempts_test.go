package store_test

import (
	"fmt"
	"testing"
	"time"

	"healthpassport/models"
	"healthpassport/models/modelstest"
	"healthpassport/models/store"

	"gorm.io/gorm"
)

func reserve(t *testing.T, st *store.Store, counters []store.Counter) bool {
	t.Helper()
	allowed, err := st.ReserveAttempt(t.Context(), counters)
	if err != nil {
		t.Fatal(err)
	}
	return allowed
}

func TestAttemptCounters(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		sam := store.SignInCounters("sam", "10.0.0.1", "")
		for range store.LimitPerAccountAddress.Max {
			if !reserve(t, st, sam) {
				t.Fatal("refused before the limit")
			}
		}
		if reserve(t, st, sam) {
			t.Error("allowed beyond the account and address limit")
		}
		if !reserve(t, st, store.SignInCounters("sam", "10.0.0.2", "")) {
			t.Error("another address was refused for the same account")
		}
		if !reserve(t, st, store.SignInCounters("sam", "10.0.0.1", "device-nonce")) {
			t.Error("the account's known device was refused")
		}

		// A refused attempt takes nothing from the other counters: the
		// address has had 5 attempts, not 6.
		for i := range store.LimitPerAddress.Max - 5 {
			if !reserve(t, st, store.SignInCounters(models.RandomToken(8), "10.0.0.1", "")) {
				t.Fatalf("address refused after %d attempts", 5+i)
			}
		}
		if reserve(t, st, store.SignInCounters("alex", "10.0.0.1", "")) {
			t.Error("an address trying many usernames is not throttled")
		}

		// When the window is over, the count starts again.
		db.Model(&store.AttemptCounter{}).Where("1 = 1").Update("resets_at", time.Now().Add(-time.Second))
		if !reserve(t, st, sam) {
			t.Error("still refused after the window")
		}
		if err := st.ForgetFinishedCounters(t.Context()); err != nil {
			t.Fatal(err)
		}
		var left int64
		db.Model(&store.AttemptCounter{}).Count(&left)
		if left != 3 {
			t.Errorf("%d counters left after forgetting finished ones; want the 3 just used", left)
		}
	})
}

func TestAttemptSucceededClearsOnlyItsOwnCount(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		sam := store.SignInCounters("sam", "10.0.0.1", "")
		for range store.LimitPerAccountAddress.Max - 1 {
			reserve(t, st, sam)
		}
		reserve(t, st, sam)
		if err := st.AttemptSucceeded(t.Context(), sam); err != nil {
			t.Fatal(err)
		}
		for range store.LimitPerAccountAddress.Max {
			if !reserve(t, st, sam) {
				t.Fatal("a success did not clear the account's count")
			}
		}
		// The address still holds its failures (10 reserved, 1 given back):
		// the success took nothing, and cleared nothing.
		for range store.LimitPerAddress.Max - 9 {
			reserve(t, st, store.SignInCounters(models.RandomToken(8), "10.0.0.1", ""))
		}
		if reserve(t, st, store.SignInCounters("alex", "10.0.0.1", "")) {
			t.Error("a success cleared the address's count")
		}
		code := store.CodeCounters(store.AttemptActivation, "ABCD-EFGH-JKLM", "10.0.0.9")
		reserve(t, st, code)
		if err := st.GiveBackAttempt(t.Context(), code); err != nil {
			t.Fatal(err)
		}
		for range store.LimitPerAccountAddress.Max {
			if !reserve(t, st, store.CodeCounters(store.AttemptActivation, "abcd efgh jklm", "10.0.0.9")) {
				t.Fatal("an attempt given back still counted")
			}
		}
		if reserve(t, st, code) {
			t.Error("a code was tried beyond its limit")
		}
	})
}

func TestAnAccountIsThrottledOnlyWhereACountIsUsedUpAndUnlockingStartsItsCountsAgain(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.NewStore(db)
		throttled := func() bool {
			t.Helper()
			blocked, err := st.AccountThrottled(t.Context(), "Sam")
			if err != nil {
				t.Fatal(err)
			}
			return blocked
		}
		// Wrong passwords from many addresses count towards the backstop,
		// whose limit is far higher: the account is not blocked yet.
		for i := range store.LimitPerAccountAddress.Max {
			reserve(t, st, store.SignInCounters("sam", fmt.Sprintf("10.0.1.%d", i), ""))
		}
		if throttled() {
			t.Error("guesses spread over addresses blocked the account early")
		}
		for range store.LimitPerAccountAddress.Max {
			reserve(t, st, store.SignInCounters("sam", "10.0.0.1", ""))
		}
		if !throttled() || reserve(t, st, store.SignInCounters("sam", "10.0.0.1", "")) {
			t.Fatal("the account is not blocked from the address that used up its guesses")
		}
		// Someone else's blocked account stays blocked.
		for range store.LimitPerAccountAddress.Max {
			reserve(t, st, store.SignInCounters("alex", "10.0.0.2", ""))
		}
		if err := st.UnlockAccount(t.Context(), models.Actor{Role: models.RoleAdmin}, &models.User{ID: 1, Username: "sam"}); err != nil {
			t.Fatal(err)
		}
		if throttled() || !reserve(t, st, store.SignInCounters("sam", "10.0.0.1", "")) {
			t.Error("the account is still blocked after unlocking")
		}
		if alex, err := st.AccountThrottled(t.Context(), "alex"); err != nil || !alex {
			t.Errorf("unlocking Sam unblocked Alex too (%v)", err)
		}
	})
}
