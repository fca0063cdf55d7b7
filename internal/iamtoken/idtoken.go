package iamtoken

import (
	"context"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// IDClaims are the claims of our ID tokens: those of OpenID Connect Core
// section 2 and those AWS's ID tokens carry (the Smithy examples of
// CreateTokenWithIAM).
type IDClaims struct {
	Issuer          string `json:"iss"`
	Subject         string `json:"sub"` // the user's id
	Audience        string `json:"aud"` // the application ARN
	Expiry          int64  `json:"exp"`
	IssuedAt        int64  `json:"iat"`
	AuthTime        int64  `json:"auth_time"` // when the session began
	IdentityStoreID string `json:"aws:identity_store_id"`
	InstanceArn     string `json:"aws:instance_arn"`
	InstanceAccount string `json:"aws:instance_account"`
	CredentialID    string `json:"aws:credential_id"` // the session (token family)
	IdentityContext string `json:"sts:identity_context,omitempty"`
}

// ContextClaims are the claims of the identity context. AWS's is an
// STS-encrypted blob for sts:AssumeRole's ProvidedContexts; ours is a JWT
// signed with the same keys as the ID token, so a service of the operator
// can verify it with our JWKS. STS itself cannot use it.
type ContextClaims struct {
	Issuer          string `json:"iss"`
	Subject         string `json:"sub"`
	Audience        string `json:"aud"`
	Expiry          int64  `json:"exp"`
	IssuedAt        int64  `json:"iat"`
	IdentityStoreID string `json:"identitystore:IdentityStoreId"`
	UserID          string `json:"identitystore:UserId"`
	CredentialID    string `json:"aws:credential_id"`
}

// respond dresses what a grant issued as the wire response: the ID token
// when the scopes include openid, and the identity context when they
// include sts:identity_context.
func (s *Service) respond(ctx context.Context, a *app, r result) (wire.CreateTokenWithIAMResponse, error) {
	now := s.cfg.Now()
	out := wire.CreateTokenWithIAMResponse{
		AccessToken: r.access, TokenType: "Bearer", ExpiresIn: seconds(r.accessExpiry.Sub(now)),
		RefreshToken: r.refresh, Scope: r.scopes,
	}
	// As AWS does: the refresh token type when a refresh token is issued.
	issued := wire.TokenTypeAccessToken
	if r.refresh != nil {
		issued = wire.TokenTypeRefreshToken
	}
	out.IssuedTokenType = &issued
	if !sso.ContainsString(r.scopes, ScopeOpenID) {
		return out, nil
	}
	exp := now.Add(s.cfg.IDTokenLifetime)
	if r.accessExpiry.Before(exp) {
		exp = r.accessExpiry
	}
	claims := IDClaims{
		Issuer: s.cfg.Issuer, Subject: r.family.UserID, Audience: a.ARN,
		Expiry: exp.Unix(), IssuedAt: now.Unix(), AuthTime: r.family.CreatedAt.Unix(),
		IdentityStoreID: s.cfg.IdentityStoreID, InstanceArn: "arn:aws:sso:::instance/" + a.instance,
		InstanceAccount: a.account, CredentialID: r.family.ID,
	}
	if sso.ContainsString(r.scopes, ScopeIdentityContext) {
		ic, err := s.cfg.Signer.Sign(ctx, ContextClaims{
			Issuer: s.cfg.Issuer, Subject: r.family.UserID, Audience: a.ARN, Expiry: exp.Unix(), IssuedAt: now.Unix(),
			IdentityStoreID: s.cfg.IdentityStoreID, UserID: r.family.UserID, CredentialID: r.family.ID,
		})
		if err != nil {
			return wire.CreateTokenWithIAMResponse{}, err
		}
		claims.IdentityContext = ic
		out.AWSAdditionalDetails = &wire.AWSAdditionalDetails{IdentityContext: &ic}
	}
	id, err := s.cfg.Signer.Sign(ctx, claims)
	if err != nil {
		return wire.CreateTokenWithIAMResponse{}, err
	}
	out.IDToken = &id
	return out, nil
}

// seconds rounds d up to whole seconds, at least 1: never claim less than
// we give.
func seconds(d time.Duration) int32 {
	s := (d + time.Second - 1) / time.Second
	if s < 1 {
		return 1
	}
	if s > 1<<31-1 {
		return 1<<31 - 1
	}
	return int32(s)
}
