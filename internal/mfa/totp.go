package mfa

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TOTP parameters (RFC 6238): HMAC-SHA-1, 6 digits, a 30-second step, the
// ones every authenticator app supports (Google Authenticator ignores
// others). A code one step before or after the server's is accepted too
// (RFC 6238 section 5.2: a step of skew for clocks and typing).
const (
	totpDigits = 6
	totpStep   = 30 * time.Second
	totpSkew   = 1
	// secretBytes is the secret's length: 160 bits, as RFC 4226 section 4
	// recommends for HMAC-SHA-1.
	secretBytes = 20
)

// b32 is the secret's text form in otpauth URIs and for typing: RFC 4648
// base32 without padding, as authenticator apps expect.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// The algorithm is a dozen lines (RFC 4226 section 5.3 and RFC 6238
// section 4), checked against the RFC's test vectors (totp_test.go), so it
// is written here rather than imported: github.com/pquerna/otp would bring
// an image library (boombuler/barcode) for a QR code that rsc.io/qr draws
// already.

// hotp is RFC 4226's HOTP value of counter under key, as totpDigits
// decimal digits.
func hotp(key []byte, counter uint64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	// Dynamic truncation (RFC 4226 section 5.3).
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	s := strconv.FormatUint(uint64(v%1_000_000), 10)
	return strings.Repeat("0", totpDigits-len(s)) + s
}

// step is the RFC 6238 time step of t: T = floor((t - T0) / X), T0 = 0.
func step(t time.Time) uint64 { return uint64(t.Unix()) / uint64(totpStep/time.Second) }

// Code returns the TOTP code of the base32 secret at t, as an
// authenticator app shows it. Tests use it to compute codes; the server
// uses codeAt with the raw key.
func Code(secret string, t time.Time) (string, error) {
	key, err := b32.DecodeString(strings.ToUpper(strings.ReplaceAll(secret, " ", "")))
	if err != nil {
		return "", err
	}
	return hotp(key, step(t)), nil
}

// match returns the time step whose code under key is code, among the
// steps of now and totpSkew around it, comparing in constant time.
func match(key []byte, code string, now time.Time) (uint64, bool) {
	cur := step(now)
	found, which := 0, uint64(0)
	for d := -totpSkew; d <= totpSkew; d++ {
		s := cur + uint64(d)
		if subtle.ConstantTimeCompare([]byte(hotp(key, s)), []byte(code)) == 1 {
			found, which = 1, s
		}
	}
	return which, found == 1
}

// normalCode returns a typed authentication code without the spaces and
// dashes people type or paste, and whether it has the shape of one (six
// digits). Input that cannot be a code is no guess and is not counted.
func normalCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '-' || r == '\t':
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return b.String(), b.Len() == totpDigits
}

// newSecret returns a new random TOTP key.
func newSecret() []byte {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// keyURI is the otpauth:// URI of a TOTP key for an authenticator app
// (Google Authenticator's Key Uri Format): the issuer before the account
// in the label and again as a parameter, the parameters spelled out.
func keyURI(issuer, account string, key []byte) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	q := url.Values{}
	q.Set("secret", b32.EncodeToString(key))
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", strconv.Itoa(totpDigits))
	q.Set("period", strconv.Itoa(int(totpStep/time.Second)))
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// spaced is a base32 secret in groups of four, for reading and typing.
func spaced(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}
