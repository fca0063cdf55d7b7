package sso

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// VerifyPKCE reports whether verifier matches an S256 challenge:
// BASE64URL-NOPAD(SHA256(verifier)) == challenge (RFC 7636 section 4.6).
// A verifier outside 43..128 characters of the unreserved set never
// matches (RFC 7636 section 4.1).
func VerifyPKCE(verifier, challenge string) bool {
	if !validVerifier(verifier) || challenge == "" {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// ValidChallenge reports whether c looks like an S256 challenge: 43
// base64url characters (a trailing '=' is tolerated and must be stripped by
// the caller first).
func ValidChallenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil
}

func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}
