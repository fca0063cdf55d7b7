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

// userGetter is what names users: the store, when it keeps them.
type userGetter interface {
	GetUser(ctx context.Context, id string) (sso.User, error)
}

type cachedName struct {
	name string
	at   time.Time
}

// names maps user IDs to names.
type names struct {
	users userGetter
	mu    sync.Mutex
	m     map[string]cachedName
}

// UserName returns the name of the user with id, or "" when there is no
// such user (or the store cannot say, or r keeps no users). It never
// fails: an event without a name still names the user by ID.
func (r *Recorder) UserName(ctx context.Context, id string) string {
	if r == nil || r.names == nil || id == "" {
		return ""
	}
	return r.names.name(ctx, id, r.now())
}

func (c *names) name(ctx context.Context, id string, now time.Time) string {
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
