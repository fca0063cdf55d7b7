package login

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Environment variables that move the caches (aws-cli #8945).
const (
	// EnvCacheDir moves the token and registration cache, by default
	// ~/.aws/sso/cache, the AWS CLI's.
	EnvCacheDir = "SSOOIDC_CACHE_DIR"
	// EnvCredentialsCacheDir moves the role-credential cache, by default
	// ~/.aws/cli/cache, the AWS CLI's.
	EnvCredentialsCacheDir = "SSOOIDC_CREDENTIALS_CACHE_DIR"
)

// DefaultCacheDir is $SSOOIDC_CACHE_DIR, else ~/.aws/sso/cache.
func DefaultCacheDir() string {
	if d := os.Getenv(EnvCacheDir); d != "" {
		return expandHome(d)
	}
	return filepath.Join(homeDir(), ".aws", "sso", "cache")
}

// DefaultCredentialsCacheDir is $SSOOIDC_CREDENTIALS_CACHE_DIR, else
// ~/.aws/cli/cache.
func DefaultCredentialsCacheDir() string {
	if d := os.Getenv(EnvCredentialsCacheDir); d != "" {
		return expandHome(d)
	}
	return filepath.Join(homeDir(), ".aws", "cli", "cache")
}

// sha1Hex is the lower-case hex SHA-1 of s, the cache file names.
func sha1Hex(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// Cache is a directory of token and registration files in the AWS CLI's
// format (~/.aws/sso/cache). Every write replaces a file atomically with
// mode 0600; Lock serializes logins and refreshes across processes.
type Cache struct {
	Dir string
}

// TokenPath is the token file of a session key (see Session.CacheKey):
// <dir>/<sha1(key)>.json.
func (c *Cache) TokenPath(key string) string {
	return filepath.Join(c.Dir, sha1Hex(key)+".json")
}

// LoadToken reads the token of a session key. It returns an error that
// matches fs.ErrNotExist when there is none.
func (c *Cache) LoadToken(key string) (*Token, error) {
	path := c.TokenPath(key)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := ParseToken(data)
	if t != nil {
		t.Path = path
	}
	return t, err
}

// StoreToken writes the token of a session key.
func (c *Cache) StoreToken(key string, t *Token) error {
	t.Path = c.TokenPath(key)
	return writeFileAtomic(t.Path, t.Marshal())
}

// RemoveToken deletes the token of a session key; no token is no error.
func (c *Cache) RemoveToken(key string) error {
	err := os.Remove(c.TokenPath(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Tokens returns every token file of the directory, as `aws sso logout`
// finds them: the *.json files with an accessToken. Registrations have
// none. Sorted by path.
func (c *Cache) Tokens() ([]*Token, error) {
	paths, err := filepath.Glob(filepath.Join(c.Dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []*Token
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		t, err := ParseToken(data)
		if t == nil || t.AccessToken == "" {
			continue
		}
		_ = err // a token without expiresAt is listed; it is not valid
		t.Path = p
		out = append(out, t)
	}
	return out, nil
}

// RegistrationKey is the AWS CLI's cache key of a client registration
// (WIRE.md 6.1): the SHA-1 of json.dumps({"region", "scopes",
// "session_name", "startUrl", "tool": "botocore"}, sort_keys=True), with
// null for no scopes or no session name.
func RegistrationKey(startURL, region string, scopes []string, sessionName string) string {
	var w objectWriter
	w.str("region", region)
	if len(scopes) == 0 {
		w.raw("scopes", []byte("null"))
	} else {
		w.list("scopes", scopes)
	}
	if sessionName == "" {
		w.raw("session_name", []byte("null"))
	} else {
		w.str("session_name", sessionName)
	}
	w.str("startUrl", startURL)
	w.str("tool", "botocore")
	return sha1Hex(string(w.bytes()))
}

func (c *Cache) registrationPath(key string) string {
	return filepath.Join(c.Dir, key+".json")
}

// LoadRegistration reads the registration cached under a RegistrationKey.
func (c *Cache) LoadRegistration(key string) (*Registration, error) {
	data, err := os.ReadFile(c.registrationPath(key))
	if err != nil {
		return nil, err
	}
	return ParseRegistration(data)
}

// StoreRegistration writes the registration under a RegistrationKey.
func (c *Cache) StoreRegistration(key string, r *Registration) error {
	return writeFileAtomic(c.registrationPath(key), r.Marshal())
}

// LockPath is the lock file of a session key: next to its token file, with
// the extension .lock (the AWS tools read only *.json there).
func (c *Cache) LockPath(key string) string {
	return filepath.Join(c.Dir, sha1Hex(key)+".lock")
}

// Lock takes the cross-process lock of a session key, waiting for it until
// ctx ends. purpose ("login", "refresh", "logout") is recorded in the lock
// file for waiters; onWait, if not nil, is called once if the lock is held
// by someone else, with the holder's description ("login by process
// 1234"). The returned function releases the lock.
func (c *Cache) Lock(ctx context.Context, key, purpose string, onWait func(holder string)) (unlock func(), err error) {
	return lockPath(ctx, c.LockPath(key), purpose, onWait)
}

// holderOf describes the holder of a lock from its file.
func holderOf(content string) string {
	pid, purpose, ok := strings.Cut(strings.TrimSpace(content), " ")
	if !ok || pid == "" {
		return "another process"
	}
	return purpose + " by process " + pid
}
