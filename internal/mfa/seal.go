package mfa

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
)

// Sealing TOTP secrets. A TOTP secret must be read back to check a code,
// so it cannot be stored as a digest the way every other secret is: it is
// encrypted and authenticated with AES-256-GCM under a key derived (HKDF-
// SHA-256, RFC 5869) from the store's digest key, and the user's ID is
// the additional data, so a sealed secret moved to another person's row
// does not open. SECURITY.md says what this protects against and what not.

// sealInfo names the derived key's purpose; a new scheme takes a new
// version byte and a new info.
const (
	sealInfo    = "ssooidc totp secret v1"
	sealVersion = 1
)

// sealer seals and opens TOTP secrets.
type sealer struct{ aead cipher.AEAD }

func newSealer(digestKey []byte) (*sealer, error) {
	if len(digestKey) < 32 {
		return nil, errors.New("mfa: the digest key is shorter than 32 bytes")
	}
	key, err := hkdf.Key(sha256.New, digestKey, nil, sealInfo, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal returns version | nonce | ciphertext of secret for userID. A random
// 96-bit nonce per seal: far below the 2^32 seals per key that NIST SP
// 800-38D allows with random nonces.
func (s *sealer) seal(userID string, secret []byte) []byte {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		panic(err)
	}
	return s.aead.Seal(out, out[1:], secret, []byte(userID))
}

// errSealed is a sealed secret that does not open: damaged, another
// person's, or sealed under another key.
var errSealed = errors.New("mfa: a sealed TOTP secret does not open (damaged, moved, or another digest key)")

// open returns the secret sealed for userID.
func (s *sealer) open(userID string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return nil, errSealed
	}
	secret, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(userID))
	if err != nil {
		return nil, errSealed
	}
	return secret, nil
}
