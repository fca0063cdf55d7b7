package httpapi

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/internal/clients"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// TestCancelledStoreCallIsAbandoned: a client that hangs up while its
// registration is being stored makes the real store fail with the
// context's error. That is the client's leaving, not our failure: one
// debug line, no InternalServerException, no ERROR.
func TestCancelledStoreCallIsAbandoned(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ssooidc.db"), sqlite.SyncNormal)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := sso.RandomKey()
	var logs bytes.Buffer
	api := New(Options{Registrar: clients.New(st, sso.NewDigester(key), clients.Options{}),
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	mux := http.NewServeMux()
	api.Routes(mux)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the connection closed
	req := httptest.NewRequestWithContext(ctx, "POST", "/client/register", strings.NewReader(`{"clientName":"x","clientType":"public"}`))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	out := logs.String()
	if !strings.Contains(out, `"msg":"request abandoned"`) || !strings.Contains(out, "context canceled") {
		t.Fatalf("no abandoned line:\n%s", out)
	}
	if strings.Contains(out, `"level":"ERROR"`) || strings.Contains(out, "InternalServerException") ||
		strings.Contains(rec.Body.String(), "InternalServerException") {
		t.Fatalf("a cancelled request reported as an internal error:\n%s\n%s", out, rec.Body.String())
	}
	if _, err := st.GetClient(context.Background(), "x"); err == nil {
		t.Fatal("impossible: a client with id x")
	}
}
