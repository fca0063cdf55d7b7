package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Digest kinds and flow kinds of a sign-in's journey.
const (
	kindState     = "upstream_state"   // a pending sign-in, under the digest of its state
	kindBinding   = "upstream_binding" // the browser's binding cookie
	kindDone      = "upstream_done"    // a verified SAML answer waiting for its browser
	kindAssertion = "saml_assertion"   // a consumed assertion ID (replay cache)
	deriveNonce   = "upstream_nonce"
	deriveVerify  = "upstream_pkce"
)

// Lifetimes. A person may take a while at the provider (a password, a
// second factor); the verified answer only crosses one redirect.
const (
	PendingTTL = 10 * time.Minute
	doneTTL    = 2 * time.Minute
)

// Begin limits: how many sign-ins one client address (IPv6: /64) may
// start per window. Each start stores a flow; this bounds what one address
// can make the store hold, and leaves room for a large office behind one
// address signing in at nine.
const (
	beginWindow = 15 * time.Minute
	beginLimit  = 300
)

// Messages shown to the person.
const (
	msgExpired      = "This sign-in has expired or was already used. Go back to the sign-in page and start again."
	msgBinding      = "This sign-in was started in another browser, or your browser did not keep its cookie. Start again from the sign-in page in this browser."
	msgNoResponse   = "The identity provider's answer was empty. Go back to the sign-in page and start again."
	msgUnsolicited  = "Sign-in must start here. Go to the sign-in page and choose \"Sign in with %s\"."
	msgTooMany      = "Too many sign-in attempts from your network. Wait a few minutes and try again."
	msgUnknownIdP   = "There is no such identity provider here. Go back to the sign-in page and choose one of its buttons."
	msgWrongProcess = "This answer belongs to another identity provider's sign-in. Go back to the sign-in page and start again."
)

// Options configure a Service.
type Options struct {
	Flows     sso.FlowStore
	Limits    sso.LimitStore
	Directory *directory.Service
	Digester  *sso.Digester
	// Audit records refused sign-ins (a successful one is recorded with its
	// browser session, identity.StartSession); nil records nothing.
	Audit  *audit.Recorder
	Logger *slog.Logger
	Now    func() time.Time
}

// Service runs sign-ins through the configured providers. It is safe for
// concurrent use, and keeps no state of its own between requests.
type Service struct {
	byID   map[string]*Provider
	order  []*Provider
	flows  sso.FlowStore
	limits sso.LimitStore
	dir    *directory.Service
	d      *sso.Digester
	rec    *audit.Recorder
	log    *slog.Logger
	now    func() time.Time
}

// New returns a Service over providers, in the order their buttons show.
func New(providers []Provider, opts Options) (*Service, error) {
	s := &Service{byID: map[string]*Provider{}, flows: opts.Flows, limits: opts.Limits, dir: opts.Directory,
		d: opts.Digester, rec: opts.Audit, log: opts.Logger, now: opts.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	for i := range providers {
		p := providers[i]
		if err := CheckID(p.ID); err != nil {
			return nil, err
		}
		if s.byID[p.ID] != nil {
			return nil, fmt.Errorf("identity provider id %q is configured twice", p.ID)
		}
		if p.Name == "" || p.Connector == nil {
			return nil, fmt.Errorf("identity provider %q needs a name and a connector", p.ID)
		}
		s.byID[p.ID] = &p
		s.order = append(s.order, &p)
	}
	return s, nil
}

// Info names a provider for the sign-in page.
type Info struct {
	ID, Name, Kind string
}

// Providers lists the providers in their configured order.
func (s *Service) Providers() []Info {
	out := make([]Info, 0, len(s.order))
	for _, p := range s.order {
		out = append(out, Info{ID: p.ID, Name: p.Name, Kind: p.Connector.Kind()})
	}
	return out
}

// Result is a person signed in through a provider.
type Result struct {
	User   sso.User
	Next   string // the local path the sign-in returns to ("" when it named none)
	Method string // "oidc:ID" or "saml:ID"
}

// pending is a sign-in between the redirect out and the return.
type pending struct {
	Provider  string `json:"p"`
	Next      string `json:"n,omitempty"`
	Binding   []byte `json:"b,omitempty"` // digest of the browser's binding cookie; empty for IdP-initiated
	RequestID string `json:"r,omitempty"` // the SAML AuthnRequest's ID
}

// verified is a SAML answer verified at the assertion consumer service,
// waiting for the browser's next request, which carries its cookie.
type verified struct {
	pending
	Identity Identity `json:"i"`
}

func (s *Service) provider(id string) (*Provider, error) {
	if p := s.byID[id]; p != nil {
		return p, nil
	}
	return nil, refuseCode(sso.CodeResourceNotFound, "unknown_provider", msgUnknownIdP, fmt.Errorf("no provider %q", id))
}

// request returns the secrets of the sign-in whose state is state.
func (s *Service) request(state string) Request {
	return Request{State: state, Nonce: s.d.Derive(deriveNonce, state), Verifier: s.d.Derive(deriveVerify, state)}
}

// context returns ctx naming the client address for the audit trail.
func (s *Service) context(ctx context.Context, addr string) context.Context {
	return sso.WithAddress(ctx, sso.AddressBucket(addr))
}

// Begin starts a sign-in through provider id for the browser whose binding
// cookie is binding (a random secret the browser keeps), to return to next
// (a local path the caller validated). It returns where to send the
// browser.
func (s *Service) Begin(ctx context.Context, id, next, binding, addr string) (string, error) {
	p, err := s.provider(id)
	if err != nil {
		return "", err
	}
	if binding == "" {
		return "", errors.New("upstream: Begin without a binding cookie")
	}
	now := s.now()
	n, err := s.limits.Hit(ctx, "upstream-begin:"+sso.AddressBucket(addr), beginWindow, now)
	if err != nil {
		return "", fmt.Errorf("upstream: counting sign-in starts: %w", err)
	}
	if n > beginLimit {
		if n == beginLimit+1 {
			s.log.WarnContext(ctx, "upstream sign-in starts throttled", slog.String("client_addr", sso.AddressBucket(addr)),
				slog.Int("limit", beginLimit), slog.Duration("window", beginWindow))
		}
		return "", refuseCode(sso.CodeTooManyRequests, "throttled", msgTooMany, nil)
	}
	state := sso.RandomSecret()
	pd := pending{Provider: id, Next: next, Binding: s.d.Digest(kindBinding, binding)}
	var redirect string
	switch c := p.Connector.(type) {
	case CallbackConnector:
		redirect, err = c.LoginURL(ctx, s.request(state))
	case SAMLConnector:
		redirect, pd.RequestID, err = c.AuthnRequest(ctx, state)
	default:
		err = fmt.Errorf("upstream: provider %q has a connector of unknown kind %T", id, p.Connector)
	}
	if err != nil {
		return "", err
	}
	if err := s.store(ctx, kindState, state, pd, now.Add(PendingTTL)); err != nil {
		return "", err
	}
	return redirect, nil
}

// Callback finishes an OpenID Connect sign-in through provider id: query
// is the redirect back's, binding the browser's binding cookie ("" when it
// has none).
func (s *Service) Callback(ctx context.Context, id string, query url.Values, binding, addr string) (Result, error) {
	ctx = s.context(ctx, addr)
	p, err := s.provider(id)
	if err != nil {
		return Result{}, err
	}
	c, ok := p.Connector.(CallbackConnector)
	if !ok {
		return Result{}, refuseCode(sso.CodeResourceNotFound, "unknown_provider", msgUnknownIdP, fmt.Errorf("provider %q is not OpenID Connect", id))
	}
	state := query.Get("state")
	var pd pending
	if err := s.take(ctx, kindState, state, &pd); err != nil {
		return Result{}, s.refused(ctx, p, err, "")
	}
	if err := s.match(p, pd, binding, true); err != nil {
		return Result{}, s.refused(ctx, p, err, "")
	}
	idn, err := c.HandleCallback(ctx, s.request(state), query)
	if err != nil {
		return Result{}, s.refused(ctx, p, err, "")
	}
	return s.signIn(ctx, p, idn, pd.Next)
}

// POST verifies a SAML answer posted to provider id's assertion consumer
// service and returns the secret of the step that finishes it (Finish),
// in the browser's next request: the cross-site POST carries no SameSite
// cookie, the redirect that follows it does.
func (s *Service) POST(ctx context.Context, id string, form url.Values, addr string) (string, error) {
	ctx = s.context(ctx, addr)
	p, err := s.provider(id)
	if err != nil {
		return "", err
	}
	c, ok := p.Connector.(SAMLConnector)
	if !ok {
		return "", refuseCode(sso.CodeResourceNotFound, "unknown_provider", msgUnknownIdP, fmt.Errorf("provider %q is not SAML", id))
	}
	response := form.Get("SAMLResponse")
	if response == "" {
		return "", s.refused(ctx, p, refuseCode(sso.CodeInvalidRequest, "no_response", msgNoResponse, nil), "")
	}
	var pd pending
	switch relay := form.Get("RelayState"); {
	case sso.PlausibleSecret(relay):
		if err := s.take(ctx, kindState, relay, &pd); err != nil {
			return "", s.refused(ctx, p, err, "")
		}
		if pd.Provider != p.ID {
			return "", s.refused(ctx, p, Refuse("provider_mismatch", msgWrongProcess, fmt.Errorf("the flow is provider %q's", pd.Provider)), "")
		}
	case c.IDPInitiated():
		// Unsolicited (saml-profiles 4.1.5): no request to answer, no
		// browser binding; the RelayState, if any, is the IdP's and is not
		// followed.
		pd = pending{Provider: p.ID}
	default:
		return "", s.refused(ctx, p, Refuse("unsolicited", fmt.Sprintf(msgUnsolicited, p.Name), errors.New("a response without a RelayState of ours, and IdP-initiated sign-in is off")), "")
	}
	idn, err := c.HandlePOST(ctx, response, pd.RequestID, replayCache{s})
	if err != nil {
		return "", s.refused(ctx, p, err, "")
	}
	secret := sso.RandomSecret()
	if err := s.store(ctx, kindDone, secret, verified{pending: pd, Identity: idn}, s.now().Add(doneTTL)); err != nil {
		return "", err
	}
	return secret, nil
}

// Finish finishes a SAML sign-in verified by POST: secret is what POST
// returned, binding the browser's binding cookie.
func (s *Service) Finish(ctx context.Context, id, secret, binding, addr string) (Result, error) {
	ctx = s.context(ctx, addr)
	p, err := s.provider(id)
	if err != nil {
		return Result{}, err
	}
	var v verified
	if err := s.take(ctx, kindDone, secret, &v); err != nil {
		return Result{}, s.refused(ctx, p, err, "")
	}
	// An IdP-initiated answer has no browser to match (which is why it is
	// off by default); one we asked for must come back to our browser.
	if err := s.match(p, v.pending, binding, len(v.Binding) > 0); err != nil {
		return Result{}, s.refused(ctx, p, err, v.Identity.UserName)
	}
	return s.signIn(ctx, p, v.Identity, v.Next)
}

// Metadata returns the SAML service provider metadata of provider id.
func (s *Service) Metadata(ctx context.Context, id string) ([]byte, error) {
	p, err := s.provider(id)
	if err != nil {
		return nil, err
	}
	c, ok := p.Connector.(SAMLConnector)
	if !ok {
		return nil, refuseCode(sso.CodeResourceNotFound, "unknown_provider", msgUnknownIdP, fmt.Errorf("provider %q is not SAML", id))
	}
	return c.Metadata(ctx)
}

// match checks that a pending sign-in is provider p's and, with bound,
// was started by this browser (RFC 9700 section 4.7.1: the state is bound
// to the user agent, so an attacker cannot make a victim's browser finish
// a sign-in the attacker started).
func (s *Service) match(p *Provider, pd pending, binding string, bound bool) error {
	if pd.Provider != p.ID {
		return Refuse("provider_mismatch", msgWrongProcess, fmt.Errorf("the flow is provider %q's", pd.Provider))
	}
	if !bound {
		return nil
	}
	if binding == "" || !sso.Equal(pd.Binding, s.d.Digest(kindBinding, binding)) {
		return Refuse("binding_mismatch", msgBinding, errors.New("the browser's binding cookie is missing or is not the one the sign-in started with"))
	}
	return nil
}

// store keeps v as a flow of kind under the digest of secret.
func (s *Service) store(ctx context.Context, kind, secret string, v any, expires time.Time) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f := sso.Flow{Digest: s.d.Digest(kind, secret), Kind: kind, Data: data, CreatedAt: s.now(), ExpiresAt: expires}
	if err := s.flows.CreateFlow(ctx, f); err != nil {
		return fmt.Errorf("upstream: storing the sign-in: %w", err)
	}
	return nil
}

// take consumes the flow of kind under the digest of secret into v. An
// unknown, used or expired one is a refusal (CodeExpiredToken).
func (s *Service) take(ctx context.Context, kind, secret string, v any) error {
	if !sso.PlausibleSecret(secret) {
		return refuseCode(sso.CodeExpiredToken, "state_unknown", msgExpired, errors.New("no state, or not one of ours"))
	}
	f, err := s.flows.TakeFlow(ctx, s.d.Digest(kind, secret), kind)
	if errors.Is(err, sso.ErrNotFound) {
		return refuseCode(sso.CodeExpiredToken, "state_unknown", msgExpired, errors.New("no pending sign-in has this state (expired, used, or never started)"))
	}
	if err != nil {
		return fmt.Errorf("upstream: reading the sign-in: %w", err)
	}
	if !s.now().Before(f.ExpiresAt) {
		return refuseCode(sso.CodeExpiredToken, "state_expired", msgExpired, fmt.Errorf("the sign-in expired at %s", f.ExpiresAt.UTC().Format(time.RFC3339)))
	}
	if err := json.Unmarshal(f.Data, v); err != nil {
		return fmt.Errorf("upstream: reading the sign-in: %w", err)
	}
	return nil
}

// signIn provisions the person idn names and logs the sign-in.
func (s *Service) signIn(ctx context.Context, p *Provider, idn Identity, next string) (Result, error) {
	u, err := s.provision(sso.WithActor(ctx, sso.Actor{Type: sso.ActorSystem, ID: Source(p.ID)}), p, idn)
	if err != nil {
		return Result{}, s.refused(ctx, p, err, idn.UserName)
	}
	// The sign-in's audit event is written with the browser session the
	// pages start for it (identity.StartSession, with Result.Method).
	s.log.InfoContext(ctx, "signed in", slog.String("user", u.Name), slog.String("method", p.method()),
		slog.String("client_addr", sso.AddressFrom(ctx)))
	return Result{User: u, Next: next, Method: p.method()}, nil
}

// refused logs a refused sign-in at warn with its reason and records it in
// the audit trail, and returns err. Internal errors are left to the
// caller's one error log.
func (s *Service) refused(ctx context.Context, p *Provider, err error, user string) error {
	if sso.CodeOf(err) == sso.CodeInternal {
		return err
	}
	reason := reasonOf(err)
	attrs := []any{slog.String("provider", p.ID), slog.String("method", p.method()), slog.String("reason", reason),
		slog.String("client_addr", sso.AddressFrom(ctx))}
	if user != "" {
		attrs = append(attrs, slog.String("user", user))
	}
	var se *sso.Error
	if errors.As(err, &se) && se.Err != nil {
		attrs = append(attrs, slog.String("error", se.Err.Error()))
	}
	s.log.WarnContext(ctx, "upstream sign-in refused", attrs...)
	var target sso.Target
	if user != "" {
		target = sso.Target{Type: audit.TargetUser, Name: user, User: user}
	}
	// The person signing in acts, as far as the provider said who: not
	// whoever the browser was signed in as before.
	ctx = sso.WithActor(ctx, sso.Actor{Type: sso.ActorUser, Name: user})
	s.rec.Append(ctx, s.rec.Event(ctx, audit.SignInFailed, target, "method", p.method(), "reason", reason))
	return err
}

// replayCache keeps consumed identifiers as flows: a second CreateFlow of
// one digest is a conflict, on every node alike.
type replayCache struct{ s *Service }

func (r replayCache) Consume(ctx context.Context, id string, expiresAt time.Time) error {
	now := r.s.now()
	if !expiresAt.After(now) {
		expiresAt = now.Add(time.Minute)
	}
	f := sso.Flow{Digest: r.s.d.Digest(kindAssertion, id), Kind: kindAssertion, Data: []byte("{}"), CreatedAt: now, ExpiresAt: expiresAt}
	err := r.s.flows.CreateFlow(ctx, f)
	if errors.Is(err, sso.ErrConflict) {
		return ErrReplayed
	}
	return err
}
