package mfa

import (
	"crypto/rand"
	"strings"
)

// Recovery codes: ten single-use codes, shown once, stored as keyed
// digests. Each is 16 characters of Crockford's base32 (80 random bits):
// a stolen database holds the digest key too, and 2^80 HMACs per code is
// out of anyone's reach, so a fast keyed digest is enough (the reasoning
// of ARCHITECTURE.md's "Secrets at rest").
const (
	// RecoveryCodes is how many codes a person gets at a time.
	RecoveryCodes = 10
	recoveryLen   = 16
	// crockford is Crockford's base32 alphabet: no I, L, O, U, so a code
	// read aloud or copied by hand survives.
	crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)

// newRecoveryCode returns a code in groups of four: XXXX-XXXX-XXXX-XXXX.
func newRecoveryCode() string {
	var raw [recoveryLen]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic(err)
	}
	var b strings.Builder
	for i, c := range raw {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(crockford[c&31]) // 256 is a multiple of 32: no bias
	}
	return b.String()
}

// normalRecovery returns a typed recovery code in its canonical form (no
// dashes or spaces, upper case, look-alikes mapped as Crockford says: I
// and L are 1, O is 0), and whether it has a code's shape.
func normalRecovery(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case r == 'I' || r == 'L':
			r = '1'
		case r == 'O':
			r = '0'
		}
		if r > 127 || !strings.ContainsRune(crockford, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	return b.String(), b.Len() == recoveryLen
}
