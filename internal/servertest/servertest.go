package servertest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sqlite"
)

// StartURL is the start URL test servers serve.
const StartURL = server.DefaultStartURL

// Server is a running service.
type Server struct {
	URL   string // http://127.0.0.1:PORT
	Dir   string // the data directory
	DB    string // the SQLite file
	Store *sqlite.Store
	Srv   *server.Server

	logs *Buffer
}

// Option changes the configuration of a test server.
type Option func(*server.Config)

// WithConfig lets a test change any configuration field.
func WithConfig(f func(*server.Config)) Option { return Option(f) }

// New starts a server and stops it when tb ends.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := tb.TempDir()
	db := filepath.Join(dir, "ssooidc.db")
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		tb.Fatalf("opening store: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	cfg := server.Config{Addr: l.Addr().String(), PublicURL: url, GCInterval: time.Hour}
	for _, o := range opts {
		o(&cfg)
	}
	logs := &Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := server.New(ctx, store, cfg, log)
	if err != nil {
		tb.Fatalf("server.New: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	tb.Cleanup(func() {
		// Clients in tests share http.DefaultTransport, which dials spare
		// connections it may never use; the server's graceful shutdown
		// waits 5 s for such never-used connections, so close them first.
		if tr, ok := http.DefaultTransport.(*http.Transport); ok {
			tr.CloseIdleConnections()
		}
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			tb.Errorf("serve: %v", err)
		}
		store.Close()
	})
	return &Server{URL: url, Dir: dir, DB: db, Store: store, Srv: srv, logs: logs}
}

// Logs returns everything the server has logged so far (JSON lines).
func (s *Server) Logs() string { return s.logs.String() }

// AddUser creates a user with password, member of groups.
func (s *Server) AddUser(tb testing.TB, name, password string, groups ...string) {
	tb.Helper()
	if _, err := s.Srv.Identity().AddUser(context.Background(), identity.UserSpec{Name: name, Password: password, Groups: groups}); err != nil {
		tb.Fatalf("adding user %s: %v", name, err)
	}
}

// Decide approves or denies userCode as the named user, as the consent
// page would.
func (s *Server) Decide(tb testing.TB, userCode, userName string, approve bool) {
	tb.Helper()
	ctx := context.Background()
	users, err := s.Srv.Identity().ListUsers(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for _, u := range users {
		if u.Name == userName {
			if err := s.Srv.Devices().Decide(ctx, userCode, u.ID, approve); err != nil {
				tb.Fatalf("deciding %s: %v", userCode, err)
			}
			return
		}
	}
	tb.Fatalf("no user %s", userName)
}

// Buffer is a bytes.Buffer that many goroutines may write and read: for
// logs and the output of processes under test.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
