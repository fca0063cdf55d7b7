package ssooidctest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/login"
	"github.com/ssooidc/ssooidc/wire"
)

// actor is who the test kit's decisions are made by in the audit trail.
var actor = sso.Actor{Type: sso.ActorAdmin, ID: "ssooidctest"}

// Approve approves the pending device authorization whose user code is
// userCode ("BCDF-GHJK", as StartDeviceAuthorization returned it and the
// AWS CLI prints it; case and the dash do not matter) on behalf of the
// user named user, as the verification page does when that person
// presses Allow. The program polling CreateToken then gets its tokens.
// It is an error when no pending authorization has the code (a typo, or
// decided already), when it expired, or when the user does not exist or
// is disabled. It may be called from any goroutine.
func (s *Server) Approve(userCode, user string) error {
	return s.decide(userCode, user, true)
}

// Deny denies the pending device authorization of userCode on behalf of
// user, as the page's Deny button: the program polling CreateToken gets
// AccessDeniedException. Errors are as for Approve.
func (s *Server) Deny(userCode, user string) error {
	return s.decide(userCode, user, false)
}

func (s *Server) decide(userCode, user string, approve bool) error {
	ctx := sso.WithActor(context.Background(), actor)
	if _, err := s.srv.DecideDevice(ctx, userCode, user, approve); err != nil {
		return fmt.Errorf("ssooidctest: deciding %s as %s: %s", userCode, user, message(err))
	}
	return nil
}

// AuthorizeAs does what a browser does for the authorization code flow
// (PKCE) when the person user presses Allow: given the URL a program opens
// (the server's /authorize with the program's client, redirect URI, state
// and challenge), it approves the request as user and sends a GET to the
// redirect URI with the code and the state, which delivers them to the
// program's loopback listener. It suits login.BrowserFunc:
//
//	login.BrowserFunc(func(ctx context.Context, url string) error {
//		return srv.AuthorizeAs(url, "alice")
//	})
//
// It is an error when the URL is not the server's /authorize, when the
// request is not valid (the program then gets the error on its redirect
// URI when that can be trusted), or when the redirect URI does not answer
// 2xx.
func (s *Server) AuthorizeAs(authorizeURL, user string) error {
	u, err := url.Parse(authorizeURL)
	if err != nil || !strings.HasPrefix(authorizeURL, s.URL+"/authorize?") {
		return fmt.Errorf("ssooidctest: %q is not this server's /authorize URL (%s/authorize?...)", authorizeURL, s.URL)
	}
	ctx := sso.WithActor(context.Background(), actor)
	redirect, err := s.srv.DecideAuthorize(ctx, u.Query(), user, true)
	if err != nil {
		return fmt.Errorf("ssooidctest: authorizing as %s: %s", user, message(err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, redirect, nil)
	if err != nil {
		return fmt.Errorf("ssooidctest: the redirect %q: %w", redirect, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("ssooidctest: delivering the code to the program: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("ssooidctest: the program's redirect URI answered %s", resp.Status)
	}
	if q := mustQuery(redirect); q.Get("error") != "" {
		return fmt.Errorf("ssooidctest: the request was refused: %s: %s", q.Get("error"), q.Get("error_description"))
	}
	return nil
}

func mustQuery(raw string) url.Values {
	u, err := url.Parse(raw)
	if err != nil {
		return url.Values{}
	}
	return u.Query()
}

// Login signs user in with the device flow, as "aws sso login" does, and
// returns the token as the AWS CLI caches it (client registration
// included, so it can be refreshed). It registers a client, starts a
// device authorization, approves it as user and redeems it: no waiting.
func (s *Server) Login(user string) (*login.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := s.Client()
	reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: "ssooidctest-" + user, ClientType: "public",
		Scopes: []string{"sso:account:access"}})
	if err != nil {
		return nil, fmt.Errorf("ssooidctest: RegisterClient: %w", err)
	}
	auth, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, StartURL: s.StartURL})
	if err != nil {
		return nil, fmt.Errorf("ssooidctest: StartDeviceAuthorization: %w", err)
	}
	// Under WithAutoApprove the authorization is approved already, as the
	// auto-approve user.
	switch auto := s.srv.Config().AutoApprove; auto {
	case "":
		if err := s.Approve(auth.UserCode, user); err != nil {
			return nil, err
		}
	case user:
	default:
		return nil, fmt.Errorf("ssooidctest: WithAutoApprove(%q) approves every login as %s: Login(%q) cannot sign in as anyone else", auto, auto, user)
	}
	tok, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret,
		GrantType: wire.GrantDeviceCode, DeviceCode: auth.DeviceCode})
	if err != nil {
		return nil, fmt.Errorf("ssooidctest: CreateToken: %w", err)
	}
	return &login.Token{StartURL: s.StartURL, Region: s.Region, AccessToken: tok.AccessToken, ExpiresAt: tok.Expiry,
		ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, RegistrationExpiresAt: time.Unix(reg.ClientSecretExpiresAt, 0).UTC(),
		RefreshToken: tok.RefreshToken}, nil
}

// message is the text of err for a test's failure message: the
// service's message for the person, not the code's name.
func message(err error) string {
	var se *sso.Error
	if errors.As(err, &se) && se.Code != sso.CodeInternal {
		return se.Message
	}
	return err.Error()
}
