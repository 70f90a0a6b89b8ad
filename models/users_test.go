package models

import "testing"

func TestGreetingName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Priya Shah", "Priya"},
		{"Dr Priya Shah", "Priya"},
		{"Dr. Priya Shah", "Priya"},
		{"dr priya shah", "priya"},
		{"Mrs Sam Jones", "Sam"},
		{"Prof Sir Alan Reed", "Alan"},
		{"Nurse Ada Obi", "Ada"},
		{"  Kai   Lee ", "Kai"},
		{"Drew Barker", "Drew"}, // a name that starts like a title is a name
		{"Dr", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := GreetingName(tt.name); got != tt.want {
			t.Errorf("GreetingName(%q) = %q; want %q", tt.name, got, tt.want)
		}
	}
}
