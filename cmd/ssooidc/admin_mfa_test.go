package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// TestAdminUserMFA lists a user's factors and resets them with the
// commands: the factors, the recovery codes and the browser sessions go,
// and the reset is in the audit trail.
func TestAdminUserMFA(t *testing.T) {
	dir := t.TempDir()
	dd := "--data-dir=" + dir
	mustRun(t, "a-password-123\n", "admin", "user", "add", "erin", "--password-stdin", dd)
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "ssooidc.db"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := store.GetUserByName(ctx, "erin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, f := range []sso.Factor{
		{ID: "f1", UserID: u.ID, Kind: sso.FactorTOTP, Name: "Phone", Secret: []byte{1, 2, 3}, CreatedAt: now},
		{ID: "f2", UserID: u.ID, Kind: sso.FactorWebAuthn, Name: "Blue key", CredentialID: []byte{9}, PublicKey: []byte{8},
			Discoverable: true, CreatedAt: now},
	} {
		if err := store.CreateFactor(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.ReplaceRecoveryCodes(ctx, u.ID, [][]byte{{1}, {2}}, now); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateSession(ctx, sso.Session{Digest: []byte{7}, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	store.Close()

	list := mustRun(t, "", "admin", "user", "mfa", "list", "erin", dd)
	for _, want := range []string{"totp", "Phone", "passkey", "Blue key", "2 factor(s); 2 recovery code(s) left", "mode optional"} {
		if !strings.Contains(list, want) {
			t.Errorf("mfa list does not say %q:\n%s", want, list)
		}
	}
	for _, bad := range [][]string{{"mfa"}, {"mfa", "list"}, {"mfa", "wipe", "erin"}, {"mfa", "reset", "nobody"}} {
		if _, _, err := runCmd(t, "", append(append([]string{"admin", "user"}, bad...), dd)...); err == nil {
			t.Errorf("admin user %v succeeded", bad)
		}
	}
	out := mustRun(t, "", "admin", "user", "mfa", "reset", "erin", dd)
	if !strings.Contains(out, "Removed 2 second factor(s)") || !strings.Contains(out, "ended 1 browser session(s)") {
		t.Errorf("mfa reset printed:\n%s", out)
	}
	// Under mode required the command says what happens next.
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("mfa:\n  mode: required\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, "", "admin", "user", "mfa", "reset", "erin", dd, "--config", cfg)
	if !strings.Contains(out, "Removed 0 second factor(s)") || !strings.Contains(out, "sets up a new one at the next sign-in") {
		t.Errorf("mfa reset under mode required printed:\n%s", out)
	}
	if err := os.WriteFile(cfg, []byte("mfa:\n  mode: always\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, "", "admin", "user", "mfa", "list", "erin", dd, "--config", cfg); err == nil ||
		!strings.Contains(err.Error(), "mfa.mode") {
		t.Errorf("a config with mfa.mode always: %v", err)
	}

	store, err = sqlite.Open(ctx, filepath.Join(dir, "ssooidc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if fs, _ := store.ListFactors(ctx, u.ID); len(fs) != 0 {
		t.Errorf("factors after reset: %d", len(fs))
	}
	if n, _ := store.CountRecoveryCodes(ctx, u.ID); n != 0 {
		t.Errorf("recovery codes after reset: %d", n)
	}
	evs, err := store.ListEvents(ctx, sso.EventQuery{User: "erin"})
	if err != nil {
		t.Fatal(err)
	}
	resets := 0
	for _, e := range evs {
		if e.Type == "mfa.reset" && e.Actor.Type == sso.ActorAdmin {
			resets++
		}
	}
	if resets != 2 {
		t.Errorf("%d mfa.reset events by the admin, want 2", resets)
	}
}
