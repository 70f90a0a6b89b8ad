package models

import (
	"crypto/rand"
)

// RandomBytes is n bytes from crypto/rand, which never fails.
func RandomBytes(n int) []byte {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	return buf
}

// RandomString draws n characters from a 32-character alphabet with
// crypto/rand; 32 divides 256, so every character is equally likely.
func RandomString(alphabet string, n int) string {
	if len(alphabet) != 32 {
		panic("RandomString needs a 32-character alphabet")
	}
	buf := RandomBytes(n)
	for i, b := range buf {
		buf[i] = alphabet[int(b)%32]
	}
	return string(buf)
}

// RandomToken is n random lowercase letters and digits.
func RandomToken(n int) string { return RandomString(RefAlphabet, n) }
