package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// signer signs values the service hands to browsers in cookies, so that a
// browser can keep them but not forge or alter them. The purpose is part of
// what is signed: a value signed for one purpose is worthless for another.
type signer struct {
	key []byte
}

func (s signer) mac(purpose, value string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

// sign returns the value with its signature, safe to put in a cookie as long
// as the value itself is.
func (s signer) sign(purpose, value string) string {
	return value + "." + base64.RawURLEncoding.EncodeToString(s.mac(purpose, value))
}

// verify returns the value of a signed string, if the signature is good.
func (s signer) verify(purpose, signed string) (string, bool) {
	i := strings.LastIndexByte(signed, '.')
	if i < 0 {
		return "", false
	}
	value := signed[:i]
	sig, err := base64.RawURLEncoding.DecodeString(signed[i+1:])
	if err != nil || !hmac.Equal(sig, s.mac(purpose, value)) {
		return "", false
	}
	return value, true
}
