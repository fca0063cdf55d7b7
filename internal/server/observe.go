package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ssooidc/ssooidc/internal/accesslog"
	"github.com/ssooidc/ssooidc/internal/metrics"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/web"
)

// The services are measured at the interfaces the server hands them, so
// that none of them imports the metrics: the sign-in and code-entry pages
// through web.People and web.Devices, revocations through the token store
// of the grants that revoke a family only when a token or code is reused.

// Limits and reasons the metrics name.
const (
	limitSignIn    = "signin"    // the sign-in throttles (per user and per address)
	limitUserCode  = "user_code" // the user-code guess limit of the verification page
	reasonRefresh  = "refresh_reuse"
	reasonCode     = "code_reuse"
	methodPassword = "password"
	metricsPattern = "GET /metrics"
)

// instrument wraps h with the access log and the request metrics when the
// configuration asks for either; otherwise h is served as it is, at no
// cost.
func instrument(h http.Handler, cfg Config, log *slog.Logger) http.Handler {
	m := cfg.Metrics
	if m == nil && !cfg.AccessLog {
		return h
	}
	opts := accesslog.Options{TrustedProxies: cfg.TrustedProxies}
	if cfg.AccessLog {
		opts.Logger = log
	}
	if m != nil {
		opts.Observe = func(rec accesslog.Record) {
			m.Request(rec.Op, rec.Status, rec.ErrorType, rec.Duration)
			// An API's 429 names its limit by its operation (RegisterClient,
			// ...); the pages' limits are counted by name below.
			if rec.Status == http.StatusTooManyRequests && rec.ErrorType != "" {
				m.Refused(rec.Op)
			}
		}
	}
	return accesslog.Handler(h, opts)
}

// watchDevices has the metrics count the live device authorizations in
// the store at each scrape, every status present (0 when none).
func watchDevices(m *metrics.Metrics, store sso.DeviceStore, now func() time.Time) error {
	return m.WatchDevices(func(ctx context.Context) (map[string]int, error) {
		counts, err := store.CountDeviceAuths(ctx, now())
		if err != nil {
			return nil, err
		}
		out := map[string]int{}
		for _, st := range []sso.DeviceStatus{sso.DevicePending, sso.DeviceApproved, sso.DeviceDenied, sso.DeviceRedeemed} {
			out[string(st)] = counts[st]
		}
		return out, nil
	})
}

// meteredPeople counts password sign-ins by result, and the sign-in
// throttle's refusals.
type meteredPeople struct {
	web.People
	m *metrics.Metrics
}

func (p meteredPeople) SignIn(ctx context.Context, username, password, remoteAddr string) (sso.User, error) {
	u, err := p.People.SignIn(ctx, username, password, remoteAddr)
	result := metrics.SignInSuccess
	switch {
	case err == nil:
	case sso.CodeOf(err) == sso.CodeAccessDenied:
		result = metrics.SignInFailure
	case sso.CodeOf(err) == sso.CodeTooManyRequests:
		result = metrics.SignInThrottled
		p.m.Refused(limitSignIn)
	default:
		result = metrics.SignInError
	}
	p.m.SignIn(methodPassword, result)
	return u, err
}

// meteredDevices counts the refusals of the user-code guess limit.
type meteredDevices struct {
	web.Devices
	m *metrics.Metrics
}

func (d meteredDevices) Lookup(ctx context.Context, userCode string, who sso.User, remoteAddr string) (web.DevicePrompt, error) {
	p, err := d.Devices.Lookup(ctx, userCode, who, remoteAddr)
	if sso.CodeOf(err) == sso.CodeTooManyRequests && err != nil {
		d.m.Refused(limitUserCode)
	}
	return p, err
}

// revokeCounter counts the families its grant revokes. It is handed only
// to grants that revoke on reuse (the refresh grant, the authorization
// code grants), so every revocation it sees is one of reason.
type revokeCounter struct {
	sso.TokenStore
	m      *metrics.Metrics
	reason string
}

func (r revokeCounter) RevokeFamily(ctx context.Context, familyID string, now time.Time) error {
	err := r.TokenStore.RevokeFamily(ctx, familyID, now)
	if err == nil {
		r.m.Revoked(r.reason)
	}
	return err
}

// tokenStore returns store, counting its revocations for reason when
// metrics are on.
func tokenStore(store sso.TokenStore, m *metrics.Metrics, reason string) sso.TokenStore {
	if m == nil {
		return store
	}
	return revokeCounter{TokenStore: store, m: m, reason: reason}
}

// ServeMetrics serves GET /metrics alone on l (Config.MetricsAddr) until
// ctx is done, in plain HTTP: a scrape address is meant for the cluster's
// network, not the public one.
func (s *Server) ServeMetrics(ctx context.Context, l net.Listener) error {
	if s.cfg.Metrics == nil {
		return errors.New("metrics are not configured")
	}
	mux := http.NewServeMux()
	mux.Handle(metricsPattern, s.cfg.Metrics.Handler(s.log))
	return serveUntilDone(ctx, s.httpServer(mux), l)
}
