package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sqlite"
)

// TestAdminSCIMToken makes a token with the command, uses it against a
// server on the same store, lists it and revokes it: the server refuses
// it at once.
func TestAdminSCIMToken(t *testing.T) {
	dir := t.TempDir()
	dd := "--data-dir=" + dir
	out := mustRun(t, "", "admin", "scim-token", "create", "--expires", "720h", dd)
	secret := regexp.MustCompile(`(?m)^(ssooidc-scim-[A-Za-z0-9_-]{43})$`).FindStringSubmatch(out)
	id := regexp.MustCompile(`Created SCIM token ([0-9a-f-]{36})`).FindStringSubmatch(out)
	if secret == nil || id == nil {
		t.Fatalf("create printed:\n%s", out)
	}
	for _, bad := range [][]string{{"create", "--expires", "1m"}, {"create", "extra"}, {"revoke"}, {"rotate"},
		{"revoke", "00000000-0000-4000-8000-000000000000"}} {
		if _, _, err := runCmd(t, "", append(append([]string{"admin", "scim-token"}, bad...), dd)...); err == nil {
			t.Errorf("admin scim-token %v succeeded", bad)
		}
	}

	store, err := sqlite.Open(context.Background(), filepath.Join(dir, "ssooidc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	srv, err := server.New(context.Background(), store, server.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	get := func() int {
		req, _ := http.NewRequest("GET", ts.URL+"/scim/v2/Users", nil)
		req.Header.Set("Authorization", "Bearer "+secret[1])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(); got != http.StatusOK {
		t.Fatalf("GET /scim/v2/Users with the new token: %d", got)
	}
	list := mustRun(t, "", "admin", "scim-token", "list", dd)
	if !strings.Contains(list, id[1]) || !strings.Contains(list, "active") || strings.Contains(list, secret[1]) {
		t.Errorf("list:\n%s", list)
	}
	mustRun(t, "", "admin", "scim-token", "revoke", id[1], dd)
	if got := get(); got != http.StatusUnauthorized {
		t.Errorf("GET with a revoked token: %d", got)
	}
	if list := mustRun(t, "", "admin", "scim-token", "list", dd); !strings.Contains(list, "revoked") {
		t.Errorf("list after revoke:\n%s", list)
	}
}
