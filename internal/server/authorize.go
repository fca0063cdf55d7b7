package server

import (
	"context"
	"errors"
	"net/url"

	"github.com/ssooidc/ssooidc/internal/authcode"
	"github.com/ssooidc/ssooidc/internal/web"
)

// authorizer adapts the authorization code grant to the page's interface;
// its decisions are audited with the signed-in person as the actor.
type authorizer struct {
	codes *authcode.Service
	d     *decisions
}

func (a authorizer) Prompt(ctx context.Context, q url.Values) (web.AuthorizePrompt, string, error) {
	r, err := a.codes.Validate(ctx, q)
	if redirect, ok := redirectOf(err); ok {
		return web.AuthorizePrompt{}, redirect, nil
	}
	if err != nil {
		return web.AuthorizePrompt{}, "", err
	}
	return web.AuthorizePrompt{ClientName: r.Client.Name, Scopes: r.Scopes, RedirectURI: r.RedirectURI}, "", nil
}

func (a authorizer) Decide(ctx context.Context, q url.Values, userID string, approve bool) (string, error) {
	ctx, u, err := a.d.personOf(ctx, userID)
	if err != nil {
		return "", err
	}
	redirect, _, err := a.d.authorize(ctx, q, u, approve)
	return redirect, err
}

func redirectOf(err error) (string, bool) {
	var re *authcode.RedirectError
	if errors.As(err, &re) {
		return re.URL, true
	}
	return "", false
}
