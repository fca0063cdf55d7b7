package audit

import (
	"context"
	"sync"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// The grants hold a user by ID (a device authorization, a code, a family),
// but the trail is read by name ("audit --user alice") and an event must
// name the person when it is written: a user deleted later is still named
// in the events about them. One store read per user, cached, so that
// naming costs the token endpoint a map lookup, not a round trip.

// nameTTL bounds how long a renamed user keeps their old name in new
// events; maxNames bounds the cache (it is emptied when full).
const (
	nameTTL  = 5 * time.Minute
	maxNames = 10000
)

// UserGetter is what names users: the store, when it keeps them.
type UserGetter interface {
	GetUser(ctx context.Context, id string) (sso.User, error)
}

type cachedName struct {
	name string
	at   time.Time
}

// Names maps user IDs to names from a store, cached: one per server,
// shared by the audit trail (Recorder.UserName) and the server's log,
// which names the user of every line that carries a user_id. Safe for
// concurrent use.
type Names struct {
	users UserGetter
	now   func() time.Time
	mu    sync.Mutex
	m     map[string]cachedName
}

// NewNames returns a cache over users (now: time.Now when nil).
func NewNames(users UserGetter, now func() time.Time) *Names {
	if now == nil {
		now = time.Now
	}
	return &Names{users: users, now: now, m: map[string]cachedName{}}
}

// UserName returns the name of the user with id, or "" when there is no
// such user (or the store cannot say, or r keeps no users). It never
// fails: an event without a name still names the user by ID.
func (r *Recorder) UserName(ctx context.Context, id string) string {
	if r == nil {
		return ""
	}
	return r.names.Name(ctx, id)
}

// Name returns the name of the user with id, or "" when there is none,
// the store cannot say or c is nil. The lookup runs under ctx.
func (c *Names) Name(ctx context.Context, id string) string {
	if c == nil || id == "" {
		return ""
	}
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < nameTTL && !now.Before(e.at) {
		return e.name
	}
	u, err := c.users.GetUser(ctx, id)
	if err != nil {
		return ""
	}
	c.mu.Lock()
	if len(c.m) >= maxNames {
		clear(c.m)
	}
	c.m[id] = cachedName{name: u.Name, at: now}
	c.mu.Unlock()
	return u.Name
}
