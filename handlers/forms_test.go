package handlers

import "testing"

// TestParseID: an id is the decimal digits of a whole number from 1 to the
// largest a bigint column holds, written the one way; anything else is no
// id, so it never reaches a query.
func TestParseID(t *testing.T) {
	tests := []struct {
		text string
		want uint
		ok   bool
	}{
		{"1", 1, true},
		{"42", 42, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 0, false},
		{"99999999999999999999", 0, false},
		{"-5", 0, false},
		{"-9223372036854775808", 0, false},
		{"0", 0, false},
		{"007", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"", 0, false},
		{"1e3", 0, false},
		{"0x10", 0, false},
		{"1.0", 0, false},
		{"١", 0, false},
		{"1\x00", 0, false},
	}
	for _, test := range tests {
		got, ok := parseID(test.text)
		if got != test.want || ok != test.ok {
			t.Errorf("parseID(%q) = %d, %v; want %d, %v", test.text, got, ok, test.want, test.ok)
		}
	}
}
