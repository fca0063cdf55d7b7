package access

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// credCache keeps the STS credentials of each (user, account, permission
// set) in this process, so that a person's tools asking again and again
// (every AWS CLI process, every credential_process call) cost one
// AssumeRole per half lifetime instead of one per call. Concurrent misses
// of one key make one AssumeRole (singleflight).
//
// Credentials are served from the cache while they have at least half
// their lifetime and at least MinCachedRemaining left: a caller always
// gets credentials that last long enough for botocore and the SDKs, which
// fetch new ones 15 and 10 minutes before the end, never ones about to
// expire. The assignment is checked on every call before the cache is
// asked (GetRoleGrant), so a removed assignment stops at once; what the
// credentials were made from (role ARN template, source, duration, role
// suffix, session name) is part of the entry, and a change of any of them
// is a miss. Credentials live in memory only, never in the store.
type credCache struct {
	mu      sync.Mutex
	entries map[string]cachedCreds
	max     int
	group   singleflight.Group
}

// MinCachedRemaining is the least lifetime cached credentials must have
// left to be served again: more than botocore's 15-minute refresh window,
// so a tool never gets credentials it would throw away at once.
const MinCachedRemaining = 20 * time.Minute

// maxCachedCreds bounds the cache; past it, ended entries are dropped, and
// then any.
const maxCachedCreds = 10000

type cachedCreds struct {
	creds    Credentials
	made     string    // what the credentials were made from (fingerprint)
	serveTil time.Time // served until here
}

func newCredCache() *credCache {
	return &credCache{entries: map[string]cachedCreds{}, max: maxCachedCreds}
}

func credKey(userID, accountID, permissionSet string) string {
	return userID + "\x00" + accountID + "\x00" + permissionSet
}

// fingerprint says what credentials of acct and ps for user are made from.
func fingerprint(acct sso.Account, ps sso.PermissionSet, user sso.User) string {
	return acct.Source + "\x00" + acct.RoleARN + "\x00" + ps.RoleSuffix + "\x00" +
		strconv.FormatInt(int64(ps.SessionDuration), 10) + "\x00" + user.Name
}

// serveUntil is until when credentials issued at now are served again.
func serveUntil(c Credentials, now time.Time) time.Time {
	half := now.Add(c.Expiration.Sub(now) / 2)
	floor := c.Expiration.Add(-MinCachedRemaining)
	if floor.Before(half) {
		return floor
	}
	return half
}

// get returns the cached credentials of key made from made, if they may be
// served at now.
func (c *credCache) get(key, made string, now time.Time) (Credentials, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.made != made || !now.Before(e.serveTil) {
		return Credentials{}, false
	}
	return e.creds, true
}

func (c *credCache) put(key, made string, cr Credentials, now time.Time) {
	til := serveUntil(cr, now)
	if !now.Before(til) {
		return // too short-lived to serve twice
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k, e := range c.entries {
			if !now.Before(e.serveTil) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.max*9/10 {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = cachedCreds{creds: cr, made: made, serveTil: til}
}

// fetch returns cached credentials of key or makes them with issue (once
// for concurrent callers of one key) and caches them.
func (c *credCache) fetch(ctx context.Context, key, made string, now func() time.Time,
	issue func(ctx context.Context) (Credentials, error)) (Credentials, error) {
	if cr, ok := c.get(key, made, now()); ok {
		return cr, nil
	}
	v, err, _ := c.group.Do(key+"\x00"+made, func() (any, error) {
		if cr, ok := c.get(key, made, now()); ok {
			return cr, nil
		}
		// One caller's cancellation must not fail the others waiting on
		// this call; the issuer has its own timeouts.
		cr, err := issue(context.WithoutCancel(ctx))
		if err != nil {
			return Credentials{}, err
		}
		c.put(key, made, cr, now())
		return cr, nil
	})
	if err != nil {
		return Credentials{}, err
	}
	return v.(Credentials), nil
}
