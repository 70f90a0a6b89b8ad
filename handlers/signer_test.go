package handlers

import "testing"

func TestSignerRefusesForgedAlteredAndMisusedValues(t *testing.T) {
	s := signer{key: []byte("0123456789abcdef0123456789abcdef")}
	other := signer{key: []byte("fedcba9876543210fedcba9876543210")}
	signed := s.sign("device", "user-7")
	if value, ok := s.verify("device", signed); !ok || value != "user-7" {
		t.Fatalf("verify(sign(v)) = %q, %v; want the value back", value, ok)
	}
	for name, candidate := range map[string]struct{ purpose, signed string }{
		"another purpose":  {"csrf", signed},
		"another key":      {"device", other.sign("device", "user-7")},
		"altered value":    {"device", "user-8" + signed[len("user-7"):]},
		"no signature":     {"device", "user-7"},
		"empty":            {"device", ""},
		"garbled encoding": {"device", "user-7.!!!"},
	} {
		if _, ok := s.verify(candidate.purpose, candidate.signed); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}
