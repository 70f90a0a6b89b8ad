package models

import (
	"errors"
	"strings"
)

// ErrUsernameTaken means someone already has the username.
var ErrUsernameTaken = errors.New("username taken")

// NormaliseUsername is the form usernames are stored and looked up in.
func NormaliseUsername(username string) string { return strings.ToLower(strings.TrimSpace(username)) }

// honorifics are the titles people put before their names. A greeting
// uses the name after them: "Hello Priya", never "Hello Dr".
var honorifics = map[string]bool{
	"dr": true, "doctor": true, "mr": true, "mrs": true, "ms": true, "miss": true, "mx": true,
	"prof": true, "professor": true, "sir": true, "dame": true, "lord": true, "lady": true,
	"rev": true, "revd": true, "reverend": true, "nurse": true, "sister": true, "matron": true,
}

// GreetingName is the name to greet a person by: the first word of their
// name that is not a title, or "" when there is none.
func GreetingName(displayName string) string {
	for _, word := range strings.Fields(displayName) {
		if !honorifics[strings.ToLower(strings.TrimRight(word, "."))] {
			return word
		}
	}
	return ""
}
