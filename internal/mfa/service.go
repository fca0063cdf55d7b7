package mfa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Flow kinds and digest kinds of the second factor's journeys.
const (
	kindPending  = "mfa_pending"  // a sign-in waiting for its second factor, under its cookie
	kindTOTPUsed = "totp_used"    // an accepted TOTP time step of a person (replay cache)
	kindEnrol    = "totp_enrol"   // a TOTP secret shown, waiting for its first code
	kindWebAuthn = "webauthn"     // a WebAuthn challenge (session data)
	kindRecovery = "mfa_recovery" // digests of recovery codes
)

// Lifetimes.
const (
	// PendingTTL is how long a sign-in waits for its second factor (or an
	// enrolment): time to find a phone or a key, or to set an app up.
	PendingTTL = 10 * time.Minute
	// ceremonyTTL is how long a WebAuthn challenge or a TOTP secret shown
	// for enrolment stays valid.
	ceremonyTTL = 10 * time.Minute
)

// Messages shown to the person.
const (
	msgWrongCode      = "That code is not right. Enter the current code from your authenticator app."
	msgCodeShape      = "Enter the six digits your authenticator app shows."
	msgReplay         = "That code was used already. Wait for the next code and enter it."
	msgWrongRecovery  = "That recovery code is not right, or it was used already."
	msgRecoveryShape  = "A recovery code has 16 letters and digits, like ABCD-EFGH-JKMN-PQRS."
	msgExpired        = "This sign-in has expired. Sign in again."
	msgKeyFailed      = "The security key or passkey was not accepted. Try again, or use another way to sign in."
	msgNoTOTP         = "You have no authenticator app set up. Use another way to sign in."
	msgNameTaken      = "You already have a sign-in method with that name. Choose another name."
	msgNameBad        = "Give it a name of 1 to 64 characters."
	msgLastFactor     = "This is your last sign-in method, and this service requires one. Add another before removing this one."
	msgNotFound       = "There is no such sign-in method. Reload the page."
	msgOff            = "Multi-factor authentication is turned off on this service."
	msgEnrolExpired   = "This setup has expired. Start again."
	msgDisabled       = "Your account is disabled. Ask your administrator to enable it."
	msgPasskeyUnknown = "This passkey is not registered here, or it was removed. Sign in with your username and password."
)

// Limiter reserves the sign-in limits of one second-factor check;
// *identity.Service implements it (identity.ReserveFactor).
type Limiter interface {
	ReserveFactor(ctx context.Context, u sso.User, remoteAddr string) (done func(ok bool), err error)
}

// Users finds people: by ID for a pending sign-in, by the user handle of
// a passkey. *directory.Service implements it.
type Users interface {
	GetUser(ctx context.Context, id string) (sso.User, error)
}

// Options configure a Service.
type Options struct {
	Policy  Policy
	Factors sso.FactorStore
	Flows   sso.FlowStore
	Users   Users
	Limiter Limiter
	// Limits counts passkey sign-in starts per client address.
	Limits sso.LimitStore
	// Digester keys the digests of cookies, handles and recovery codes;
	// DigestKey (its key) is what TOTP secrets are sealed under.
	Digester  *sso.Digester
	DigestKey []byte
	// PublicURL is where people reach the pages: its host is the WebAuthn
	// relying party ID, its origin the only origin accepted.
	PublicURL string
	Audit     *audit.Recorder
	Logger    *slog.Logger
	Now       func() time.Time
}

// Service is the second factor. It is safe for concurrent use and keeps no
// state of its own between requests.
type Service struct {
	policy  Policy
	factors sso.FactorStore
	flows   sso.FlowStore
	users   Users
	limiter Limiter
	limits  sso.LimitStore
	d       *sso.Digester
	seal    *sealer
	wa      *webauthn.WebAuthn // nil when the public URL's host cannot be a relying party ID
	rec     *audit.Recorder
	log     *slog.Logger
	now     func() time.Time
}

// New returns a Service.
func New(opts Options) (*Service, error) {
	if err := opts.Policy.Check(); err != nil {
		return nil, err
	}
	seal, err := newSealer(opts.DigestKey)
	if err != nil {
		return nil, err
	}
	s := &Service{policy: opts.Policy, factors: opts.Factors, flows: opts.Flows, users: opts.Users,
		limiter: opts.Limiter, limits: opts.Limits, d: opts.Digester, seal: seal, rec: opts.Audit,
		log: opts.Logger, now: opts.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.wa, err = newWebAuthn(opts.PublicURL, opts.Policy.Issuer); err != nil {
		// An IP address cannot be a relying party ID (WebAuthn section
		// 5.1.4.1 wants a domain): authenticator apps still work.
		// On a loopback address (the development default) that is no
		// surprise worth a warning: --public-url http://localhost:PORT
		// turns them on.
		level := slog.LevelWarn
		if u, perr := url.Parse(opts.PublicURL); perr == nil {
			if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() {
				level = slog.LevelInfo
			}
		}
		s.log.Log(context.Background(), level, "security keys and passkeys are off: the public URL's host cannot be a WebAuthn relying party ID; use a host name (http://localhost:PORT on this machine)",
			slog.String("public_url", opts.PublicURL), slog.String("error", err.Error()))
		s.wa = nil
	}
	return s, nil
}

// Mode returns the policy's mode.
func (s *Service) Mode() Mode { return s.policy.Mode }

// WebAuthn reports whether security keys and passkeys can be used.
func (s *Service) WebAuthn() bool { return s.wa != nil && s.policy.Mode != Off }

// Due says what a person identified by method must still do before their
// sign-in completes: "" (nothing), "verify" (give a second factor) or
// "enrol" (set one up first, under the required mode).
func (s *Service) Due(ctx context.Context, u sso.User, method string) (string, error) {
	switch {
	case s.policy.Mode == Off, method == MethodPasskey:
		// A passkey signs in with user verification: two factors at once.
		return "", nil
	case isUpstream(method) && s.policy.Upstream == Trust:
		return "", nil
	}
	list, err := s.factors.ListFactors(ctx, u.ID)
	if err != nil {
		return "", fmt.Errorf("mfa: list factors: %w", err)
	}
	switch {
	case len(list) > 0:
		return "verify", nil
	case s.policy.Mode == Required:
		return "enrol", nil
	}
	return "", nil
}

// MethodPasskey is the sign-in method of a passkey alone.
const MethodPasskey = "passkey"

func isUpstream(method string) bool {
	return strings.HasPrefix(method, "oidc:") || strings.HasPrefix(method, "saml:")
}

// Pending is a sign-in waiting for its second factor.
type Pending struct {
	User   sso.User
	Method string // the first factor: "password", "oidc:ID", ...
	Next   string // where the sign-in returns to
	Enrol  bool   // the person must enrol a factor first
}

type pendingData struct {
	Method string `json:"m"`
	Next   string `json:"n"`
	Enrol  bool   `json:"e,omitempty"`
}

// Hold keeps a sign-in waiting for its second factor and returns the
// secret the browser keeps (its cookie): the flow is stored under its
// digest, so the next step may land on any node.
func (s *Service) Hold(ctx context.Context, p Pending) (string, error) {
	secret := sso.RandomSecret()
	data, _ := json.Marshal(pendingData{Method: p.Method, Next: p.Next, Enrol: p.Enrol})
	now := s.now()
	err := s.flows.CreateFlow(ctx, sso.Flow{Digest: s.d.Digest(kindPending, secret), Kind: kindPending, UserID: p.User.ID,
		Data: data, CreatedAt: now, ExpiresAt: now.Add(PendingTTL)})
	if err != nil {
		return "", fmt.Errorf("mfa: hold a sign-in: %w", err)
	}
	return secret, nil
}

// Held returns the pending sign-in of secret. One that is unknown,
// expired or whose person is gone or disabled is an *sso.Error with
// CodeExpiredToken.
func (s *Service) Held(ctx context.Context, secret string) (Pending, error) {
	f, err := s.flows.GetFlow(ctx, s.d.Digest(kindPending, secret), kindPending)
	return s.pending(ctx, f, err)
}

// Release takes the pending sign-in of secret, once: of two requests that
// finish one sign-in, one gets it and the other CodeExpiredToken.
func (s *Service) Release(ctx context.Context, secret string) (Pending, error) {
	f, err := s.flows.TakeFlow(ctx, s.d.Digest(kindPending, secret), kindPending)
	return s.pending(ctx, f, err)
}

func (s *Service) pending(ctx context.Context, f sso.Flow, err error) (Pending, error) {
	if errors.Is(err, sso.ErrNotFound) || err == nil && !s.now().Before(f.ExpiresAt) {
		return Pending{}, sso.Errorf(sso.CodeExpiredToken, msgExpired)
	}
	if err != nil {
		return Pending{}, fmt.Errorf("mfa: read a pending sign-in: %w", err)
	}
	var d pendingData
	if err := json.Unmarshal(f.Data, &d); err != nil {
		return Pending{}, fmt.Errorf("mfa: a pending sign-in's data: %w", err)
	}
	u, err := s.users.GetUser(ctx, f.UserID)
	if errors.Is(err, sso.ErrNotFound) || sso.CodeOf(err) == sso.CodeResourceNotFound || err == nil && u.Disabled {
		return Pending{}, sso.Errorf(sso.CodeExpiredToken, msgExpired)
	}
	if err != nil {
		return Pending{}, fmt.Errorf("mfa: the pending sign-in's person: %w", err)
	}
	return Pending{User: u, Method: d.Method, Next: d.Next, Enrol: d.Enrol}, nil
}

// Factors returns the factors of userID and how many recovery codes are
// left.
func (s *Service) Factors(ctx context.Context, userID string) ([]sso.Factor, int, error) {
	list, err := s.factors.ListFactors(ctx, userID)
	if err != nil {
		return nil, 0, fmt.Errorf("mfa: list factors: %w", err)
	}
	n, err := s.factors.CountRecoveryCodes(ctx, userID)
	if err != nil {
		return nil, 0, fmt.Errorf("mfa: count recovery codes: %w", err)
	}
	return list, n, nil
}

// context returns ctx naming the person and address for the audit trail.
func (s *Service) context(ctx context.Context, u sso.User, addr string) context.Context {
	if sso.ActorFrom(ctx).Type == "" {
		ctx = sso.WithActor(ctx, sso.Actor{Type: sso.ActorUser, ID: u.ID, Name: u.Name})
	}
	if addr != "" {
		ctx = sso.WithAddress(ctx, sso.AddressBucket(addr))
	}
	return ctx
}

// factorTarget is the audit target of a factor.
func factorTarget(u sso.User, f sso.Factor) sso.Target {
	return sso.Target{Type: audit.TargetFactor, ID: f.ID, Name: f.Name, User: u.Name}
}

// refuse records a refused second factor and returns err.
func (s *Service) refuse(ctx context.Context, u sso.User, kind, reason string, err error) error {
	s.rec.Append(ctx, s.rec.Event(ctx, audit.MFAFailed, audit.UserTarget(u), "factor", kind, "reason", reason))
	s.log.InfoContext(ctx, "second factor refused", slog.String("user", u.Name), slog.String("factor", kind),
		slog.String("reason", reason), slog.String("client_addr", sso.AddressFrom(ctx)))
	return err
}

// verified records an accepted second factor.
func (s *Service) verified(ctx context.Context, u sso.User, kind string) {
	s.rec.Append(ctx, s.rec.Event(ctx, audit.MFAVerified, audit.UserTarget(u), "factor", kind))
}

// checkName returns a factor name cleaned of surrounding space, or a
// refusal.
func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 64 || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "", sso.Errorf(sso.CodeInvalidRequest, msgNameBad)
	}
	return name, nil
}
