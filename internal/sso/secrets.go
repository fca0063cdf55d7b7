package sso

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"sync"
)

// Kinds of secret, mixed into each digest so a digest of one kind can never
// be used as another.
const (
	KindClientSecret = "client_secret"
	KindDeviceCode   = "device_code"
	KindUserCode     = "user_code"
	KindAuthCode     = "auth_code"
	KindAccessToken  = "access_token"
	KindRefreshToken = "refresh_token"
	KindSession      = "session"
	KindSCIMToken    = "scim_token"
)

// Digester computes keyed digests (HMAC-SHA-256) of secrets. Every secret
// the service issues has at least 256 random bits, so a fast keyed digest
// is the right tool: a password hash per request would only cost time.
// The key lives in the store (SecretStore), so every node agrees on it.
type Digester struct {
	key  []byte
	macs sync.Pool // of hash.Hash, HMAC-SHA-256 keyed with key
}

// NewDigester returns a Digester keyed with key (at least 32 bytes).
func NewDigester(key []byte) *Digester {
	return &Digester{key: append([]byte(nil), key...)}
}

// Digest returns the digest of secret as kind.
func (d *Digester) Digest(kind, secret string) []byte {
	m := d.mac()
	defer d.macs.Put(m)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// mac returns an HMAC in its keyed initial state: a pooled one reset, so
// a digest does not pay for keying (two SHA-256 blocks) and allocation
// every time.
func (d *Digester) mac() hash.Hash {
	if m, ok := d.macs.Get().(hash.Hash); ok {
		m.Reset()
		return m
	}
	return hmac.New(sha256.New, d.key)
}

// Derive returns a new secret derived from secret for purpose: 256 bits,
// base64url, deterministic for the same key, secret and purpose. Refresh
// rotation uses it so that a retry inside the grace window returns the very
// same successor tokens without their plain text ever being stored.
func (d *Digester) Derive(purpose, secret string) string {
	m := d.mac()
	defer d.macs.Put(m)
	m.Write([]byte("derive"))
	m.Write([]byte{0})
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Equal compares two digests in constant time.
func Equal(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}

// RandomSecret returns 256 random bits, base64url without padding
// (43 characters).
func RandomSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// PlausibleSecret reports whether v has the shape of RandomSecret (43
// base64url characters), so that junk costs no store round trip.
func PlausibleSecret(v string) bool {
	if len(v) != 43 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// RandomID returns 128 random bits as 32 hex characters, for record ids that
// are not secrets.
func RandomID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// RandomKey returns 32 random bytes, for SecretStore.Secret.
func RandomKey() ([]byte, error) {
	b := make([]byte, 32)
	_, err := rand.Read(b)
	return b, err
}

// DigestKeyName is the SecretStore name of the Digester's key. Every
// process that digests secrets (servers, admin commands) must use it.
const DigestKeyName = "digest-key-v1"
