package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// argonParams are the cost parameters of one argon2id hash.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
	saltLen int
	keyLen  int
}

// owaspParams are OWASP's first recommended argon2id configuration
// (Password Storage Cheat Sheet): m=19 MiB, t=2, p=1. About 30-60 ms per
// hash on one core, which bounds how fast a stolen database can be guessed
// while keeping a sign-in quick.
var owaspParams = argonParams{memory: 19 * 1024, time: 2, threads: 1, saltLen: 16, keyLen: 32}

// defaultParams are the parameters new hashes get: owaspParams. A variable
// only so that the package's own tests can use cheaper ones.
var defaultParams = owaspParams

// Limits on the parameters of a stored hash. A hash may come from a config
// file; these bounds keep a hostile or mistyped one from costing gigabytes or
// minutes per sign-in.
const (
	maxMemory  = 256 * 1024 // KiB
	maxTime    = 16
	maxThreads = 16
)

// maxPasswordBytes bounds what is hashed at all. Nobody types a longer
// password; a longer one is refused before any work is done.
const maxPasswordBytes = 1024

var b64 = base64.RawStdEncoding

// hashPassword returns the PHC string of password under p:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, base64 without padding.
func hashPassword(password string, p argonParams) (string, error) {
	salt := make([]byte, p.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(p.keyLen))
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// errBadHash: a stored or configured hash is not a PHC string we accept.
var errBadHash = errors.New("identity: malformed password hash")

// phc is a parsed argon2id PHC string.
type phc struct {
	params argonParams
	salt   []byte
	key    []byte
}

// parseArgon2id parses an argon2id PHC string and checks its parameters
// against the limits above.
func parseArgon2id(s string) (phc, error) {
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return phc{}, errBadHash
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, errBadHash
	}
	var h phc
	seen := 0
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return phc{}, errBadHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			return phc{}, errBadHash
		}
		switch k {
		case "m":
			h.params.memory = uint32(n)
		case "t":
			h.params.time = uint32(n)
		case "p":
			if n > maxThreads {
				return phc{}, errBadHash
			}
			h.params.threads = uint8(n)
		default:
			return phc{}, errBadHash
		}
		seen++
	}
	p := h.params
	if seen != 3 || p.memory == 0 || p.time == 0 || p.threads == 0 ||
		p.memory > maxMemory || p.time > maxTime || p.memory < 8*uint32(p.threads) {
		return phc{}, errBadHash
	}
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 || len(h.salt) > 64 {
		return phc{}, errBadHash
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return phc{}, errBadHash
	}
	h.params.saltLen, h.params.keyLen = len(h.salt), len(h.key)
	return h, nil
}

// isBcrypt reports whether hash looks like a bcrypt hash ($2a$, $2b$, $2y$),
// which a config file may carry (htpasswd -B makes them).
func isBcrypt(hash string) bool {
	return len(hash) == 60 && (strings.HasPrefix(hash, "$2a$") ||
		strings.HasPrefix(hash, "$2b$") || strings.HasPrefix(hash, "$2y$"))
}

// checkHash reports whether hash is a password hash this package can verify.
func checkHash(hash string) error {
	if isBcrypt(hash) {
		if cost, err := bcrypt.Cost([]byte(hash)); err != nil || cost > 16 {
			return errBadHash
		}
		return nil
	}
	_, err := parseArgon2id(hash)
	return err
}

// verifyPassword reports whether password matches hash, comparing in
// constant time. A malformed hash matches nothing.
func verifyPassword(hash, password string) bool {
	if len(password) > maxPasswordBytes {
		return false
	}
	if isBcrypt(hash) {
		return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
	}
	h, err := parseArgon2id(hash)
	if err != nil {
		return false
	}
	p := h.params
	if verifyHook != nil {
		verifyHook(p)
	}
	key := argon2.IDKey([]byte(password), h.salt, p.time, p.memory, p.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}

// verifyHook, when a test sets it, sees the parameters of every argon2id
// verification: the work a sign-in does, counted instead of timed.
var verifyHook func(argonParams)

// needsRehash reports whether hash was made with other parameters (or
// another algorithm) than the current ones, so that a successful sign-in
// should replace it.
func needsRehash(hash string) bool {
	h, err := parseArgon2id(hash)
	if err != nil {
		return true
	}
	p := h.params
	return p.memory != defaultParams.memory || p.time != defaultParams.time ||
		p.threads != defaultParams.threads || p.keyLen != defaultParams.keyLen
}

// dummy is a hash of a random password with the current parameters. Signing
// in as a user who does not exist (or has no password) verifies against it,
// so the response takes as long as for a real user and its timing does not
// reveal which names exist.
var dummy struct {
	once sync.Once
	hash string
}

func dummyHash() string {
	dummy.once.Do(func() {
		h, err := hashPassword(randomPassword(), defaultParams)
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		dummy.hash = h
	})
	return dummy.hash
}

// passwordAlphabet has 31 characters no one misreads: no 0/o, 1/l/i.
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// randomPassword returns a readable random password: four groups of five
// characters from a 31-character alphabet (about 99 bits), joined by dashes,
// 23 characters in all.
func randomPassword() string {
	const groups, per = 4, 5
	n := len(passwordAlphabet)
	limit := 256 - 256%n // reject bytes at or above it to stay uniform
	var b strings.Builder
	var buf [64]byte
	count := 0
	for count < groups*per {
		if _, err := rand.Read(buf[:]); err != nil {
			panic(err)
		}
		for _, x := range buf {
			if int(x) >= limit || count == groups*per {
				continue
			}
			if count > 0 && count%per == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(passwordAlphabet[int(x)%n])
			count++
		}
	}
	return b.String()
}
