package main

import (
	"context"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// TestServeAutoApproveRefused: --auto-approve is refused, before anything
// is opened or created, without --dev, on an address that is not
// loopback, with a public URL elsewhere or a proxy in front; it is
// accepted with --dev (or dev: true) on loopback.
func TestServeAutoApproveRefused(t *testing.T) {
	loop := freeAddr(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--auto-approve", "ci", "--addr", loop}, "it needs --dev"},
		{[]string{"--auto-approve", "ci", "--dev", "--addr", "0.0.0.0:8080"}, `loopback --addr such as 127.0.0.1:8080 or [::1]:8080, not "0.0.0.0:8080"`},
		{[]string{"--auto-approve", "ci", "--dev", "--addr", ":8080"}, "loopback --addr"},
		{[]string{"--auto-approve", "ci", "--dev", "--addr", "192.0.2.7:8080"}, "loopback --addr"},
		{[]string{"--auto-approve", "ci", "--dev", "--addr", "sso.example.com:8080"}, "loopback --addr"},
		{[]string{"--auto-approve", "ci", "--dev", "--addr", loop, "--public-url", "https://sso.example.com"}, "loopback --public-url"},
		{[]string{"--auto-approve", "ci", "--dev", "--addr", loop, "--trusted-proxy", "10.0.0.0/8"}, "does not go with --trusted-proxy"},
		{[]string{"--auto-approve", "ci", "--addr", loop, "--check-config"}, "it needs --dev"},
	} {
		dir := t.TempDir()
		_, _, err := runCmd(t, "", append([]string{"serve", "--data-dir", dir}, tc.args...)...)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) ||
			!strings.Contains(err.Error(), "--auto-approve gives a token to anyone who reaches the server") {
			t.Errorf("serve %v: %v\n  want a usage error saying %q", tc.args, err, tc.want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("serve %v created %d files before refusing", tc.args, len(entries))
		}
	}
	for _, args := range [][]string{
		{"--auto-approve", "ci", "--dev", "--addr", loop},
		{"--auto-approve", "ci", "--dev", "--addr", "localhost:8080", "--public-url", "http://localhost:8080"},
		{"--auto-approve", "ci", "--dev", "--addr", "[::1]:8080"},
	} {
		out, _, err := runCmd(t, "", append([]string{"serve", "--check-config", "--data-dir", t.TempDir()}, args...)...)
		if err != nil || !strings.Contains(out, "The configuration is valid.") {
			t.Errorf("serve --check-config %v: %v %s", args, err, out)
		}
	}
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(cfg, []byte("dev: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, "", "serve", "--check-config", "--config", cfg, "--auto-approve", "ci", "--addr", loop); err != nil {
		t.Errorf("dev: true in the config file: %v", err)
	}
}

// TestAdminApprove: "admin approve CODE --user NAME" approves a device
// login that a running server is waiting on, "--deny" denies one, both
// through the page's path, audited with the OS user as the actor; and
// mistakes are said clearly.
func TestAdminApprove(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	stop := startServe(t, "--dev", "--addr", addr, "--data-dir", dir)
	defer stop()
	dd := "--data-dir=" + dir
	c := ssooidc.New(ssooidc.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1})
	ctx := context.Background()
	reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("cli-under-test"), ClientType: aws.String("public")})
	if err != nil {
		t.Fatal(err)
	}
	start := func() *ssooidc.StartDeviceAuthorizationOutput {
		out, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId,
			ClientSecret: reg.ClientSecret, StartUrl: aws.String(server.DefaultStartURL)})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	poll := func(a *ssooidc.StartDeviceAuthorizationOutput) error {
		_, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: a.DeviceCode})
		return err
	}

	a := start()
	var pending *types.AuthorizationPendingException
	if err := poll(a); !errors.As(err, &pending) {
		t.Fatalf("before the approval: %v", err)
	}
	code := aws.ToString(a.UserCode)
	if out := mustRun(t, "", "admin", "approve", code, "--user", "dev", dd); out != "Approved "+code+" (cli-under-test) for dev.\n" {
		t.Errorf("admin approve said %q", out)
	}
	if err := poll(a); err != nil {
		t.Fatalf("after admin approve: %v", err)
	}
	b := start()
	if out := mustRun(t, "", "admin", "approve", "--user", "dev", "--deny", dd, aws.ToString(b.UserCode)); !strings.HasPrefix(out, "Denied ") {
		t.Errorf("admin approve --deny said %q", out)
	}
	var denied *types.AccessDeniedException
	if err := poll(b); !errors.As(err, &denied) {
		t.Fatalf("after --deny: %v", err)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{code, "--user", "dev"}, "this code has already been used"},
		{[]string{"BCDF-GHJK", "--user", "dev"}, "that code is not valid"},
		{[]string{aws.ToString(start().UserCode), "--user", "mallory"}, `no user is named "mallory"`},
		{[]string{"--user", "dev"}, "needs the code the login printed"},
		{[]string{code}, "needs --user"},
		{[]string{"--user", "dev", code, "extra"}, `"extra" is one too many`},
		{[]string{"--user", "dev", code, "--deny"}, `"--deny" after the code is not read`},
		{[]string{"--deny", code, "--user", "dev"}, `"--user" after the code is not read`},
	} {
		_, _, err := runCmd(t, "", append(append([]string{"admin", "approve"}, tc.args...), dd)...)
		if err == nil || !strings.Contains(cliMessage(err), tc.want) {
			t.Errorf("admin approve %v: %v, want %q", tc.args, err, tc.want)
		}
	}

	// The audit trail: one event each, by the OS user, about dev and the
	// client; the failed attempts left none.
	store, err := sqlite.Open(ctx, filepath.Join(dir, "ssooidc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	evs, err := store.ListEvents(ctx, sso.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	me, _ := user.Current()
	counts := map[string]int{}
	for _, e := range evs {
		if e.Type != audit.DeviceApproved && e.Type != audit.DeviceDenied {
			continue
		}
		counts[e.Type]++
		if e.Actor.Type != sso.ActorAdmin || e.Actor.ID != "os:"+me.Username || e.Target.User != "dev" || e.Target.Name != "cli-under-test" {
			t.Errorf("event %+v", e)
		}
	}
	if counts[audit.DeviceApproved] != 1 || counts[audit.DeviceDenied] != 1 {
		t.Errorf("decision events %v, want one approval and one denial", counts)
	}
}

// TestServeAutoApproveRegistrations: under --auto-approve the
// per-address RegisterClient limit is off (every caller is this machine;
// each fresh AWS CLI home registers), unless the config file sets one.
func TestServeAutoApproveRegistrations(t *testing.T) {
	register := func(addr string, n int) (ok int) {
		c := ssooidc.New(ssooidc.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
			Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1})
		for range n {
			if _, err := c.RegisterClient(context.Background(), &ssooidc.RegisterClientInput{ClientName: aws.String("ci"),
				ClientType: aws.String("public")}); err == nil {
				ok++
			}
		}
		return ok
	}
	addr := freeAddr(t)
	stop := startServe(t, "--dev", "--auto-approve", "ci", "--addr", addr, "--data-dir", t.TempDir())
	if ok := register(addr, 40); ok != 40 {
		t.Errorf("%d of 40 registrations under --auto-approve", ok)
	}
	stop()
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(cfg, []byte("limits: {registrations_per_address: 5}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr = freeAddr(t)
	stop = startServe(t, "--dev", "--auto-approve", "ci", "--addr", addr, "--data-dir", t.TempDir(), "--config", cfg)
	defer stop()
	if ok := register(addr, 8); ok != 5 {
		t.Errorf("%d of 8 registrations with a limit of 5 configured", ok)
	}
}
