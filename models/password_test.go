package models

import (
	"strings"
	"testing"
)

func TestHashAndCheckPassword(t *testing.T) {
	hash, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$") {
		t.Errorf("hash %q is not argon2id", hash)
	}
	if !CheckPassword(hash, "correct horse battery") {
		t.Error("the right password did not match")
	}
	if CheckPassword(hash, "correct horse batterY") {
		t.Error("a wrong password matched")
	}
	other, _ := HashPassword("correct horse battery")
	if other == hash {
		t.Error("two hashes of one password share a salt")
	}
	for _, bad := range []string{"", "$argon2id$", "plain", "$argon2id$v=19$m=x$a$b", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA"} {
		if CheckPassword(bad, "") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
}

func TestCheckNewPassword(t *testing.T) {
	tests := []struct {
		password, username string
		want               error
	}{
		{"blue kettle on the hill", "sam", nil},
		{"", "sam", ErrPasswordEmpty},
		{"short1!", "sam", ErrPasswordShort},
		{strings.Repeat("long ", 30), "sam", ErrPasswordLong},
		{"Password123!", "sam", ErrPasswordCommon},
		{"LIVERPOOL2024", "sam", ErrPasswordCommon},
		{"aaaaaaaaaaaa", "sam", ErrPasswordCommon},
		{"sam.jones-kettle", "Sam.Jones", ErrPasswordUsername},
	}
	for _, tt := range tests {
		if got := CheckNewPassword(tt.password, tt.username); got != tt.want {
			t.Errorf("CheckNewPassword(%q, %q) = %v; want %v", tt.password, tt.username, got, tt.want)
		}
	}
}
