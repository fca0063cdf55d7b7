package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/ssooidc/ssooidc/internal/audit"
)

// The services log the user a line is about by ID ("user_id": the
// device approval, the authorization code, the refresh reuse), which is
// what they hold. The operator reads names, so the server's logger adds
// "user" beside every "user_id": one store read per user, cached in the
// audit.Names the trail uses too (one cache per server), and only
// for the lines that carry an ID (decisions and security events, not the
// per-request lines).

// lookupBudget bounds a name's store read: a line is logged also after
// its request ended, so the read does not inherit its cancellation.
const lookupBudget = time.Second

// userNames is a slog.Handler that adds "user" (the name) to a record
// with "user_id" and no "user".
type userNames struct {
	next  slog.Handler
	names *audit.Names
}

// withUserNames wraps log's handler so that user IDs are named from
// names, the cache the audit trail names users from too.
func withUserNames(log *slog.Logger, names *audit.Names) *slog.Logger {
	return slog.New(userNames{next: log.Handler(), names: names})
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
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupBudget)
		name := h.names.Name(lctx, id) // "" for a deleted user or a store failure: the ID alone
		cancel()
		if name != "" {
			r = r.Clone()
			r.AddAttrs(slog.String("user", name))
		}
	}
	return h.next.Handle(ctx, r)
}

func (h userNames) WithAttrs(attrs []slog.Attr) slog.Handler {
	return userNames{next: h.next.WithAttrs(attrs), names: h.names}
}

func (h userNames) WithGroup(name string) slog.Handler {
	return userNames{next: h.next.WithGroup(name), names: h.names}
}
