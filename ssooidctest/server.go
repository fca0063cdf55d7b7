package ssooidctest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sqlite"
)

// DefaultStartURL is the start URL a Server serves unless WithStartURL
// says otherwise. Its host is AWS's, so that AWS CLI 2.35.13 and later do
// not try to resolve it; it is never contacted.
const DefaultStartURL = server.DefaultStartURL

// DefaultRegion is the sso_region a Server answers for unless WithRegion
// says otherwise.
const DefaultRegion = "us-east-1"

// SessionName is the name of the [sso-session] section of SharedConfig.
const SessionName = "ssooidctest"

// maxLogDump bounds how much of the server's log a failed test shows.
const maxLogDump = 64 << 10

// Server is a running ssooidc service: the SSO OIDC API, the SSO portal
// API and the sign-in and consent pages on one loopback address, over its
// own SQLite file in a temporary directory. Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the endpoint of both APIs and of the pages, such as
	// http://127.0.0.1:41234 (AWS_ENDPOINT_URL_SSO_OIDC and
	// AWS_ENDPOINT_URL_SSO).
	URL string
	// StartURL is the AWS access portal URL it serves (sso_start_url).
	StartURL string
	// Region is the region it answers for (sso_region).
	Region string

	srv      *server.Server
	store    *sqlite.Store
	dir      string
	profiles []Profile
	logs     *servertest.Buffer

	ownDir bool // Close removes dir (Start's)

	cancel    context.CancelFunc
	done      chan error
	closeOnce sync.Once
	closeErr  error
}

// New starts a Server with what opts declare and stops it when tb and its
// subtests have ended (tb.Cleanup). It fails tb when the service cannot
// start, or when a declaration is not valid (an account ID that is not 12
// digits, a user name the directory refuses, ...). When tb fails, the
// server's log is written to it.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	o := options{startURL: DefaultStartURL, region: DefaultRegion}
	for _, opt := range opts {
		opt(&o)
	}
	s, err := start(tb.TempDir(), &o)
	if err != nil {
		tb.Fatalf("ssooidctest: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("ssooidctest: %v", err)
		}
		if tb.Failed() {
			logs := s.Logs()
			if len(logs) > maxLogDump {
				// The end of a long test's log is where the failure is.
				logs = "(earlier lines left out)\n" + logs[len(logs)-maxLogDump:]
			}
			tb.Logf("ssooidctest: the server's log:\n%s", logs)
		}
	})
	return s
}

// Start starts a Server outside a test: in TestMain, to share one among
// the tests of a package (each declaring what it needs under its own
// names), in an example, or in a program. Close it when done; Close also
// removes the temporary directory that holds its database. Errors are
// those New fails the test with.
func Start(opts ...Option) (*Server, error) {
	o := options{startURL: DefaultStartURL, region: DefaultRegion}
	for _, opt := range opts {
		opt(&o)
	}
	dir, err := os.MkdirTemp("", "ssooidctest")
	if err != nil {
		return nil, fmt.Errorf("ssooidctest: %w", err)
	}
	s, err := start(dir, &o)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("ssooidctest: %w", err)
	}
	s.ownDir = true
	return s, nil
}

func start(dir string, o *options) (*Server, error) {
	if u, err := url.Parse(o.startURL); err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("the start URL %q is not an absolute https URL", o.startURL)
	}
	ctx, cancel := context.WithCancel(context.Background())
	// A test's database is thrown away: it need not survive a power cut,
	// so commits are not synced to the disk (sqlite.SyncNormal syncs at
	// checkpoints only), which makes declaring a directory many times
	// faster.
	store, err := sqlite.Open(ctx, filepath.Join(dir, "ssooidc.db"), sqlite.SyncNormal)
	if err != nil {
		cancel()
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		store.Close()
		return nil, err
	}
	base := "http://" + l.Addr().String()
	d, err := o.directory()
	if err != nil {
		cancel()
		l.Close()
		store.Close()
		return nil, err
	}
	logs := &servertest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := server.Config{
		Addr: l.Addr().String(), PublicURL: base, StartURLs: []string{o.startURL}, Region: o.region,
		SessionLifetime: o.sessionLifetime, AccessTokenLifetime: o.accessTokenLifetime,
		Directory: d.decl, Issuer: d.issuer, AutoApprove: o.autoApprove,
		// Expired records are collected by the next test's fresh file.
		GCInterval: time.Hour,
		// Every client of a test server is on this machine: a test that
		// registers many clients is not an attacker.
		RegistrationsPerAddress: -1,
		Now:                     o.now,
	}
	srv, err := server.New(ctx, store, cfg, log)
	if err != nil {
		cancel()
		l.Close()
		store.Close()
		return nil, err
	}
	s := &Server{URL: base, StartURL: o.startURL, Region: o.region, srv: srv, store: store, dir: dir,
		profiles: d.profiles, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- srv.Serve(ctx, l) }()
	return s, nil
}

// Close stops the server: it stops accepting, lets requests in flight
// finish, and closes the database. New registers it with tb.Cleanup; call
// it earlier to see what a program does when the service goes away.
// Calling it again does nothing.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		// Clients share http.DefaultTransport, whose idle connections the
		// graceful shutdown would wait for: close them first.
		if tr, ok := http.DefaultTransport.(*http.Transport); ok {
			tr.CloseIdleConnections()
		}
		s.cancel()
		err := <-s.done
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		if cerr := s.store.Close(); err == nil {
			err = cerr
		}
		if s.ownDir {
			if rerr := os.RemoveAll(s.dir); err == nil {
				err = rerr
			}
		}
		if err != nil {
			s.closeErr = fmt.Errorf("stopping the server: %w", err)
		}
	})
	return s.closeErr
}

// Logs returns what the server has logged so far: one text line per
// event (slog's key=value format), at debug level and up. It names no
// secret: tokens, codes and passwords are never logged.
func (s *Server) Logs() string { return s.logs.String() }
