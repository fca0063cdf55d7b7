package sso

import (
	"crypto/rand"
	"strings"
)

// UserCodeAlphabet has 20 consonants: no vowels (no words), and none of the
// letters people confuse with digits or each other (RFC 8628 section 6.1).
const UserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

// UserCodeLen is the number of alphabet characters in a user code. 20^8 is
// about 2^34.6 codes (RFC 8628 section 5.1).
const UserCodeLen = 8

// lookalikes folds characters people type by mistake to the alphabet
// character they were reading.
var lookalikes = map[rune]rune{
	'1': 'L', 'I': 'L', '|': 'L', '5': 'S', '2': 'Z', '8': 'B', '6': 'G',
	'0': 'D', 'O': 'D', 'U': 'V',
}

// NewUserCode draws a user code: UserCodeLen characters from
// UserCodeAlphabet, uniformly, formatted XXXX-XXXX.
func NewUserCode() string {
	var b [UserCodeLen]byte
	// 256 is not a multiple of 20; reject bytes >= 240 to stay uniform.
	var buf [32]byte
	n := 0
	for n < UserCodeLen {
		if _, err := rand.Read(buf[:]); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		for _, x := range buf {
			if x < 240 && n < UserCodeLen {
				b[n] = UserCodeAlphabet[x%20]
				n++
			}
		}
	}
	return string(b[:4]) + "-" + string(b[4:])
}

// NormalizeUserCode turns what a person typed into the canonical code
// (8 alphabet characters, no dash): case-insensitive, dashes and spaces
// optional, look-alike characters folded. ok is false when the input cannot
// be a user code.
func NormalizeUserCode(s string) (code string, ok bool) {
	var b strings.Builder
	b.Grow(UserCodeLen)
	for _, r := range strings.ToUpper(s) {
		switch r {
		case '-', ' ', '\t', '_', '.':
			continue
		}
		if f, ok := lookalikes[r]; ok {
			r = f
		}
		if !strings.ContainsRune(UserCodeAlphabet, r) {
			return "", false
		}
		if b.Len() == UserCodeLen {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != UserCodeLen {
		return "", false
	}
	return b.String(), true
}

// FormatUserCode formats a canonical code as XXXX-XXXX.
func FormatUserCode(canonical string) string {
	if len(canonical) != UserCodeLen {
		return canonical
	}
	return canonical[:4] + "-" + canonical[4:]
}
