package store

import (
	"regexp"
)

// sentCode is a code in a message, which is not kept once the message is
// on its way.
var sentCode = regexp.MustCompile(`\b[0-9]{6}\b`)
