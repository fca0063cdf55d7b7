package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// The Go benchmarks drive the assembled server's handler directly with
// httptest.NewRecorder: no network and no load generator, so a CPU
// profile (go test -bench X -cpuprofile) shows the server alone. The store
// is real SQLite on disk with its defaults. The Parallel variants run 8
// goroutines on GOMAXPROCS 2 (b.SetParallelism(4)), like 8 connections.
//
//	go test ./internal/bench -run '^$' -bench . -benchtime 3s
//	go test ./internal/bench -run '^$' -bench 'Refresh$' -cpuprofile cpu.out && go tool pprof -top cpu.out

type stack struct {
	srv    *server.Server
	h      http.Handler
	userID string
}

func newStack(b testing.TB) *stack { return newStackClock(b, nil) }

// fastClock runs 20 times faster than real time from now on: the pending
// benchmarks cycle through their pool faster than the 1 s poll interval,
// and on this clock every code's interval has passed by its next poll, so
// every answer is authorization_pending, as in the harness.
func fastClock() func() time.Time {
	start := time.Now()
	return func() time.Time { return start.Add(20 * time.Since(start)) }
}

func newStackClock(b testing.TB, now func() time.Time) *stack {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), dbFile))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	// The level serve runs at: a request that succeeds logs nothing.
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := server.New(ctx, st, server.Config{Addr: "127.0.0.1:8080", Now: now}, log)
	if err != nil {
		b.Fatal(err)
	}
	u, err := srv.Identity().AddUser(ctx, identity.UserSpec{Name: benchUser, Password: sso.RandomSecret()})
	if err != nil {
		b.Fatal(err)
	}
	return &stack{srv: srv, h: srv.Handler(), userID: u.ID}
}

// do serves one request and returns the recorder.
func (s *stack) do(path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

func (s *stack) must(b testing.TB, path string, body []byte, out any) {
	b.Helper()
	rec := s.do(path, body)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			b.Fatal(err)
		}
	}
}

func (s *stack) register(b testing.TB) creds {
	var out wire.RegisterClientResponse
	body, _ := json.Marshal(wire.RegisterClientRequest{ClientName: ptr("bench"), ClientType: ptr(wire.ClientTypePublic), Scopes: scopes})
	s.must(b, wire.PathRegisterClient, body, &out)
	return creds{out.ClientID, out.ClientSecret}
}

func (s *stack) start(b testing.TB, cr creds) wire.StartDeviceAuthorizationResponse {
	var out wire.StartDeviceAuthorizationResponse
	s.must(b, wire.PathStartDeviceAuthorization, startBody(cr, server.DefaultStartURL), &out)
	return out
}

// family runs a device flow and returns its refresh token.
func (s *stack) family(b testing.TB, cr creds) string {
	sd := s.start(b, cr)
	if err := s.srv.Devices().Decide(context.Background(), sd.UserCode, s.userID, true); err != nil {
		b.Fatal(err)
	}
	var tok wire.CreateTokenResponse
	s.must(b, wire.PathCreateToken, deviceTokenBody(cr, sd.DeviceCode), &tok)
	return *tok.RefreshToken
}

func BenchmarkFloor(b *testing.B) {
	h := FloorHandler()
	req := jsonBody(190)
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/166", bytes.NewReader(req))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkRegisterClient(b *testing.B) {
	s := newStack(b)
	body, _ := json.Marshal(wire.RegisterClientRequest{ClientName: ptr("bench"), ClientType: ptr(wire.ClientTypePublic), Scopes: scopes})
	for b.Loop() {
		if rec := s.do(wire.PathRegisterClient, body); rec.Code != http.StatusOK {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

func BenchmarkRegisterClientParallel(b *testing.B) {
	s := newStack(b)
	body, _ := json.Marshal(wire.RegisterClientRequest{ClientName: ptr("bench"), ClientType: ptr(wire.ClientTypePublic), Scopes: scopes})
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if rec := s.do(wire.PathRegisterClient, body); rec.Code != http.StatusOK {
				b.Error(rec.Code, rec.Body.String())
				return
			}
		}
	})
}

func BenchmarkStartDeviceAuthorization(b *testing.B) {
	s := newStack(b)
	body := startBody(s.register(b), server.DefaultStartURL)
	for b.Loop() {
		if rec := s.do(wire.PathStartDeviceAuthorization, body); rec.Code != http.StatusOK {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

// pendingPool makes n pending codes and returns their poll bodies.
func pendingPool(b *testing.B, s *stack, n int) [][]byte {
	cr := s.register(b)
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = deviceTokenBody(cr, s.start(b, cr).DeviceCode)
	}
	return bodies
}

// pollPending polls bodies round-robin as the harness does (pendingIndex)
// and says whether the answer was pending or slow_down.
func pollPending(b *testing.B, s *stack, bodies [][]byte, next func() uint64) (pending, slow int) {
	rec := s.do(wire.PathCreateToken, bodies[pendingIndex(next(), uint64(len(bodies)))])
	switch rec.Header().Get(wire.HeaderErrorType) {
	case wire.ErrAuthorizationPending:
		return 1, 0
	case wire.ErrSlowDown:
		return 0, 1
	}
	b.Errorf("poll: %d %s", rec.Code, rec.Body.String())
	return 0, 0
}

func BenchmarkCreateTokenPending(b *testing.B) {
	s := newStackClock(b, fastClock())
	bodies := pendingPool(b, s, 4096)
	var i uint64
	next := func() uint64 { i++; return i - 1 }
	var slow int
	for b.Loop() {
		_, sl := pollPending(b, s, bodies, next)
		slow += sl
	}
	b.ReportMetric(float64(slow)/float64(b.N), "slow_down/op")
}

func BenchmarkCreateTokenPendingParallel(b *testing.B) {
	s := newStackClock(b, fastClock())
	bodies := pendingPool(b, s, 4096)
	var ctr atomicCounter
	var slow atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, sl := pollPending(b, s, bodies, ctr.next)
			slow.Add(int64(sl))
		}
	})
	b.ReportMetric(float64(slow.Load())/float64(b.N), "slow_down/op")
}

func BenchmarkRefresh(b *testing.B) {
	s := newStack(b)
	cr := s.register(b)
	tok := s.family(b, cr)
	var out wire.CreateTokenResponse
	for b.Loop() {
		rec := s.do(wire.PathCreateToken, refreshBody(cr, tok))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code, rec.Body.String())
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			b.Fatal(err)
		}
		tok = *out.RefreshToken
	}
}

func BenchmarkRefreshParallel(b *testing.B) {
	s := newStack(b)
	cr := s.register(b)
	families := make(chan string, 64)
	for range cap(families) {
		families <- s.family(b, cr)
	}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		tok := <-families
		var out wire.CreateTokenResponse
		for pb.Next() {
			rec := s.do(wire.PathCreateToken, refreshBody(cr, tok))
			if rec.Code != http.StatusOK {
				b.Error(rec.Code, rec.Body.String())
				return
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				b.Error(err)
				return
			}
			tok = *out.RefreshToken
		}
	})
}

// BenchmarkDeviceFlow is the whole flow with the approval made in process
// (Devices().Decide): register, start, decide, token.
func BenchmarkDeviceFlow(b *testing.B) {
	s := newStack(b)
	for b.Loop() {
		s.family(b, s.register(b))
	}
}

// atomicCounter hands out 0, 1, 2, ... to concurrent callers.
type atomicCounter struct{ n atomic.Uint64 }

func (c *atomicCounter) next() uint64 { return c.n.Add(1) - 1 }
