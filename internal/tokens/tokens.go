package tokens

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/clients"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// Grant is one grant type of the token endpoint. Exchange runs after the
// pipeline has checked the required members and authenticated client, and
// after it has checked that client may use this grant.
type Grant interface {
	Exchange(ctx context.Context, client sso.Client, req wire.CreateTokenRequest) (wire.CreateTokenResponse, error)
}

// Authenticator authenticates clients (implemented by *clients.Service).
type Authenticator interface {
	Authenticate(ctx context.Context, id, secret *string) (sso.Client, error)
}

// Service is the token endpoint.
type Service struct {
	auth   Authenticator
	grants map[string]Grant
}

// NewService returns a token endpoint with the given grants, keyed by
// canonical grant type (see clients.CanonicalGrant).
func NewService(auth Authenticator, grants map[string]Grant) *Service {
	return &Service{auth: auth, grants: grants}
}

// CreateToken runs the pipeline for req.
func (s *Service) CreateToken(ctx context.Context, req wire.CreateTokenRequest) (wire.CreateTokenResponse, error) {
	switch {
	case req.ClientID == nil || *req.ClientID == "":
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeInvalidRequest, "clientId is required")
	case req.ClientSecret == nil || *req.ClientSecret == "":
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeInvalidRequest, "clientSecret is required")
	case req.GrantType == nil || *req.GrantType == "":
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeInvalidRequest, "grantType is required")
	}
	name, known := clients.CanonicalGrant(*req.GrantType)
	g, ok := s.grants[name]
	if !known || !ok {
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeUnsupportedGrantType, "grant type %q is not supported by CreateToken", truncate(*req.GrantType))
	}
	client, err := s.auth.Authenticate(ctx, req.ClientID, req.ClientSecret)
	if err != nil {
		return wire.CreateTokenResponse{}, err
	}
	if !clients.AllowsGrant(client, name) {
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeUnauthorizedClient, "the client is not registered for the %s grant", name)
	}
	// The authenticated client is who acts in the audit trail (the family
	// it is issued, the reuse it commits).
	ctx = sso.WithActor(ctx, sso.Actor{Type: sso.ActorClient, ID: client.ID, Name: client.Name})
	return g.Exchange(ctx, client, req)
}

// Token prefixes: opaque tokens, recognisable in a leak scan.
const (
	AccessPrefix  = "aoa"
	RefreshPrefix = "aor"
)

// Durations of tokens and sessions.
const (
	DefaultAccessTTL  = time.Hour
	DefaultSessionTTL = 8 * time.Hour
	MinSessionTTL     = 15 * time.Minute
	MaxSessionTTL     = 90 * 24 * time.Hour
	// DefaultGrace is how long after a refresh token's first use the same
	// token may be presented again and get the same successor, so that
	// concurrent AWS CLI processes refreshing one cache file do not lose
	// the session (aws-cli #10628).
	DefaultGrace = 60 * time.Second
)

// Minter mints token families.
type Minter struct {
	digester   *sso.Digester
	accessTTL  time.Duration
	sessionTTL time.Duration
}

// NewMinter returns a Minter; zero durations take the defaults.
func NewMinter(d *sso.Digester, accessTTL, sessionTTL time.Duration) *Minter {
	if accessTTL <= 0 {
		accessTTL = DefaultAccessTTL
	}
	if sessionTTL <= 0 {
		sessionTTL = DefaultSessionTTL
	}
	return &Minter{digester: d, accessTTL: accessTTL, sessionTTL: sessionTTL}
}

// SessionTTL returns the session lifetime.
func (m *Minter) SessionTTL() time.Duration { return m.sessionTTL }

// Mint prepares a new family for client and userID at now with the
// client's scopes: the records to store and the response to send once they
// are stored. A non-refreshable family's access token lasts the whole
// session, as AWS's legacy tokens do.
func (m *Minter) Mint(client sso.Client, userID string, now time.Time) (sso.Issue, wire.CreateTokenResponse) {
	return m.MintScoped(client, userID, client.Scopes, now)
}

// MintScoped is Mint with the scopes the person consented to (a subset of
// the client's).
func (m *Minter) MintScoped(client sso.Client, userID string, scopes []string, now time.Time) (sso.Issue, wire.CreateTokenResponse) {
	refreshable := clients.Refreshable(client)
	fam := sso.Family{
		ID:          sso.RandomID(),
		ClientID:    client.ID,
		UserID:      userID,
		Scopes:      scopes,
		Refreshable: refreshable,
		CreatedAt:   now,
		ExpiresAt:   now.Add(m.sessionTTL),
	}
	access := AccessPrefix + sso.RandomSecret()
	accessExp := now.Add(m.accessTTL)
	if !refreshable || accessExp.After(fam.ExpiresAt) {
		accessExp = fam.ExpiresAt
	}
	issue := sso.Issue{
		Family: fam,
		Access: sso.AccessToken{
			Digest: m.digester.Digest(sso.KindAccessToken, access), FamilyID: fam.ID,
			ClientID: client.ID, UserID: userID, Scopes: scopes, IssuedAt: now, ExpiresAt: accessExp,
		},
	}
	resp := wire.CreateTokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: seconds(accessExp.Sub(now))}
	if refreshable {
		refresh := RefreshPrefix + sso.RandomSecret()
		issue.Refresh = &sso.RefreshToken{
			Digest: m.digester.Digest(sso.KindRefreshToken, refresh), FamilyID: fam.ID, CreatedAt: now,
		}
		resp.RefreshToken = &refresh
	}
	return issue, resp
}

func seconds(d time.Duration) int32 {
	s := (d + time.Second - 1) / time.Second // round up: never claim less than we give
	if s < 1 {
		return 1
	}
	if s > 1<<31-1 {
		return 1<<31 - 1
	}
	return int32(s)
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// IssuedEvent returns the audit event of the token family fam, issued to
// client by grant. Its actor is the one ctx names (the client, set by the
// token endpoint; the IAM principal for CreateTokenWithIAM); its target is
// the family, with the person it is for. A grant hands it to the one store
// write that stores the family.
func IssuedEvent(ctx context.Context, rec *audit.Recorder, fam sso.Family, client sso.Client, grant string) sso.Event {
	if rec == nil {
		return sso.Event{}
	}
	return rec.Event(ctx, audit.FamilyIssued,
		sso.Target{Type: audit.TargetFamily, ID: fam.ID, Name: client.Name, User: rec.UserName(ctx, fam.UserID)},
		"client_id", client.ID, "grant", grant, "scopes", strings.Join(fam.Scopes, " "),
		"refreshable", strconv.FormatBool(fam.Refreshable))
}

// RevokedEvent returns the audit event of revoking fam: typ is
// audit.FamilyRevoked (a sign-out) or audit.ReuseDetected (a refresh token
// or code presented again), reason a few words of why.
func RevokedEvent(ctx context.Context, rec *audit.Recorder, typ string, fam sso.Family, reason string) sso.Event {
	if rec == nil {
		return sso.Event{}
	}
	return rec.Event(ctx, typ,
		sso.Target{Type: audit.TargetFamily, ID: fam.ID, User: rec.UserName(ctx, fam.UserID)},
		"client_id", fam.ClientID, "reason", reason)
}
