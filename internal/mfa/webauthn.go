package mfa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// WebAuthn ceremonies through github.com/go-webauthn/webauthn: the
// library builds the options and verifies the answers (challenge, origin,
// relying party ID hash, flags, signature, counter); this file keeps their
// state in the store and the credentials as factors. Each ceremony's
// session data waits in a flow under the digest of a handle the page
// holds, and is taken once.

// Passkey sign-in starts per client address: each stores a challenge, so
// they are bounded as upstream sign-in starts are.
const (
	passkeyWindow = 15 * time.Minute
	passkeyLimit  = 300
)

// maxResponse bounds an authenticator's answer: a few hundred bytes, up
// to some KiB with an attestation certificate chain.
const maxResponse = 64 << 10

// newWebAuthn configures the relying party: its ID is the public URL's
// host, its one origin the public URL's origin.
func newWebAuthn(publicURL, name string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("public URL %q has no host", publicURL)
	}
	if net.ParseIP(u.Hostname()) != nil {
		return nil, fmt.Errorf("host %s is an IP address", u.Hostname())
	}
	return webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: name,
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationPreferred,
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: 5 * time.Minute, TimeoutUVD: 5 * time.Minute},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: 5 * time.Minute, TimeoutUVD: 5 * time.Minute},
		},
	})
}

// waUser is a person as the library sees them: the user handle is the
// user's ID (a random UUID, no personal data, WebAuthn section 14.6.1).
type waUser struct {
	u     sso.User
	creds []webauthn.Credential
	ids   map[string]string // credential ID -> factor ID
}

func (w *waUser) WebAuthnID() []byte                         { return []byte(w.u.ID) }
func (w *waUser) WebAuthnName() string                       { return w.u.Name }
func (w *waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }
func (w *waUser) WebAuthnDisplayName() string {
	if w.u.DisplayName != "" {
		return w.u.DisplayName
	}
	return w.u.Name
}

// loadUser returns u with their WebAuthn credentials.
func (s *Service) loadUser(ctx context.Context, u sso.User) (*waUser, error) {
	list, err := s.factors.ListFactors(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("mfa: list factors: %w", err)
	}
	w := &waUser{u: u, ids: map[string]string{}}
	for _, f := range list {
		if f.Kind != sso.FactorWebAuthn {
			continue
		}
		var c webauthn.Credential
		if len(f.Data) > 0 {
			if err := json.Unmarshal(f.Data, &c); err != nil {
				return nil, fmt.Errorf("mfa: credential %s of %s: %w", f.ID, u.Name, err)
			}
		}
		// The columns are the truth for what the store keeps apart.
		c.ID, c.PublicKey, c.Authenticator.SignCount = f.CredentialID, f.PublicKey, f.SignCount
		c.Transport = c.Transport[:0]
		for _, t := range f.Transports {
			c.Transport = append(c.Transport, protocol.AuthenticatorTransport(t))
		}
		w.creds = append(w.creds, c)
		w.ids[string(f.CredentialID)] = f.ID
	}
	return w, nil
}

// ceremony is the state of one WebAuthn ceremony between its two steps.
type ceremony struct {
	Purpose string               `json:"p"` // register, login, passkey
	Session webauthn.SessionData `json:"s"`
}

const (
	purposeRegister = "register"
	purposeLogin    = "login"
	purposePasskey  = "passkey"
)

// keep stores a ceremony's session data and returns its handle.
func (s *Service) keep(ctx context.Context, userID, purpose string, sd *webauthn.SessionData) (string, error) {
	data, err := json.Marshal(ceremony{Purpose: purpose, Session: *sd})
	if err != nil {
		return "", err
	}
	handle := sso.RandomSecret()
	now := s.now()
	err = s.flows.CreateFlow(ctx, sso.Flow{Digest: s.d.Digest(kindWebAuthn, handle), Kind: kindWebAuthn, UserID: userID,
		Data: data, CreatedAt: now, ExpiresAt: now.Add(ceremonyTTL)})
	if err != nil {
		return "", fmt.Errorf("mfa: keep a WebAuthn challenge: %w", err)
	}
	return handle, nil
}

// take takes the ceremony of handle, once. It must be of purpose and of
// userID ("" for a passkey sign-in, which has no person yet).
func (s *Service) take(ctx context.Context, handle, userID, purpose string) (webauthn.SessionData, error) {
	expired := sso.Errorf(sso.CodeExpiredToken, msgKeyFailed)
	if handle == "" {
		return webauthn.SessionData{}, expired
	}
	f, err := s.flows.TakeFlow(ctx, s.d.Digest(kindWebAuthn, handle), kindWebAuthn)
	if errors.Is(err, sso.ErrNotFound) {
		return webauthn.SessionData{}, expired
	}
	if err != nil {
		return webauthn.SessionData{}, fmt.Errorf("mfa: take a WebAuthn challenge: %w", err)
	}
	var c ceremony
	if err := json.Unmarshal(f.Data, &c); err != nil {
		return webauthn.SessionData{}, fmt.Errorf("mfa: a WebAuthn challenge's data: %w", err)
	}
	if c.Purpose != purpose || f.UserID != userID || !s.now().Before(f.ExpiresAt) {
		return webauthn.SessionData{}, expired
	}
	return c.Session, nil
}

func (s *Service) needWebAuthn() error {
	if !s.WebAuthn() {
		return sso.Errorf(sso.CodeInvalidRequest, "Security keys and passkeys are not available on this service.")
	}
	return nil
}

// BeginRegistration starts registering a security key or passkey for u.
// It returns the ceremony's handle and the options for
// navigator.credentials.create (JSON, {"publicKey": ...}).
func (s *Service) BeginRegistration(ctx context.Context, u sso.User) (string, []byte, error) {
	if err := s.needWebAuthn(); err != nil {
		return "", nil, err
	}
	w, err := s.loadUser(ctx, u)
	if err != nil {
		return "", nil, err
	}
	// A passkey if the authenticator can make one (ResidentKeyPreferred),
	// never the same authenticator twice, and credProps to learn which.
	creation, sd, err := s.wa.BeginRegistration(w,
		webauthn.WithExclusions(webauthn.Credentials(w.creds).CredentialDescriptors()),
		webauthn.WithExtensions(webauthn.WithExtensionCredProps()))
	if err != nil {
		return "", nil, fmt.Errorf("mfa: begin a registration: %w", err)
	}
	handle, err := s.keep(ctx, u.ID, purposeRegister, sd)
	if err != nil {
		return "", nil, err
	}
	opts, err := json.Marshal(creation)
	return handle, opts, err
}

// FinishRegistration verifies the authenticator's answer to the ceremony
// of handle and stores the credential as u's factor named name. It returns
// new recovery codes when this is u's first factor. Errors are
// *sso.Error: CodeAccessDenied (refused answer), CodeExpiredToken,
// CodeInvalidRequest (name), CodeConflict (name taken, or the credential
// is registered already).
func (s *Service) FinishRegistration(ctx context.Context, u sso.User, handle, name string, response []byte) ([]string, error) {
	ctx = s.context(ctx, u, "")
	name, err := checkName(name)
	if err != nil {
		return nil, err
	}
	sd, err := s.take(ctx, handle, u.ID, purposeRegister)
	if err != nil {
		return nil, err
	}
	w, err := s.loadUser(ctx, u)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(bounded(response))
	var cred *webauthn.Credential
	if err == nil {
		cred, err = s.wa.CreateCredential(w, sd, parsed)
	}
	if err != nil {
		return nil, s.refuse(ctx, u, sso.FactorWebAuthn, "registration_refused: "+protocolReason(err),
			sso.Errorf(sso.CodeAccessDenied, msgKeyFailed))
	}
	data, err := json.Marshal(cred)
	if err != nil {
		return nil, err
	}
	f := sso.Factor{ID: sso.RandomID(), UserID: u.ID, Kind: sso.FactorWebAuthn, Name: name,
		CredentialID: cred.ID, PublicKey: cred.PublicKey, SignCount: cred.Authenticator.SignCount,
		Discoverable: cred.Extensions.RK != nil && *cred.Extensions.RK, Data: data, CreatedAt: s.now()}
	for _, t := range cred.Transport {
		f.Transports = append(f.Transports, string(t))
	}
	return s.add(ctx, u, f)
}

// BeginLogin starts the second factor of u's sign-in with one of their
// security keys or passkeys; see BeginRegistration for what it returns.
func (s *Service) BeginLogin(ctx context.Context, u sso.User) (string, []byte, error) {
	if err := s.needWebAuthn(); err != nil {
		return "", nil, err
	}
	w, err := s.loadUser(ctx, u)
	if err != nil {
		return "", nil, err
	}
	if len(w.creds) == 0 {
		return "", nil, sso.Errorf(sso.CodeInvalidRequest, "You have no security key or passkey. Use another way to sign in.")
	}
	assertion, sd, err := s.wa.BeginLogin(w)
	if err != nil {
		return "", nil, fmt.Errorf("mfa: begin a login: %w", err)
	}
	handle, err := s.keep(ctx, u.ID, purposeLogin, sd)
	if err != nil {
		return "", nil, err
	}
	opts, err := json.Marshal(assertion)
	return handle, opts, err
}

// FinishLogin verifies u's security key or passkey answer to the
// ceremony of handle, under u's sign-in limits. A credential that was
// removed, or one whose signature counter went back (a cloned
// authenticator, WebAuthn section 6.1.1), is refused. Errors as
// VerifyTOTP's, and CodeExpiredToken.
func (s *Service) FinishLogin(ctx context.Context, u sso.User, handle string, response []byte, addr string) error {
	ctx = s.context(ctx, u, addr)
	sd, err := s.take(ctx, handle, u.ID, purposeLogin)
	if err != nil {
		return err
	}
	done, err := s.limiter.ReserveFactor(ctx, u, addr)
	if err != nil {
		if sso.CodeOf(err) == sso.CodeTooManyRequests {
			return s.refuse(ctx, u, sso.FactorWebAuthn, "throttled", err)
		}
		return err
	}
	accepted := false
	defer func() { done(accepted) }()
	w, err := s.loadUser(ctx, u)
	if err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(bounded(response))
	var cred *webauthn.Credential
	if err == nil {
		cred, err = s.wa.ValidateLogin(w, sd, parsed)
	}
	if err != nil {
		return s.refuse(ctx, u, sso.FactorWebAuthn, "assertion_refused: "+protocolReason(err), sso.Errorf(sso.CodeAccessDenied, msgKeyFailed))
	}
	if err := s.counted(ctx, w, cred); err != nil {
		return err
	}
	accepted = true
	s.verified(ctx, u, sso.FactorWebAuthn)
	return nil
}

// counted refuses a cloned authenticator and stores the new signature
// counter of a verified credential.
func (s *Service) counted(ctx context.Context, w *waUser, cred *webauthn.Credential) error {
	if cred.Authenticator.CloneWarning {
		return s.refuse(ctx, w.u, sso.FactorWebAuthn, "counter_went_back", sso.Errorf(sso.CodeAccessDenied, msgKeyFailed))
	}
	id := w.ids[string(cred.ID)]
	_, err := s.factors.UpdateFactor(sso.WithoutEvents(ctx), w.u.ID, id, func(f sso.Factor) (sso.Factor, error) {
		if !bytes.Equal(f.CredentialID, cred.ID) {
			return f, sso.ErrNotFound
		}
		f.SignCount, f.LastUsedAt = cred.Authenticator.SignCount, s.now()
		return f, nil
	})
	if errors.Is(err, sso.ErrNotFound) {
		// Removed between the check and now.
		return s.refuse(ctx, w.u, sso.FactorWebAuthn, "removed", sso.Errorf(sso.CodeAccessDenied, msgKeyFailed))
	}
	if err != nil {
		return fmt.Errorf("mfa: store a signature counter: %w", err)
	}
	return nil
}

// BeginPasskey starts a sign-in with a passkey alone (a discoverable
// credential: no name typed) from addr. User verification is required:
// the passkey is both factors.
func (s *Service) BeginPasskey(ctx context.Context, addr string) (string, []byte, error) {
	if err := s.needWebAuthn(); err != nil {
		return "", nil, err
	}
	key := "passkey-begin:" + sso.AddressBucket(addr)
	n, err := s.limits.Hit(ctx, key, passkeyWindow, s.now())
	if err != nil {
		return "", nil, fmt.Errorf("mfa: count passkey sign-ins: %w", err)
	}
	if n > passkeyLimit {
		return "", nil, &sso.Error{Code: sso.CodeTooManyRequests, RetryAfter: passkeyWindow,
			Message: "Too many sign-in attempts from your network. Wait a few minutes and try again."}
	}
	assertion, sd, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return "", nil, fmt.Errorf("mfa: begin a passkey sign-in: %w", err)
	}
	handle, err := s.keep(ctx, "", purposePasskey, sd)
	if err != nil {
		return "", nil, err
	}
	opts, err := json.Marshal(assertion)
	return handle, opts, err
}

// FinishPasskey verifies a passkey's answer to the ceremony of handle and
// returns the person it signs in. Its user handle must name the
// credential's owner; a removed credential, a disabled person and a
// counter that went back are refused (CodeAccessDenied).
func (s *Service) FinishPasskey(ctx context.Context, handle string, response []byte, addr string) (sso.User, error) {
	ctx = sso.WithAddress(ctx, sso.AddressBucket(addr))
	sd, err := s.take(ctx, handle, "", purposePasskey)
	if err != nil {
		return sso.User{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(bounded(response))
	if err != nil {
		return sso.User{}, s.passkeyRefused(ctx, sso.User{}, "unreadable")
	}
	var who *waUser
	found := func(rawID, userHandle []byte) (webauthn.User, error) {
		f, err := s.factors.GetFactorByCredential(ctx, rawID)
		if err != nil {
			return nil, err
		}
		if f.UserID != string(userHandle) {
			return nil, errors.New("the user handle is not the credential's owner")
		}
		u, err := s.users.GetUser(ctx, f.UserID)
		if err != nil {
			return nil, err
		}
		who, err = s.loadUser(ctx, u)
		return who, err
	}
	_, cred, err := s.wa.ValidatePasskeyLogin(found, sd, parsed)
	if err != nil {
		var u sso.User
		if who != nil {
			u = who.u
		}
		s.log.InfoContext(ctx, "passkey refused", slog.String("reason", protocolReason(err)))
		return sso.User{}, s.passkeyRefused(ctx, u, "assertion_refused")
	}
	u := who.u
	ctx = s.context(ctx, u, addr)
	if u.Disabled {
		s.rec.Append(ctx, s.rec.Event(ctx, audit.SignInFailed, audit.UserTarget(u), "method", MethodPasskey, "reason", "disabled"))
		return sso.User{}, sso.Errorf(sso.CodeAccessDenied, msgDisabled)
	}
	if err := s.counted(ctx, who, cred); err != nil {
		return sso.User{}, err
	}
	s.rec.Append(ctx, s.rec.Event(ctx, audit.SignInSucceeded, audit.UserTarget(u), "method", MethodPasskey))
	s.log.InfoContext(ctx, "signed in", slog.String("user", u.Name), slog.String("method", MethodPasskey),
		slog.String("client_addr", sso.AddressBucket(addr)))
	return u, nil
}

func (s *Service) passkeyRefused(ctx context.Context, u sso.User, reason string) error {
	target := sso.Target{Type: audit.TargetUser}
	if u.ID != "" {
		target = audit.UserTarget(u)
	}
	s.rec.Append(ctx, s.rec.Event(ctx, audit.SignInFailed, target, "method", MethodPasskey, "reason", reason))
	return sso.Errorf(sso.CodeAccessDenied, msgPasskeyUnknown)
}

// bounded cuts an answer at maxResponse: a longer one fails to parse.
func bounded(b []byte) []byte {
	if len(b) > maxResponse {
		return b[:maxResponse]
	}
	return b
}

// protocolReason is a short, bounded reason of the library's refusal for
// the log and the audit trail (never the answer itself).
func protocolReason(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		r := pe.Type
		if pe.Details != "" {
			r += ": " + pe.Details
		}
		if len(r) > 200 {
			r = r[:200]
		}
		return r
	}
	r := err.Error()
	if len(r) > 200 {
		r = r[:200]
	}
	return r
}
