package models

import "testing"

func TestPatientAddressIsOptionalButCompleteOnceGiven(t *testing.T) {
	for _, c := range []struct {
		name    string
		address PostalAddress
		want    PostalAddress
		errs    []string // fields in error
	}{
		{"none", PostalAddress{}, PostalAddress{}, nil},
		{"spaces only", PostalAddress{Line1: "  ", Town: " "}, PostalAddress{}, nil},
		{"whole", PostalAddress{Line1: " 4  Mill Lane ", Town: "Leeds", Postcode: "ls62ab"},
			PostalAddress{Line1: "4 Mill Lane", Town: "Leeds", Postcode: "LS6 2AB"}, nil},
		{"London style", PostalAddress{Line1: "10 Downing Street", Town: "London", Postcode: "sw1a 2aa"},
			PostalAddress{Line1: "10 Downing Street", Town: "London", Postcode: "SW1A 2AA"}, nil},
		{"first line only", PostalAddress{Line1: "4 Mill Lane"}, PostalAddress{Line1: "4 Mill Lane"}, []string{"address-town", "address-postcode"}},
		{"postcode only", PostalAddress{Postcode: "LS6 2AB"}, PostalAddress{Postcode: "LS6 2AB"}, []string{"address-line-1", "address-town"}},
		{"bad postcode", PostalAddress{Line1: "4 Mill Lane", Town: "Leeds", Postcode: "LS6 2A"}, PostalAddress{Line1: "4 Mill Lane", Town: "Leeds", Postcode: "LS6 2A"}, []string{"address-postcode"}},
		{"number postcode", PostalAddress{Line1: "4 Mill Lane", Town: "Leeds", Postcode: "90210"}, PostalAddress{Line1: "4 Mill Lane", Town: "Leeds", Postcode: "90210"}, []string{"address-postcode"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			details, errs := CheckPatientDetails(DetailsEntry{Address: c.address, Practice: "1"}, []Organisation{{ID: 1}})
			if details.Address != c.want {
				t.Errorf("address %+v; want %+v", details.Address, c.want)
			}
			if len(errs) != len(c.errs) {
				t.Fatalf("errors %v; want on %v", errs, c.errs)
			}
			for i, field := range c.errs {
				if errs[i].Field != field {
					t.Errorf("error %d on %s; want %s", i, errs[i].Field, field)
				}
			}
		})
	}
}

func TestClinicContactNeedsAPhoneNumberAndAWholeAddress(t *testing.T) {
	whole := PostalAddress{Line1: "1 River Street", Town: "Leeds", Postcode: "LS1 4AP"}
	for _, c := range []struct {
		name  string
		entry ClinicContact
		errs  []string
	}{
		{"whole", ClinicContact{Phone: "01632 960 001", Address: whole}, nil},
		{"nothing", ClinicContact{}, []string{"phone", "address-line-1", "address-town", "address-postcode"}},
		{"letters for a phone number", ClinicContact{Phone: "ring us", Address: whole}, []string{"phone"}},
		{"too few digits", ClinicContact{Phone: "0113 496", Address: whole}, []string{"phone"}},
		{"bad postcode", ClinicContact{Phone: "01632 960 001", Address: PostalAddress{Line1: "1 River Street", Town: "Leeds", Postcode: "LS1"}}, []string{"address-postcode"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, errs := CheckClinicContact(c.entry)
			if len(errs) != len(c.errs) {
				t.Fatalf("errors %v; want on %v", errs, c.errs)
			}
			for i, field := range c.errs {
				if errs[i].Field != field {
					t.Errorf("error %d on %s; want %s", i, errs[i].Field, field)
				}
			}
		})
	}
}
