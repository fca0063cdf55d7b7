package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// The portal's reads through the handler (issue 18): GetRoleCredentials of
// fixed and of STS credentials (served from the cache after the first
// call), and ListAccounts, at 8 goroutines on 2 CPUs.
//
//	go test ./internal/bench -run '^$' -bench 'Portal' -cpuprofile cpu.out && go tool pprof -top -cum cpu.out

// portalStack is a server with one static and one STS account, both
// assigned to the bench user's group, and login sessions of that user.
type portalStack struct {
	*stack
	tokens []string
	calls  *atomic.Int64 // AssumeRole calls the STS endpoint answered
}

func newPortalStack(b *testing.B, sessions int) *portalStack {
	b.Helper()
	sts, calls := stsEndpoint(b)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), dbFile))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	issuer := rolecreds.New(rolecreds.Config{STSEndpoint: sts, Credentials: credentials.NewStaticCredentialsProvider(stsAccessKey, stsSecretKey, ""),
		Static: map[string]rolecreds.Static{portalAccount: {AccessKeyID: "AKIABENCHBENCHBENCH0", SecretAccessKey: sso.RandomSecret(), SessionToken: "bench"}}})
	srv, err := server.New(ctx, st, server.Config{Addr: "127.0.0.1:8080", Issuer: issuer, Directory: server.Directory{
		Users: []identity.UserSpec{{Name: benchUser, Password: sso.RandomSecret(), Groups: []string{benchGroup}}},
		Accounts: []sso.Account{{ID: portalAccount, Name: "bench", Source: sso.SourceStatic},
			{ID: stsAccount, Name: "bench-sts", Source: sso.SourceSTS}},
		PermissionSets: []sso.PermissionSet{{Name: portalRole, SessionDuration: time.Hour}},
		Assignments: []server.AssignmentDecl{{AccountID: portalAccount, PermissionSet: portalRole, Group: benchGroup},
			{AccountID: stsAccount, PermissionSet: portalRole, Group: benchGroup}},
	}}, slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err != nil {
		b.Fatal(err)
	}
	u, err := srv.People().GetUserByName(ctx, benchUser)
	if err != nil {
		b.Fatal(err)
	}
	ps := &portalStack{stack: &stack{srv: srv, h: srv.Handler(), userID: u.ID}, calls: calls}
	cr := ps.register(b)
	for range sessions {
		sd := ps.start(b, cr)
		if err := srv.Devices().Decide(ctx, sd.UserCode, u.ID, true); err != nil {
			b.Fatal(err)
		}
		var tok wire.CreateTokenResponse
		ps.must(b, wire.PathCreateToken, deviceTokenBody(cr, sd.DeviceCode), &tok)
		ps.tokens = append(ps.tokens, tok.AccessToken)
	}
	return ps
}

// stsEndpoint is a benchSTS for the benchmark, closed with it.
func stsEndpoint(b *testing.B) (string, *atomic.Int64) {
	s, err := startBenchSTS()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s.URL, &s.Calls
}

func (ps *portalStack) get(b *testing.B, path, token string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set(wire.HeaderBearerToken, token)
	rec := httptest.NewRecorder()
	ps.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
	}
}

func benchPortal(b *testing.B, path string) {
	ps := newPortalStack(b, 1024)
	var i atomic.Uint64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ps.get(b, path, ps.tokens[i.Add(1)%uint64(len(ps.tokens))])
		}
	})
	b.ReportMetric(float64(ps.calls.Load()), "assumerole")
}

func rolePath(account string) string {
	return wire.PathGetRoleCredentials + "?" + url.Values{wire.QueryRoleName: {portalRole}, wire.QueryAccountID: {account}}.Encode()
}

func BenchmarkPortalRoleCredentialsStatic(b *testing.B) { benchPortal(b, rolePath(portalAccount)) }
func BenchmarkPortalRoleCredentialsSTS(b *testing.B)    { benchPortal(b, rolePath(stsAccount)) }
func BenchmarkPortalListAccounts(b *testing.B)          { benchPortal(b, wire.PathListAccounts) }
