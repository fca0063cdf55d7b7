package ssooidc

import (
	"context"
	"errors"
	"sync"

	"golang.org/x/oauth2"
)

// ErrNoRefreshToken is returned by a TokenSource whose token expired when it
// has no refresh token to renew it with.
var ErrNoRefreshToken = errors.New("ssooidc: token expired and there is no refresh token")

// TokenSource returns an oauth2.TokenSource that returns t while it is
// valid and then renews it with CreateToken and the refresh_token grant,
// as the AWS SDKs refresh a cached SSO token (WIRE.md 6.3-6.5). A refresh
// response without a refresh token keeps the previous one. t may carry only
// a refresh token, forcing a refresh on first use. Requests use ctx, as
// oauth2.Config.TokenSource does. The source is safe for concurrent use.
func (c *Client) TokenSource(ctx context.Context, clientID, clientSecret string, t *oauth2.Token) oauth2.TokenSource {
	var refresh string
	if t != nil {
		refresh = t.RefreshToken
	}
	return oauth2.ReuseTokenSource(t, &refreshTokenSource{
		ctx: ctx, c: c, clientID: clientID, clientSecret: clientSecret, refreshToken: refresh,
	})
}

type refreshTokenSource struct {
	ctx                    context.Context
	c                      *Client
	clientID, clientSecret string

	mu           sync.Mutex
	refreshToken string
}

// Token renews the token with the current refresh token.
func (s *refreshTokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refreshToken == "" {
		return nil, ErrNoRefreshToken
	}
	out, err := s.c.CreateToken(s.ctx, &CreateTokenInput{
		ClientID:     s.clientID,
		ClientSecret: s.clientSecret,
		GrantType:    GrantTypeRefreshToken,
		RefreshToken: s.refreshToken,
	})
	if err != nil {
		return nil, err
	}
	if out.RefreshToken != "" {
		s.refreshToken = out.RefreshToken
	}
	t := out.Token()
	t.RefreshToken = s.refreshToken
	return t, nil
}
