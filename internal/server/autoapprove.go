package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"

	"github.com/ssooidc/ssooidc/internal/httpapi"
	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// Auto-approve (Config.AutoApprove) is for tests and CI on one machine: it
// approves every device authorization as it is created and answers every
// GET /authorize with a code, as one configured person, so that "aws sso
// login" finishes with no browser and no one at the pages. Each approval
// is a real decision of the same services, audited with the actor
// autoApproveActor and logged at warn. It is refused on a listener that
// is not loopback (Serve), and the command line allows it only with --dev.

// autoApproveActor is who makes the decisions of auto-approve in the
// audit trail.
var autoApproveActor = sso.Actor{Type: sso.ActorAdmin, ID: "auto-approve"}

// autoApprover makes the decisions of auto-approve as one person.
type autoApprover struct {
	d    *decisions
	name string
	log  *slog.Logger
}

// autoApproval returns what serves StartDeviceAuthorization and what
// wraps the server's handler: with cfg.AutoApprove, the auto-approving
// ones; otherwise dev itself and no wrapping.
func autoApproval(cfg Config, d *decisions, dev httpapi.DeviceStarter, log *slog.Logger) (httpapi.DeviceStarter, func(http.Handler) http.Handler) {
	if cfg.AutoApprove == "" {
		return dev, func(h http.Handler) http.Handler { return h }
	}
	a := &autoApprover{d: d, name: cfg.AutoApprove, log: log}
	return autoStarter{next: dev, a: a}, a.authorizeHandler
}

func (a *autoApprover) context(ctx context.Context) context.Context {
	return sso.WithActor(ctx, autoApproveActor)
}

// autoStarter is StartDeviceAuthorization that approves each new
// authorization before answering, so the client's first poll gets its
// tokens.
type autoStarter struct {
	next httpapi.DeviceStarter
	a    *autoApprover
}

func (s autoStarter) Start(ctx context.Context, req wire.StartDeviceAuthorizationRequest) (wire.StartDeviceAuthorizationResponse, error) {
	resp, err := s.next.Start(ctx, req)
	if err != nil {
		return resp, err
	}
	ctx = s.a.context(ctx)
	u, err := s.a.d.user(ctx, s.a.name)
	var dec DeviceDecision
	if err == nil {
		dec, err = s.a.d.device(ctx, resp.UserCode, u, true)
	}
	if err != nil {
		// Nobody else would approve it: fail now rather than let the client
		// poll until the code expires. The operator's log line has the
		// cause; the client gets InternalServerException.
		return wire.StartDeviceAuthorizationResponse{}, &sso.Error{Code: sso.CodeInternal,
			Message: "auto-approve could not approve the device authorization", Err: fmt.Errorf("as %q: %w", s.a.name, err)}
	}
	s.a.log.WarnContext(ctx, "auto-approved a device authorization", slog.String("user", s.a.name),
		slog.String("client_id", dec.ClientID), slog.String("client_name", dec.ClientName))
	return resp, nil
}

// authorizeHandler answers GET /authorize with a redirect carrying a code,
// approved as the configured person, with no sign-in and no consent page.
// A request that cannot be redirected back to its client (unknown client,
// unregistered redirect URI) goes on to the page, which says why, as it
// does without auto-approve. Every other request goes to next.
func (a *autoApprover) authorizeHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/authorize" {
			next.ServeHTTP(w, r)
			return
		}
		ctx := a.context(r.Context())
		u, err := a.d.user(ctx, a.name)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		redirect, decided, err := a.d.authorize(ctx, r.URL.Query(), u, true)
		if redirect != "" {
			if decided {
				a.log.WarnContext(ctx, "auto-approved an authorization request", slog.String("user", a.name),
					slog.String("client_id", r.URL.Query().Get("client_id")))
			}
			http.Redirect(w, r, redirect, http.StatusFound)
			return
		}
		var se *sso.Error
		if errors.As(err, &se) && se.Code != sso.CodeInternal {
			next.ServeHTTP(w, r)
			return
		}
		a.fail(w, r, err)
	})
}

// fail answers a request auto-approve could not approve: 403 with the
// reason when the configured person cannot approve (gone, disabled), 500
// when the store failed; internal causes stay in the log.
func (a *autoApprover) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "auto-approve could not approve this request; the server's log says why"
	var se *sso.Error
	if errors.As(err, &se) && se.Code != sso.CodeInternal {
		status, msg = http.StatusForbidden, "auto-approve could not approve this request: "+se.Message
	}
	a.log.ErrorContext(r.Context(), "auto-approve failed", slog.String("user", a.name), slog.String("error", err.Error()))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, msg)
}

// ensureUser creates the auto-approve person when no user has the name:
// with a random password nobody knows (one can be set with "ssooidc admin
// user passwd"), since nobody needs to sign in as them. It runs after the
// declared users and before the assignments, which may name them.
func ensureUser(ctx context.Context, id *identity.Service, name string) error {
	_, err := id.Directory().GetUserByName(ctx, name)
	if sso.CodeOf(err) != sso.CodeResourceNotFound {
		return err
	}
	_, err = id.AddUser(ctx, identity.UserSpec{Name: name, DisplayName: "Auto-approve (" + name + ")", Password: sso.RandomSecret()})
	if sso.CodeOf(err) == sso.CodeConflict {
		return nil // another node created it first
	}
	return err
}

// CheckLoopback returns an error unless addr is on a loopback interface:
// 127.0.0.0/8 or ::1 (an IPv4-mapped loopback address too). Auto-approve
// serves only there, where nobody but this machine reaches it.
func CheckLoopback(addr net.Addr) error {
	var ip netip.Addr
	switch a := addr.(type) {
	case *net.TCPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	default:
		if ap, err := netip.ParseAddrPort(addr.String()); err == nil {
			ip = ap.Addr()
		}
	}
	if !ip.Unmap().IsLoopback() {
		return fmt.Errorf("auto-approve serves only on a loopback address (127.0.0.1 or ::1), not on %s: anyone who reaches it gets tokens", addr)
	}
	return nil
}
