package tokens

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// RefreshGrant is the refresh_token grant with rotation.
//
// Every successful refresh marks the presented token used and issues a
// successor. The successor and its access token are derived from the
// presented token with the server's key (sso.Digester.Derive), so their
// plain text is never stored, yet a second presentation of the same token
// can be answered with the very same successor:
//
//   - presented token unused: rotate (one atomic store step, RefreshRotate,
//     which also reads the token and its family).
//   - used, its successor still unused, and first used less than Grace ago:
//     a concurrent refresh by another process holding the same cache file;
//     answer with the same successor tokens.
//   - otherwise: reuse of a rotated token, a sign of theft (RFC 9700
//     section 4.14.2); revoke the whole family.
type RefreshGrant struct {
	Store    sso.TokenStore
	Digester *sso.Digester
	Minter   *Minter
	Grace    time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
	// Audit records reuse (a revoked family); nil records nothing. A
	// rotation records no event: it is the hottest write, and the family
	// it continues was recorded when it was issued.
	Audit *audit.Recorder
}

// Exchange implements Grant.
func (g *RefreshGrant) Exchange(ctx context.Context, client sso.Client, req wire.CreateTokenRequest) (wire.CreateTokenResponse, error) {
	if req.RefreshToken == nil || *req.RefreshToken == "" {
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeInvalidRequest, "refreshToken is required for the refresh_token grant")
	}
	resp, _, err := g.Rotate(ctx, client, *req.RefreshToken, nil)
	return resp, err
}

// Rotate is Exchange for the presented refresh token, with one more check
// of the token's family (nil: none) run inside the store step, before any
// rotation: CreateTokenWithIAM checks the requested scopes there. It also
// returns the family.
func (g *RefreshGrant) Rotate(ctx context.Context, client sso.Client, presented string, check func(sso.Family) error) (wire.CreateTokenResponse, sso.Family, error) {
	digest := g.Digester.Digest(sso.KindRefreshToken, presented)
	now := g.Now()
	nextPlain := RefreshPrefix + g.Digester.Derive("refresh", presented)
	accessPlain := AccessPrefix + g.Digester.Derive("access", presented)
	// Digested here, not in plan: a store may run plan on its one writer.
	nextDigest := g.Digester.Digest(sso.KindRefreshToken, nextPlain)
	accessDigest := g.Digester.Digest(sso.KindAccessToken, accessPlain)

	// One store step reads the token and its family, lets plan check them
	// and, if the token is unused, rotates it.
	var rotated bool
	var accessExp time.Time
	plan := func(old sso.RefreshToken, fam sso.Family) (*sso.Rotation, error) {
		rotated = false
		switch {
		case fam.ClientID != client.ID:
			return nil, sso.Errorf(sso.CodeInvalidGrant, "the refresh token was issued to another client")
		case fam.Revoked():
			return nil, sso.Errorf(sso.CodeInvalidGrant, "the session has been revoked; sign in again")
		case !now.Before(fam.ExpiresAt):
			return nil, sso.Errorf(sso.CodeExpiredToken, "the session has ended; sign in again")
		}
		if check != nil {
			if err := check(fam); err != nil {
				return nil, err
			}
		}
		switch {
		case !old.UsedAt.IsZero():
			return nil, nil // used before: the grace window or reuse, below
		}
		accessExp = now.Add(g.Minter.accessTTL)
		if accessExp.After(fam.ExpiresAt) {
			accessExp = fam.ExpiresAt
		}
		rotated = true
		return &sso.Rotation{
			Next: sso.RefreshToken{
				Digest: nextDigest, FamilyID: fam.ID,
				Generation: old.Generation + 1, CreatedAt: now,
			},
			Access: sso.AccessToken{
				Digest: accessDigest, FamilyID: fam.ID,
				ClientID: fam.ClientID, UserID: fam.UserID, Scopes: fam.Scopes, IssuedAt: now, ExpiresAt: accessExp,
			},
		}, nil
	}
	old, fam, err := g.Store.RefreshRotate(ctx, digest, now, plan)
	if errors.Is(err, sso.ErrNotFound) {
		return wire.CreateTokenResponse{}, sso.Family{}, invalidRefresh()
	}
	if err != nil {
		return wire.CreateTokenResponse{}, sso.Family{}, err
	}
	if rotated {
		return response(accessPlain, nextPlain, accessExp, now), fam, nil
	}

	// The token was used before. Inside the grace window, with its
	// successor still unused, answer as the first refresh did. That
	// rotation belongs to another request, but it is durable by now:
	// RefreshRotate returns only once the store has made durable what its
	// read saw (a store that shows commits before syncing them, SQLite,
	// answers the step after a sync that covers them).
	if now.Sub(old.UsedAt) <= g.Grace {
		succ, _, err := g.Store.GetRefreshToken(ctx, nextDigest)
		if err != nil && !errors.Is(err, sso.ErrNotFound) {
			return wire.CreateTokenResponse{}, sso.Family{}, err
		}
		if err == nil && succ.UsedAt.IsZero() {
			acc, _, err := g.Store.GetAccessToken(ctx, accessDigest)
			if err != nil {
				return wire.CreateTokenResponse{}, sso.Family{}, err
			}
			return response(accessPlain, nextPlain, acc.ExpiresAt, now), fam, nil
		}
	}
	revoke := func(ctx context.Context) error { return g.Store.RevokeFamily(ctx, fam.ID, now) }
	if err := g.Audit.Do(ctx, revoke, RevokedEvent(ctx, g.Audit, audit.ReuseDetected, fam, "refresh_token_reused")); err != nil && !errors.Is(err, sso.ErrNotFound) {
		return wire.CreateTokenResponse{}, sso.Family{}, err
	}
	if g.Logger != nil {
		g.Logger.WarnContext(ctx, "refresh token reuse; session revoked",
			slog.String("family_id", fam.ID), slog.String("client_id", fam.ClientID), slog.String("user_id", fam.UserID))
	}
	return wire.CreateTokenResponse{}, sso.Family{}, sso.Errorf(sso.CodeInvalidGrant, "the refresh token was already used; the session has been revoked, sign in again")
}

func response(access, refresh string, exp, now time.Time) wire.CreateTokenResponse {
	return wire.CreateTokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: seconds(exp.Sub(now)), RefreshToken: &refresh}
}

func invalidRefresh() error {
	return sso.Errorf(sso.CodeInvalidGrant, "the refresh token is invalid or has expired; sign in again")
}
