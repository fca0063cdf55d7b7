package server

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/mfa"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/web"
)

// newMFA assembles the second factor over the store: the digest key seals
// TOTP secrets, identity's limits count wrong codes, the directory finds
// people.
func newMFA(store Store, key []byte, d *sso.Digester, id *identity.Service, people *directory.Service,
	rec *audit.Recorder, log *slog.Logger, cfg Config) (*mfa.Service, error) {
	s, err := mfa.New(mfa.Options{Policy: cfg.MFA, Factors: store, Flows: store, Users: people, Limiter: id, Limits: store,
		Digester: d, DigestKey: key, PublicURL: cfg.PublicURL, Audit: rec, Logger: log, Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("mfa: %w", err)
	}
	return s, nil
}

// mfaPages adapts *mfa.Service to web.MFA: the two records the pages and
// the service both name, converted.
type mfaPages struct{ *mfa.Service }

func (m mfaPages) Required() bool { return m.Mode() == mfa.Required }

func (m mfaPages) Hold(ctx context.Context, p web.PendingSignIn) (string, error) {
	return m.Service.Hold(ctx, mfa.Pending(p))
}

func (m mfaPages) Held(ctx context.Context, secret string) (web.PendingSignIn, error) {
	p, err := m.Service.Held(ctx, secret)
	return web.PendingSignIn(p), err
}

func (m mfaPages) Release(ctx context.Context, secret string) (web.PendingSignIn, error) {
	p, err := m.Service.Release(ctx, secret)
	return web.PendingSignIn(p), err
}

func (m mfaPages) BeginTOTP(ctx context.Context, u sso.User) (web.TOTPSetup, error) {
	e, err := m.Service.BeginTOTP(ctx, u)
	return web.TOTPSetup(e), err
}
