package models

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHashAndCheckPassword(t *testing.T) {
	ctx := context.Background()
	hash, err := HashPassword(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$") {
		t.Errorf("hash %q is not argon2id", hash)
	}
	if ok, err := CheckPassword(ctx, hash, "correct horse battery"); !ok || err != nil {
		t.Errorf("the right password did not match: %v", err)
	}
	if ok, _ := CheckPassword(ctx, hash, "correct horse batterY"); ok {
		t.Error("a wrong password matched")
	}
	other, _ := HashPassword(ctx, "correct horse battery")
	if other == hash {
		t.Error("two hashes of one password share a salt")
	}
	for _, bad := range []string{"", "$argon2id$", "plain", "$argon2id$v=19$m=x$a$b", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA"} {
		if ok, _ := CheckPassword(ctx, bad, ""); ok {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
	if ok, _ := CheckPassword(ctx, dummyHash, ""); ok {
		t.Error("the dummy hash matched")
	}
}

// TestHashingIsBounded holds every hashing slot and checks that a further
// check waits its turn, then gives up as busy, and that a request that ends
// stops waiting at once.
func TestHashingIsBounded(t *testing.T) {
	LimitHashMemory(2 * HashMemoryPerCheckMB)
	t.Cleanup(func() { LimitHashMemory(0) })
	slots := *hashSlots.Load()
	if cap(slots) != 2 {
		t.Fatalf("%d slots for two hashes' memory", cap(slots))
	}
	release := make(chan struct{})
	var held sync.WaitGroup
	for range cap(slots) {
		held.Add(1)
		go withHashSlot(context.Background(), func() { held.Done(); <-release })
	}
	held.Wait()

	start := time.Now()
	if _, err := CheckPassword(context.Background(), dummyHash, "x"); !errors.Is(err, ErrHashingBusy) {
		t.Errorf("a check beyond the bound answered %v", err)
	}
	if waited := time.Since(start); waited < hashQueueWait {
		t.Errorf("gave up after %v, before its wait of %v", waited, hashQueueWait)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start = time.Now()
	if err := WasteTimeCheckingPassword(ctx, "x"); !errors.Is(err, ErrHashingBusy) || time.Since(start) > hashQueueWait/2 {
		t.Errorf("an ended request waited %v and answered %v", time.Since(start), err)
	}
	close(release)
	if _, err := HashPassword(context.Background(), "x"); err != nil {
		t.Errorf("hashing after the slots were freed: %v", err)
	}
}

func TestCheckNewPassword(t *testing.T) {
	amelia := PersonalDetails{
		Username:     "millie.j",
		Names:        []string{"Amelia Jones", "Millie"},
		DatesOfBirth: []time.Time{time.Date(2014, time.May, 12, 0, 0, 0, 0, time.UTC)},
	}
	tests := []struct {
		name, password string
		want           error
	}{
		{"random words", "blue kettle on the hill", nil},
		{"random words, another", "orange bicycle lamp", nil},
		{"empty", "", ErrPasswordEmpty},
		{"short", "short1!", ErrPasswordShort},
		{"long", strings.Repeat("long ", 30), ErrPasswordLong},
		{"common with a suffix", "Password123!", ErrPasswordCommon},
		{"common in capitals", "LIVERPOOL2024", ErrPasswordCommon},
		{"one character repeated", "aaaaaaaaaaaa", ErrPasswordCommon},
		{"username", "MILLIE.J-kettle", ErrPasswordPersonal},
		{"given name", "amelia-rocks-the-house", ErrPasswordPersonal},
		{"family name", "Jonesy kettle garden", ErrPasswordPersonal},
		{"preferred name", "xx-millie-xx-forever", ErrPasswordPersonal},
		{"date of birth, day first", "kettle 12/05/2014", ErrPasswordPersonal},
		{"date of birth, short year", "kettle 120514 lamp", ErrPasswordPersonal},
		{"date of birth, year first", "2014-05-12 purple", ErrPasswordPersonal},
		{"name in disguise", "4m3l1a_J0n3s", ErrPasswordWeak},
		{"keyboard pattern", "1q2w3e4r5t6y", ErrPasswordWeak},
		{"word and a year", "Kettle1988!", ErrPasswordWeak},
		{"two words", "monkey-kettle", ErrPasswordWeak},
	}
	for _, tt := range tests {
		if got := CheckNewPassword(tt.password, amelia); got != tt.want {
			t.Errorf("%s: CheckNewPassword(%q) = %v; want %v", tt.name, tt.password, got, tt.want)
		}
	}
}
