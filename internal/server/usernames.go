package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// The services log the user a line is about by ID ("user_id": the
// device approval, the authorization code, the refresh reuse), which is
// what they hold. The operator reads names, so the server's logger adds
// "user" beside every "user_id": one store read per user, cached, and only
// for the lines that carry an ID (decisions and security events, not the
// per-request lines).

// userLookup is what the log handler reads to name a user.
type userLookup interface {
	GetUser(ctx context.Context, id string) (sso.User, error)
}

// nameTTL bounds how long a renamed user keeps their old name in the log;
// maxNames bounds the cache.
const (
	nameTTL      = 5 * time.Minute
	maxNames     = 10000
	lookupBudget = time.Second
)

type cachedName struct {
	name string
	at   time.Time
}

// nameCache maps user IDs to names, shared by the handler and its
// WithAttrs and WithGroup copies.
type nameCache struct {
	users userLookup
	mu    sync.Mutex
	names map[string]cachedName
}

func (c *nameCache) name(ctx context.Context, id string) string {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.names[id]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < nameTTL {
		return e.name
	}
	// A line is logged also after the request ended: the lookup does not
	// inherit its cancellation, only a short budget.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupBudget)
	defer cancel()
	u, err := c.users.GetUser(ctx, id)
	if err != nil {
		return "" // a deleted user, a store failure: the ID alone
	}
	c.mu.Lock()
	if len(c.names) >= maxNames {
		clear(c.names)
	}
	c.names[id] = cachedName{name: u.Name, at: now}
	c.mu.Unlock()
	return u.Name
}

// userNames is a slog.Handler that adds "user" (the name) to a record
// with "user_id" and no "user".
type userNames struct {
	next  slog.Handler
	cache *nameCache
}

// withUserNames wraps log's handler so that user IDs are named.
func withUserNames(log *slog.Logger, users userLookup) *slog.Logger {
	return slog.New(userNames{next: log.Handler(), cache: &nameCache{users: users, names: map[string]cachedName{}}})
}

func (h userNames) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h userNames) Handle(ctx context.Context, r slog.Record) error {
	var id string
	named := false
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "user_id":
			id = a.Value.String()
		case "user":
			named = true
		}
		return true
	})
	if id != "" && !named {
		if name := h.cache.name(ctx, id); name != "" {
			r = r.Clone()
			r.AddAttrs(slog.String("user", name))
		}
	}
	return h.next.Handle(ctx, r)
}

func (h userNames) WithAttrs(attrs []slog.Attr) slog.Handler {
	return userNames{next: h.next.WithAttrs(attrs), cache: h.cache}
}

func (h userNames) WithGroup(name string) slog.Handler {
	return userNames{next: h.next.WithGroup(name), cache: h.cache}
}
