package upstreamtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is a person at an identity provider.
type User struct {
	ID            string // the subject; default the username
	Username      string
	Password      string
	GivenName     string
	FamilyName    string
	Email         string
	EmailVerified bool
	Groups        []string
}

// The login page of the OpenID Provider (zitadel's example login), which
// Chromium fills in.
const (
	OPLabelUsername = "Username:"
	OPLabelPassword = "Password:"
	OPButtonLogin   = "Login"
)

// OP is a running OpenID Provider: zitadel/oidc's op package with its
// example storage and login page, one confidential web client, and the
// users the test gave it.
type OP struct {
	// Issuer is the provider's issuer URL (http://127.0.0.1:PORT).
	Issuer       string
	ClientID     string
	ClientSecret string

	// WrongNonce makes the provider put another nonce in the ID tokens
	// it issues from now on.
	WrongNonce atomic.Bool

	st     *opStorage
	client *opClient
}

// OPOption changes an OP.
type OPOption func(*opConfig)

type opConfig struct {
	groupsClaim     string
	claimsInIDToken bool
}

// GroupsClaim names the claim that lists the groups (default "groups");
// "a.b" puts them at b inside the object a.
func GroupsClaim(name string) OPOption { return func(c *opConfig) { c.groupsClaim = name } }

// ClaimsOnlyAtUserInfo leaves the profile, email and groups claims out of
// ID tokens issued with an access token, as many providers do; they are at
// the UserInfo endpoint.
func ClaimsOnlyAtUserInfo() OPOption { return func(c *opConfig) { c.claimsInIDToken = false } }

// NewOP starts an OpenID Provider on loopback with users, and stops it
// when tb ends.
func NewOP(tb testing.TB, users []User, opts ...OPOption) *OP {
	tb.Helper()
	cfg := opConfig{groupsClaim: "groups", claimsInIDToken: true}
	for _, o := range opts {
		o(&cfg)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	issuer := "http://" + l.Addr().String()
	o := &OP{Issuer: issuer, ClientID: "ssooidc", ClientSecret: "op-client-secret-" + l.Addr().String()}
	us := &userStore{byName: map[string]*storage.User{}, groups: map[string][]string{}}
	for _, u := range users {
		id := u.ID
		if id == "" {
			id = u.Username
		}
		us.byName[u.Username] = &storage.User{ID: id, Username: u.Username, Password: u.Password, FirstName: u.GivenName,
			LastName: u.FamilyName, Email: u.Email, EmailVerified: u.EmailVerified}
		us.groups[id] = u.Groups
	}
	web := storage.WebClient(o.ClientID, o.ClientSecret, issuer+"/unused")
	o.client = &opClient{Client: web, assert: cfg.claimsInIDToken}
	o.st = &opStorage{Storage: storage.NewStorageWithClients(us, map[string]*storage.Client{o.ClientID: web}),
		users: us, client: o.client, op: o, groupsClaim: cfg.groupsClaim}
	router := exampleop.SetupServer(issuer, o.st, nil, false)
	srv := &http.Server{Handler: router, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			tb.Errorf("OpenID Provider: %v", err)
		}
	})
	return o
}

// AllowRedirect registers a redirect URI for the client.
func (o *OP) AllowRedirect(uri string) {
	o.client.mu.Lock()
	defer o.client.mu.Unlock()
	if !slices.Contains(o.client.redirects, uri) {
		o.client.redirects = append(o.client.redirects, uri)
	}
}

// SetGroups replaces the groups of the user with the username.
func (o *OP) SetGroups(username string, groups ...string) {
	o.st.users.mu.Lock()
	defer o.st.users.mu.Unlock()
	if u := o.st.users.byName[username]; u != nil {
		o.st.users.groups[u.ID] = groups
	}
}

// opClient is the example's web client with redirect URIs the test adds
// while the provider runs.
type opClient struct {
	*storage.Client
	assert    bool
	mu        sync.Mutex
	redirects []string
}

func (c *opClient) RedirectURIs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.redirects)
}

func (c *opClient) IDTokenUserinfoClaimsAssertion() bool { return c.assert }

// IsScopeAllowed lets the client ask for the groups scope (zitadel's op
// drops scopes a client may not ask for).
func (c *opClient) IsScopeAllowed(scope string) bool {
	return scope == "groups" || c.Client.IsScopeAllowed(scope)
}

// opStorage is the example storage with our client and a groups claim.
type opStorage struct {
	*storage.Storage
	users       *userStore
	client      *opClient
	op          *OP
	groupsClaim string
}

func (s *opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	if id == s.client.GetID() {
		return s.client, nil
	}
	return s.Storage.GetClientByClientID(ctx, id)
}

// AuthRequestByCode hands the token endpoint the request, with another
// nonce when the test asks for one.
func (s *opStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.Storage.AuthRequestByCode(ctx, code)
	if err == nil && s.op.WrongNonce.Load() {
		return wrongNonce{r}, nil
	}
	return r, err
}

type wrongNonce struct{ op.AuthRequest }

func (wrongNonce) GetNonce() string { return "a-nonce-this-sign-in-never-sent" }

func (s *opStorage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, token op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, token, scopes); err != nil {
		return err
	}
	if slices.Contains(scopes, "groups") {
		s.addGroups(ui, token.GetSubject())
	}
	return nil
}

func (s *opStorage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, ui, tokenID, subject, origin); err != nil {
		return err
	}
	s.addGroups(ui, subject)
	return nil
}

func (s *opStorage) addGroups(ui *oidc.UserInfo, subject string) {
	s.users.mu.Lock()
	groups := slices.Clone(s.users.groups[subject])
	s.users.mu.Unlock()
	if groups == nil {
		return
	}
	if outer, inner, ok := strings.Cut(s.groupsClaim, "."); ok {
		ui.AppendClaims(outer, map[string]any{inner: groups})
		return
	}
	ui.AppendClaims(s.groupsClaim, groups)
}

// userStore is the example storage's UserStore over the test's users.
type userStore struct {
	mu     sync.Mutex
	byName map[string]*storage.User
	groups map[string][]string // by user ID
}

func (u *userStore) GetUserByID(id string) *storage.User {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, v := range u.byName {
		if v.ID == id {
			return v
		}
	}
	return nil
}

func (u *userStore) GetUserByUsername(name string) *storage.User {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.byName[name]
}

func (u *userStore) ExampleClientID() string { return "service" }

// SignIn follows start (a URL that redirects to the provider) with c, as
// a browser without scripts would, signs in at the provider's login page
// as username, and returns the URL the provider sends the browser back to
// (the client's redirect URI with code and state), without following it.
func (o *OP) SignIn(c *http.Client, start, username, password string) (*url.URL, error) {
	c2 := *c
	c2.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), o.Issuer) && len(via) > 1 {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := c2.Get(start)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="id" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("no login page at the provider (%s): %.300s", resp.Request.URL, body)
	}
	resp, err = c2.PostForm(o.Issuer+"/login/username", url.Values{"id": {string(m[1])}, "username": {username}, "password": {password}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || resp.StatusCode/100 != 3 {
		return nil, fmt.Errorf("the provider did not send the browser back: %s %v", resp.Status, err)
	}
	return loc, nil
}
