package models

import "testing"

func TestNormaliseNHSNumber(t *testing.T) {
	tests := []struct {
		input string
		want  string
		err   error
	}{
		{"9434765919", "9434765919", nil},
		{"943 476 5919", "9434765919", nil},
		{" 401 023 2137 ", "4010232137", nil},
		{"9434765870", "9434765870", nil}, // remainder 0: check digit 0
		{"", "", ErrNHSNumberEmpty},
		{"   ", "", ErrNHSNumberEmpty},
		{"943476591", "", ErrNHSNumberLength},
		{"94347659190", "", ErrNHSNumberLength},
		{"943-476-5919", "", ErrNHSNumberCharacters},
		{"94347659I9", "", ErrNHSNumberCharacters},
		{"<script>1</script>", "", ErrNHSNumberCharacters},
		{"９４３４７６５９１９", "", ErrNHSNumberCharacters}, // full-width digits
		{"9434765918", "", ErrNHSNumberCheckDigit},
		{"1234567890", "", ErrNHSNumberCheckDigit}, // check digit would be 10
	}
	for _, tt := range tests {
		got, err := NormaliseNHSNumber(tt.input)
		if got != tt.want || err != tt.err {
			t.Errorf("NormaliseNHSNumber(%q) = %q, %v; want %q, %v", tt.input, got, err, tt.want, tt.err)
		}
	}
}

func TestFormatNHSNumber(t *testing.T) {
	if got := FormatNHSNumber("9434765919"); got != "943 476 5919" {
		t.Errorf("FormatNHSNumber = %q", got)
	}
}

// The README offers these numbers for registering demo patients.
func TestReadmeDemoNHSNumbersAreValid(t *testing.T) {
	for _, number := range []string{"999 000 0042", "999 000 0050", "999 000 0069", "999 000 0077", "999 000 0085"} {
		if _, err := NormaliseNHSNumber(number); err != nil {
			t.Errorf("%s: %v", number, err)
		}
	}
}
