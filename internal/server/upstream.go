package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/sso"

	"github.com/ssooidc/ssooidc/internal/upstream"
	"github.com/ssooidc/ssooidc/internal/web"
)

// upstreams adapts sign-in through identity providers to the pages'
// interface.
type upstreams struct{ s *upstream.Service }

func (u upstreams) Providers() []web.UpstreamButton {
	var out []web.UpstreamButton
	for _, p := range u.s.Providers() {
		out = append(out, web.UpstreamButton{ID: p.ID, Name: p.Name})
	}
	return out
}

func (u upstreams) Begin(ctx context.Context, id, next, binding, addr string) (string, error) {
	return u.s.Begin(ctx, id, next, binding, addr)
}

func (u upstreams) Callback(ctx context.Context, id string, q url.Values, binding, addr string) (web.UpstreamResult, error) {
	return result(u.s.Callback(ctx, id, q, binding, addr))
}

func (u upstreams) POST(ctx context.Context, id string, form url.Values, addr string) (string, error) {
	return u.s.POST(ctx, id, form, addr)
}

func (u upstreams) Finish(ctx context.Context, id, secret, binding, addr string) (web.UpstreamResult, error) {
	return result(u.s.Finish(ctx, id, secret, binding, addr))
}

func (u upstreams) Metadata(ctx context.Context, id string) ([]byte, error) {
	return u.s.Metadata(ctx, id)
}

func result(r upstream.Result, err error) (web.UpstreamResult, error) {
	return web.UpstreamResult{User: r.User, Next: r.Next, Method: r.Method}, err
}

// newUpstreams builds sign-in through the configured identity providers,
// or returns nil when there are none.
func newUpstreams(store Store, d *sso.Digester, people *directory.Service, rec *audit.Recorder, log *slog.Logger, cfg Config) (web.Upstreams, error) {
	if cfg.Upstreams == nil {
		if cfg.NoLocalPasswords {
			return nil, errors.New("local_passwords is false and no identity provider is configured: nobody could sign in")
		}
		return nil, nil
	}
	providers, err := cfg.Upstreams(cfg.PublicURL)
	if err != nil {
		return nil, fmt.Errorf("identity providers: %w", err)
	}
	if len(providers) == 0 {
		if cfg.NoLocalPasswords {
			return nil, errors.New("local_passwords is false and no identity provider is configured: nobody could sign in")
		}
		return nil, nil
	}
	s, err := upstream.New(providers, upstream.Options{Flows: store, Limits: store, Directory: people, Digester: d,
		Audit: rec, Logger: log, Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("identity providers: %w", err)
	}
	return upstreams{s}, nil
}
